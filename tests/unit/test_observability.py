"""The trace and the masking, in process: which correlation id a request gets, how it rides on queue messages
and stream records, and that no log line shows a phone number or an email address."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from kefu import observability
from kefu.observability import (
    MaskingFormatter,
    bound,
    count,
    current_correlation_id,
    decided,
    failures_logged,
    from_api_event,
    from_sqs_record,
    from_stream_image,
    logger,
    sqs_attributes,
)
from kefu.privacy import mask_personal_data


@pytest.fixture
def lines() -> Iterator[Any]:
    """What Kefu's logger writes, through its own formatter (its handler's stream is bound at import)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    underlying = logging.getLogger(logger.name)  # the stdlib logger Powertools writes through
    underlying.addHandler(handler)

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    underlying.removeHandler(handler)


@pytest.fixture
def printed(capsys: pytest.CaptureFixture[str]) -> Any:
    """What was printed (metrics: EMF lines)."""

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]

    return read


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("call 138 1234 5678 now", "call 138****5678 now"),
        ("call 138-1234-5678.", "call 138****5678."),
        ("+44 20 7946 0018", "+442*****0018"),
        ("(020) 7946 0018", "020****0018"),
        ("whatsapp:wa:+8613800000001", "whatsapp:wa:+86138****0001"),
        ("appelez le 01.23.45.67.89", "appelez le 012***6789"),
        ("138.1234.5678", "138****5678"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        ("li.lei+shop@example.com", "l***@example.com"),
        ("write to Li@Example.COM, or call 13812345678", "write to L***@Example.COM, or call 138****5678"),
    ],
)
def test_phone_numbers_and_emails_in_any_text_are_masked(text: str, masked: str) -> None:
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-01T18:20:08.123456Z",
        "2026-12-01",
        "2026.12.01",
        "from 192.168.1.100",
        "took 0.1234567 s",
        "ticket 01JZ9X8Y7W6V5T4S3R2Q1P0N9M",
        "3.14159265358",
        "order #10086",
        "attempt 5 of 5, 120 s",
        "https://example.com/files/123456789/a.png",
        "sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ],
)
def test_ids_dates_and_small_numbers_are_left_alone(text: str) -> None:
    assert mask_personal_data(text) == text


def test_the_formatter_masks_the_message_extra_keys_nested_values_and_tracebacks(lines: Any) -> None:
    assert isinstance(logger.registered_formatter, MaskingFormatter)
    logger.info(
        "customer 13812345678 wrote",
        extra={"email": "li@example.com", "nested": {"phones": ["+8613900001111"]}, "number": 8613812345678},
    )
    try:
        raise ValueError("could not reach li@example.com at 13812345678")
    except ValueError:
        logger.exception("failed")
    info, error = lines()
    assert info["message"] == "customer 138****5678 wrote"
    assert info["email"] == "l***@example.com"
    assert info["nested"] == {"phones": ["+86139****1111"]}
    assert info["number"] == "861******5678"
    rendered = json.dumps(error)
    assert "13812345678" not in rendered and "li@example.com" not in rendered
    assert "138****5678" in error["exception"] and "l***@example.com" in error["stack_trace"]["value"]


def test_a_plain_caller_id_is_kept_else_the_gateway_request_id_else_a_new_one() -> None:
    event = {"headers": {"X-Correlation-Id": "shop-42:order.7"}, "requestContext": {"requestId": "req-abc-123"}}
    assert from_api_event(event) == "shop-42:order.7"
    # anything else a caller sends (too long, spaces, markup) never reaches the logs
    for offered in ("x" * 200, "two words here", "<script>alert(1)</script>", "short", "13812345678", "x:13812345678"):
        assert from_api_event({**event, "headers": {"x-correlation-id": offered}}) == "req-abc-123"
    assert from_api_event({"headers": None, "requestContext": {"requestId": "req-abc-123"}}) == "req-abc-123"
    fresh = from_api_event({"headers": {}})
    assert fresh and fresh != from_api_event({"headers": {}})


