"""One trace through the system, logs that never show a customer's phone number or email, and metrics per channel.

The correlation id is born where work enters Kefu: a webhook or API call (the caller's ``X-Correlation-Id``
when it is a plain token, otherwise API Gateway's request id). It then travels with the work:

- as the SQS message attribute ``CorrelationId`` on the inbound, outbound and media queues;
- as the ``correlation_id`` attribute of the messages written to the table, which is how the stream
  function (it sees only the written item) picks it up for the outbound and media jobs it queues.

Handlers bind it per request or per queue record (``bound``); every log line then carries it as
``correlation_id``, and ``current_correlation_id()`` is what the queue senders and message writers read.

There is one Powertools logger per process (``logger``); its formatter masks every email address and phone
number in every value of every record (``kefu.privacy.mask_personal_data``), so a use case may log what it
decided without deciding, each time, what is personal.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from kefu.privacy import mask_personal_data

CORRELATION_HEADER = "x-correlation-id"
RESPONSE_HEADER = "X-Correlation-Id"
SQS_ATTRIBUTE = "CorrelationId"
ITEM_ATTRIBUTE = "correlation_id"
LOG_KEY = "correlation_id"
# A caller's id is kept only when it is a plain token of sane length (it ends up in every log line).
_PLAIN_TOKEN = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# Keys Powertools itself writes: never personal data, and masking them would break the ids they carry.
_OWN_KEYS = frozenset(
    {
        "level", "location", "timestamp", "service", "sampling_rate", "cold_start", "function_name",
        "function_memory_size", "function_arn", "function_request_id", "xray_trace_id", LOG_KEY,
    }
)  # fmt: skip

_current: ContextVar[str | None] = ContextVar("kefu_correlation_id", default=None)


def masked(value: Any) -> Any:
    """``value`` with every email address and phone number in its strings masked (dicts and lists too)."""
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, Mapping):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [masked(item) for item in value]
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):  # a phone number logged as a number is still a phone number
        text = mask_personal_data(str(value))
        return value if text == str(value) else text
    return mask_personal_data(str(value))  # what the JSON encoder would write (exceptions, dates ...)


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, with personal data masked in the message, the extra keys and tracebacks."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        return super().serialize({key: value if key in _OWN_KEYS else masked(value) for key, value in log.items()})


logger = Logger(logger_formatter=MaskingFormatter())


# -- tracing -----------------------------------------------------------------------------------------------

TRACE_DISABLED_ENV = "POWERTOOLS_TRACE_DISABLED"


def xray_sdk_wanted(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the X-Ray SDK records subsegments (each AWS call, each handler) in this process.

    Opt-in: only when the stack says ``POWERTOOLS_TRACE_DISABLED=false`` (CDK context ``kefu:xraySdk=true``,
    docs/architecture.md "Tracing"). Lambda's active tracing records every invocation and its init without the
    SDK, and the SDK costs ~80 ms of every cold start (it builds X-Ray clients when imported). Outside Lambda
    Powertools never traces, so neither do we."""
    enabled = environ.get(TRACE_DISABLED_ENV, "").strip().lower() in ("0", "false", "no", "off", "n")
    return enabled and bool(environ.get("LAMBDA_TASK_ROOT")) and not environ.get("AWS_SAM_LOCAL")


class _NoSubsegment:
    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def add_exception(self, exception: BaseException, stack: Any = None, remote: bool = False) -> None:
        return None


class _NoTracing:
    """Powertools' Tracer provider when the SDK is off: Powertools imports the X-Ray SDK to build its default
    provider even when tracing is disabled; a provider given once is kept by every later ``Tracer()``."""

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[_NoSubsegment]:
        yield _NoSubsegment()  # the handler decorator still opens one, and writes the response into it

    def in_subsegment_async(self, name: str | None = None, **kwargs: Any) -> Any:
        raise NotImplementedError("tracing is off")

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def patch(self, modules: Any) -> None:
        return None

    def patch_all(self) -> None:
        return None


if not xray_sdk_wanted():
    # Before any handler's ``Tracer()``: the handlers keep their decorators, which do nothing when disabled.
    from aws_lambda_powertools import Tracer

    Tracer(disabled=True, provider=_NoTracing())  # type: ignore[arg-type]


