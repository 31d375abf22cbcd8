"""Alarms beyond the dead-letter queues and function errors (tests/infra/test_data_and_queues.py): throttles,
API 5xx, the SLA workflow's failures, the backlog and VIP waits from the functions' EMF metrics; the
dashboard."""

from __future__ import annotations

from typing import Any

from infra.constants import FUNCTIONS, METRICS_NAMESPACE, LogicalIds
from infra.constructs.monitoring import DEFAULT_BACKLOG_THRESHOLD
from tests.infra.conftest import Synthesized


def _alarms(synthesized: Synthesized) -> list[dict[str, Any]]:
    return [a["Properties"] for a in synthesized.resources("AWS::CloudWatch::Alarm").values()]


def test_every_function_is_watched_for_throttles(synthesized: Synthesized) -> None:
    throttled = {
        d["Value"]["Ref"] for a in _alarms(synthesized) if a.get("MetricName") == "Throttles" for d in a["Dimensions"]
    }
    assert throttled == {spec.construct_id for spec in FUNCTIONS}


def test_api_5xx_and_workflow_failures_alarm(synthesized: Synthesized) -> None:
    alarms = _alarms(synthesized)
    api = [a for a in alarms if a.get("MetricName") == "5XXError" and a.get("Namespace") == "AWS/ApiGateway"]
    assert len(api) == 1 and api[0]["Threshold"] == 0
    workflow = {
        a["MetricName"]
        for a in alarms
        if a.get("Namespace") == "AWS/States"
        and a["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": LogicalIds.SLA_STATE_MACHINE}}]
    }
    assert workflow == {"ExecutionsFailed", "ExecutionsTimedOut"}


def test_backlog_and_vip_waits_alarm_from_the_functions_metrics(synthesized: Synthesized) -> None:
    by_metric = {a.get("MetricName"): a for a in _alarms(synthesized) if a.get("Namespace") == METRICS_NAMESPACE}
    backlog = by_metric["Backlog"]
    assert backlog["Threshold"] == DEFAULT_BACKLOG_THRESHOLD and backlog["Statistic"] == "Maximum"
    assert {"Name": "service", "Value": "kefu-stream"} in backlog["Dimensions"]
    vip = by_metric["VipFirstResponseBreaches"]
    assert vip["Threshold"] == 0 and {"Name": "service", "Value": "kefu-sla"} in vip["Dimensions"]
    for alarm in (backlog, vip):
        assert alarm["AlarmActions"] == [{"Ref": LogicalIds.ALARM_TOPIC}]
        assert alarm["TreatMissingData"] == "notBreaching"


def test_a_dashboard_shows_the_figures(synthesized: Synthesized) -> None:
    (dashboard,) = synthesized.resources("AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    text = "".join(part if isinstance(part, str) else "" for part in body["Fn::Join"][1])
    for title in ("Tickets waiting for an agent", "SLA warnings, breaches", "Dead-letter queues", "API requests"):
        assert title in text