def test_bound_sets_the_id_for_logs_and_queue_attributes_and_restores_it(lines: Any) -> None:
    assert current_correlation_id() is None and sqs_attributes() == {}
    with bound("outer-0001"):
        with bound("inner-0002"):
            decided("ingest", "stored", ticket_id="T1")
            assert sqs_attributes() == {"CorrelationId": {"DataType": "String", "StringValue": "inner-0002"}}
        assert current_correlation_id() == "outer-0001"
    assert current_correlation_id() is None
    logger.info("after")
    decision, after = lines()
    assert decision["correlation_id"] == "inner-0002"
    assert (decision["use_case"], decision["outcome"], decision["ticket_id"]) == ("ingest", "stored", "T1")
    assert decision["location"].startswith("test_bound_sets_the_id")  # the caller's line, not the helper's
    assert "correlation_id" not in after


def test_concurrent_requests_in_one_process_keep_their_own_ids(lines: Any) -> None:
    """The local cloud serves concurrent gateway requests from threads of one process."""
    barrier = threading.Barrier(2)

    def request(correlation_id: str) -> None:
        with bound(correlation_id):
            barrier.wait(timeout=5)
            decided("chat_message", "queued", mine=correlation_id)

    threads = [threading.Thread(target=request, args=(cid,)) for cid in ("thread-a-0001", "thread-b-0002")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found = lines()
    assert len(found) == 2 and all(line["correlation_id"] == line["mine"] for line in found)


def _sqs_record(attributes: dict[str, Any]) -> SQSRecord:
    return SQSRecord({"messageId": "m-1", "body": "{}", "messageAttributes": attributes, "attributes": {}})


def test_the_id_rides_on_the_sqs_message_and_the_stream_image() -> None:
    attribute = {"stringValue": "corr-1234", "dataType": "String", "stringListValues": [], "binaryListValues": []}
    assert from_sqs_record(_sqs_record({"CorrelationId": attribute})) == "corr-1234"
    assert from_sqs_record(_sqs_record({})) == "m-1"  # an older producer's message still gets an id
    image = {"PK": {"S": "TICKET#1"}, observability.ITEM_ATTRIBUTE: {"S": "corr-5678"}}
    assert from_stream_image(image, fallback="event-1") == "corr-5678"
    assert from_stream_image({"PK": {"S": "TICKET#1"}}, fallback="event-1") == "event-1"
    assert from_stream_image(None, fallback="event-1") == "event-1"


def test_metrics_carry_the_channel_as_a_dimension_and_the_id_as_metadata(
    printed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "KefuUnit")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "kefu-ingest")
    with bound("corr-metric-1"):
        count("MessageStored", "telegram")
    count("MessageStored", None)
    first, second = printed()
    [directive] = first["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "KefuUnit"
    assert directive["Dimensions"] == [["service", "channel"]]
    assert (first["channel"], first["service"], first["MessageStored"]) == ("telegram", "kefu-ingest", [1.0])
    assert first["correlation_id"] == "corr-metric-1"
    assert second["channel"] == "none" and "correlation_id" not in second


def test_records_of_other_loggers_are_untouched() -> None:
    """Masking is Kefu's formatter, not a global patch of logging."""
    record = logging.LogRecord("other", logging.INFO, __file__, 1, "13812345678", None, None)
    assert logging.Formatter().format(record) == "13812345678"


def test_a_failed_record_is_logged_masked_with_its_trace_unless_already_decided(lines: Any) -> None:
    class Expected(Exception):
        pass

    with pytest.raises(RuntimeError), bound("corr-fail-1"), failures_logged("ingest"):
        raise RuntimeError("no ticket for li@example.com")
    with pytest.raises(Expected), bound("corr-fail-2"), failures_logged("outbound", decided_already=(Expected,)):
        raise Expected("logged by the use case itself")
    [failed] = lines()
    assert (failed["use_case"], failed["outcome"], failed["error"]) == ("ingest", "failed", "RuntimeError")
    assert failed["correlation_id"] == "corr-fail-1" and failed["level"] == "ERROR"
    assert "li@example.com" not in json.dumps(failed) and "l***@example.com" in failed["exception"]
