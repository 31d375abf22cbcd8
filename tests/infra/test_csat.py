"""The satisfaction survey's wiring: the stream function gets the address its links start with (the API's stage
URL, or ``kefu:publicBaseUrl``) and the switch only when ``kefu:csatSurvey`` is given; the API serves the
survey's page and answer as public webhooks-function routes (tests/infra/test_auth_api_backup.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kefu.config import Env

from .conftest import Synthesized, synth_with_context
from .test_orders import _of

pytestmark = pytest.mark.infra


def _stream_variables(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return dict(resources["StreamFunction"]["Properties"]["Environment"]["Variables"])


def test_by_default_the_links_start_with_the_apis_stage_url_and_the_survey_is_on(synthesized: Synthesized) -> None:
    variables = _stream_variables(synthesized.resources("AWS::Lambda::Function"))
    assert Env.CSAT_SURVEY not in variables
    base = json.dumps(variables[Env.PUBLIC_BASE_URL])
    rest_api = next(iter(synthesized.resources("AWS::ApiGateway::RestApi")))
    assert rest_api in base and ".execute-api." in base  # the API's own address, from the template
    for name, function in synthesized.resources("AWS::Lambda::Function").items():
        if name != "StreamFunction":  # only the stream sends surveys
            assert Env.PUBLIC_BASE_URL not in function["Properties"].get("Environment", {}).get("Variables", {})


def test_an_installation_names_its_own_address_and_may_turn_the_survey_off(tmp_path: Any) -> None:
    from infra.constants import Context

    template = synth_with_context(
        tmp_path, {Context.PUBLIC_BASE_URL: "https://help.example.com/", Context.CSAT_SURVEY: False}
    )
    variables = _stream_variables(_of(template, "AWS::Lambda::Function"))
    assert variables[Env.PUBLIC_BASE_URL] == "https://help.example.com/"
    assert variables[Env.CSAT_SURVEY] == "false"
