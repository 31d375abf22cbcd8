"""The X-Ray SDK is opt-in per stack (CDK context kefu:xraySdk): by default the functions get nothing that turns it
on; with the context they get Powertools' own switch (docs/architecture.md, "Tracing")."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from infra.constructs.lambda_function import XRAY_SDK_CONTEXT, tracing_environment


def test_off_unless_the_context_turns_it_on() -> None:
    assert tracing_environment(cdk.App()) == {}
    assert tracing_environment(cdk.App(context={XRAY_SDK_CONTEXT: "false"})) == {}
    assert tracing_environment(cdk.App(context={XRAY_SDK_CONTEXT: "true"})) == {"POWERTOOLS_TRACE_DISABLED": "false"}


def test_a_value_that_is_neither_is_refused() -> None:
    with pytest.raises(ValueError, match=XRAY_SDK_CONTEXT):
        tracing_environment(cdk.App(context={XRAY_SDK_CONTEXT: "yes"}))