def current_correlation_id() -> str | None:
    return _current.get()


@contextmanager
def bound(correlation_id: str) -> Iterator[str]:
    """Everything logged, queued or written inside carries ``correlation_id`` (per thread: the local cloud
    serves concurrent requests from one process)."""
    token = _current.set(correlation_id)
    logger.thread_safe_append_keys(**{LOG_KEY: correlation_id})
    try:
        yield correlation_id
    finally:
        logger.thread_safe_remove_keys([LOG_KEY])
        _current.reset(token)


def new_correlation_id() -> str:
    return str(uuid.uuid4())


def from_api_event(event: Mapping[str, Any]) -> str:
    """The caller's ``X-Correlation-Id`` when it is a plain token, else API Gateway's request id, else a new id."""
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    offered = headers.get(CORRELATION_HEADER)
    # never one that looks like a phone number: the id is the one value every line shows unmasked
    if isinstance(offered, str) and _PLAIN_TOKEN.fullmatch(offered) and mask_personal_data(offered) == offered:
        return offered
    request_id = (event.get("requestContext") or {}).get("requestId")
    return str(request_id) if request_id else new_correlation_id()


def answered_with_id(response: dict[str, Any]) -> dict[str, Any]:
    """An API Gateway proxy answer carrying the current correlation id as ``X-Correlation-Id``, so a caller
    (the chat widget, the agent app, a provider's support) can quote the one id every log line of the work has."""
    correlation_id = current_correlation_id()
    if correlation_id:
        response.setdefault("multiValueHeaders", {})[RESPONSE_HEADER] = [correlation_id]
        response.get("headers", {}).pop(RESPONSE_HEADER, None)  # one place only: API Gateway would merge both
    return response


def from_sqs_record(record: Any) -> str:
    """The id the producer attached; a message sent without one (older producers) gets its SQS message id."""
    attributes = record.message_attributes  # indexing (not .get) gives Powertools' typed attribute
    value = attributes[SQS_ATTRIBUTE].string_value if attributes and SQS_ATTRIBUTE in attributes else None
    return value or str(record.message_id)


def from_stream_image(new_image: Mapping[str, Any] | None, fallback: str) -> str:
    """The id written on the item (DynamoDB JSON, as the stream delivers it), else ``fallback``."""
    value = ((new_image or {}).get(ITEM_ATTRIBUTE) or {}).get("S")
    return str(value) if value else fallback


def sqs_attributes() -> dict[str, dict[str, str]]:
    """The message attributes a queue message carries: the current correlation id, when there is one."""
    correlation_id = current_correlation_id()
    if not correlation_id:
        return {}
    return {SQS_ATTRIBUTE: {"DataType": "String", "StringValue": correlation_id}}


def decided(use_case: str, outcome: str, **facts: Any) -> None:
    """The one structured line a use case logs about what it decided (ids and outcomes, never content)."""
    logger.info(f"{use_case}: {outcome}", extra={"use_case": use_case, "outcome": outcome, **facts}, stacklevel=3)


@contextmanager
def failures_logged(use_case: str, *, decided_already: tuple[type[Exception], ...] = ()) -> Iterator[None]:
    """A queue record that fails is logged here, masked and with its trace, before the batch processor hands it
    back (what the runtime prints about a failed batch is neither). ``decided_already``: errors the use case has
    logged its own decision about (a provider failure that will be retried)."""
    try:
        yield
    except decided_already:
        raise
    except Exception as err:
        logger.exception(
            f"{use_case}: failed", extra={"use_case": use_case, "outcome": "failed", "error": type(err).__name__}
        )
        raise


def count(name: str, channel: str | None, value: float = 1) -> None:
    """One EMF metric with the channel as a dimension (and the correlation id as metadata).

    ``single_metric`` because one batch can hold several channels, and a metric set has one set of dimensions.
    """
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "Kefu"
    dimensions = {"service": os.environ.get("POWERTOOLS_SERVICE_NAME") or "kefu", "channel": channel or "none"}
    with single_metric(
        name=name, unit=MetricUnit.Count, value=value, namespace=namespace, default_dimensions=dimensions
    ) as metric:
        correlation_id = current_correlation_id()
        if correlation_id:
            metric.add_metadata(key=LOG_KEY, value=correlation_id)
