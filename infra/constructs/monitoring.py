"""Alarms into an encrypted SNS topic (e-mail subscription from context ``kefu:alarmEmail``) and a dashboard.

Alarms: any dead-letter queue not empty; each function's errors and throttles; the API's 5xx answers; the
SLA workflow's failed or timed-out executions; the backlog of tickets waiting for an agent above a threshold
(context ``kefu:backlogAlarmThreshold``, default 50); a VIP customer waiting for a first response longer
than the VIP policy's target (5 minutes by default). The last two read EMF metrics the functions publish
(``Backlog`` from the stream, ``VipFirstResponseBreaches`` from the SLA function, kefu.services.sla).
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.constants import METRICS_NAMESPACE, SERVICE_NAME, SLA_FUNCTION, STREAM_FUNCTION, LogicalIds
from infra.nag import pin_logical_id

DEFAULT_BACKLOG_THRESHOLD = 50
MINUTE = cdk.Duration.minutes(1)


def kefu_metric(name: str, folder: str, statistic: str) -> cloudwatch.Metric:
    """An EMF metric of ``kefu.observability.count`` as the function in ``functions/<folder>`` publishes it."""
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": f"{SERVICE_NAME}-{folder.replace('_', '-')}", "channel": "none"},
        statistic=statistic,
        period=MINUTE,
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        dead_letter_queues: Sequence[tuple[str, sqs.IQueue]],
        functions: Sequence[lambda_.IFunction],
        alarm_email: str | None,
        api: apigw.RestApi | None = None,
        state_machines: Sequence[sfn.StateMachine] = (),
        backlog_threshold: int = DEFAULT_BACKLOG_THRESHOLD,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "AlarmTopic", display_name="Kefu alarms", master_key=key, enforce_ssl=True)
        pin_logical_id(self.topic, LogicalIds.ALARM_TOPIC)
        # CloudWatch publishes alarm notifications to the topic, which needs the key to encrypt them.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        notify = actions.SnsAction(self.topic)

        self.alarms: list[cloudwatch.Alarm] = []
        for name, queue in dead_letter_queues:
            alarm = cloudwatch.Alarm(
                self,
                f"{name}NotEmpty",
                alarm_description=f"Kefu: messages are waiting in the {name} dead-letter queue",
                metric=queue.metric_approximate_number_of_messages_visible(
                    period=cdk.Duration.minutes(1), statistic="Maximum"
                ),
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(notify)
            self.alarms.append(alarm)
        for function in functions:
            alarm = cloudwatch.Alarm(
                self,
                f"{function.node.id}Errors",
                alarm_description=f"Kefu: {function.node.id} reported errors",
                metric=function.metric_errors(period=cdk.Duration.minutes(5), statistic="Sum"),
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(notify)
            self.alarms.append(alarm)

        def watch(construct_id: str, description: str, metric: cloudwatch.IMetric, threshold: float) -> None:
            made = cloudwatch.Alarm(
                self,
                construct_id,
                alarm_description=f"Kefu: {description}",
                metric=metric,
                threshold=threshold,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            made.add_alarm_action(notify)
            self.alarms.append(made)

        for function in functions:
            watch(
                f"{function.node.id}Throttles",
                f"{function.node.id} was throttled",
                function.metric_throttles(period=cdk.Duration.minutes(5), statistic="Sum"),
                0,
            )
        if api is not None:
            watch(
                "Api5xx",
                "the API answered with 5xx",
                api.metric_server_error(period=cdk.Duration.minutes(5), statistic="Sum"),
                0,
            )
        for machine in state_machines:
            name = machine.node.id
            watch(f"{name}Failed", f"{name} executions failed", machine.metric_failed(period=MINUTE), 0)
            watch(f"{name}TimedOut", f"{name} executions timed out", machine.metric_timed_out(period=MINUTE), 0)
        backlog = kefu_metric("Backlog", STREAM_FUNCTION.folder, "Maximum")
        watch(
            "BacklogHigh",
            f"more than {backlog_threshold} tickets wait for an agent: add staff",
            backlog,
            backlog_threshold,
        )
        vip = kefu_metric("VipFirstResponseBreaches", SLA_FUNCTION.folder, "Sum")
        watch("VipWaiting", "a VIP customer waited longer than the VIP first-response target", vip, 0)

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name="Kefu")
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Tickets waiting for an agent", left=[backlog], width=8),
            cloudwatch.GraphWidget(
                title="SLA warnings, breaches, VIP breaches",
                left=[
                    kefu_metric("SlaWarnings", SLA_FUNCTION.folder, "Sum"),
                    kefu_metric("SlaBreaches", SLA_FUNCTION.folder, "Sum"),
                    vip,
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="SLA workflow executions",
                left=[
                    metric
                    for machine in state_machines
                    for metric in (machine.metric_started(period=MINUTE), machine.metric_failed(period=MINUTE))
                ],
                width=8,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Function errors",
                left=[f.metric_errors(period=cdk.Duration.minutes(5), statistic="Sum") for f in functions],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Function throttles",
                left=[f.metric_throttles(period=cdk.Duration.minutes(5), statistic="Sum") for f in functions],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Dead-letter queues",
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=MINUTE, statistic="Maximum")
                    for _, queue in dead_letter_queues
                ],
                width=8,
            ),
        )
        if api is not None:
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="API requests, 4xx, 5xx, latency p99",
                    left=[
                        api.metric_count(period=MINUTE),
                        api.metric_client_error(period=MINUTE),
                        api.metric_server_error(period=MINUTE),
                    ],
                    right=[api.metric_latency(period=MINUTE, statistic="p99")],
                    width=24,
                )
            )
