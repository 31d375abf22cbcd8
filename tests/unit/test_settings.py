"""Each function's settings: what it needs is required, named when missing, and a misspelling is refused."""

from __future__ import annotations

import pytest

from kefu.config import (
    AgentApiSettings,
    BotFunctionSettings,
    FunctionSettings,
    HelpSettings,
    IngestSettings,
    MediaSettings,
    OutboundSettings,
    RoutingSettings,
    Settings,
    SettingsError,
    SlaSettings,
    StreamSettings,
    WebhooksSettings,
)

FULL = {
    "KEFU_TABLE_NAME": "kefu-table",
    "KEFU_INBOUND_QUEUE_URL": "https://sqs/inbound.fifo",
    "KEFU_OUTBOUND_QUEUE_URL": "https://sqs/outbound.fifo",
    "KEFU_MEDIA_QUEUE_URL": "https://sqs/media",
    "KEFU_ROUTING_QUEUE_URL": "https://sqs/routing",
    "KEFU_BOT_QUEUE_URL": "https://sqs/bot.fifo",
    "KEFU_SLA_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:kefu-sla",
    "KEFU_SLA_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:kefu-sla",
    "KEFU_SEARCH_ENDPOINT": "search.example.com",
    "KEFU_USER_POOL_ID": "us-east-1_pool",
    "KEFU_MEDIA_BUCKET": "kefu-media",
    "KEFU_SECRETS_KMS_KEY_ID": "arn:aws:kms:us-east-1:123456789012:key/k",
    "KEFU_CURSOR_KEY_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:kefu/cursor",
    "KEFU_PUBLIC_BASE_URL": "https://abc.execute-api.us-east-1.amazonaws.com/v1/",
}
MODELS: list[type[FunctionSettings]] = [
    WebhooksSettings,
    IngestSettings,
    StreamSettings,
    AgentApiSettings,
    OutboundSettings,
    MediaSettings,
    RoutingSettings,
    HelpSettings,
    BotFunctionSettings,
    SlaSettings,
]


@pytest.mark.parametrize("model", MODELS)
def test_a_function_starts_with_everything_it_needs(model: type[FunctionSettings]) -> None:
    assert model.from_environ(FULL).table_name == "kefu-table"


@pytest.mark.parametrize("model", MODELS)
def test_each_required_variable_is_named_when_missing_or_empty(model: type[FunctionSettings]) -> None:
    required = ["table_name", *model.required]  # every function needs the table (Settings requires it)
    assert all(name in Settings.model_fields for name in model.required)
    for name in required:
        variable = f"KEFU_{name.upper()}"
        for environ in ({k: v for k, v in FULL.items() if k != variable}, {**FULL, variable: ""}):
            with pytest.raises(SettingsError) as failure:
                model.from_environ(environ)
            assert variable in str(failure.value)
            assert model.__name__ in str(failure.value)


def test_a_misspelled_variable_is_refused_by_name() -> None:
    with pytest.raises(SettingsError) as failure:
        IngestSettings.from_environ({**FULL, "KEFU_DEDUP_TTL_DAY": "3"})
    assert "KEFU_DEDUP_TTL_DAY" in str(failure.value)
    assert "misspelled" in str(failure.value)


def test_values_are_checked_not_only_present() -> None:
    with pytest.raises(SettingsError) as failure:
        IngestSettings.from_environ({**FULL, "KEFU_DEDUP_TTL_DAYS": "0"})
    assert "KEFU_DEDUP_TTL_DAYS" in str(failure.value)


@pytest.mark.parametrize("value", ["placeholder", "/v1/", "ftp://x/", "https://x/?a=1", "https://a b/"])
def test_the_surveys_public_address_must_be_an_absolute_http_url(value: str) -> None:
    with pytest.raises(SettingsError) as failure:
        StreamSettings.from_environ({**FULL, "KEFU_PUBLIC_BASE_URL": value})
    assert "KEFU_PUBLIC_BASE_URL" in str(failure.value)


def test_the_survey_switch_is_a_boolean() -> None:
    assert StreamSettings.from_environ(FULL).csat_survey is True
    assert StreamSettings.from_environ({**FULL, "KEFU_CSAT_SURVEY": "false"}).csat_survey is False
    with pytest.raises(SettingsError) as failure:
        StreamSettings.from_environ({**FULL, "KEFU_CSAT_SURVEY": "sometimes"})
    assert "KEFU_CSAT_SURVEY" in str(failure.value)


def test_webhooks_require_their_queue_but_ingest_does_not() -> None:
    without_queue = {k: v for k, v in FULL.items() if k != "KEFU_INBOUND_QUEUE_URL"}
    assert IngestSettings.from_environ(without_queue).inbound_queue_url == ""
    with pytest.raises(SettingsError):
        WebhooksSettings.from_environ(without_queue)


def test_outside_a_function_other_kefu_variables_are_not_misspellings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FULL.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KEFU_REQUIRE_BROWSER", "1")  # a test runner's, or KEFU_PORT of `make dev`
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    assert IngestSettings.from_environ().table_name == "kefu-table"
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "kefu-IngestFunction")  # in a sandbox it is one
    with pytest.raises(SettingsError) as failure:
        IngestSettings.from_environ()
    assert "KEFU_REQUIRE_BROWSER" in str(failure.value)
