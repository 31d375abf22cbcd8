"""Fixes for the emulator's Step Functions interpreter (moto 5.2.5), applied with ``emulator_patches``.

Wait with ``Timestamp``/``TimestampPath`` in moto: fractions of a second are cut off the timestamp and again
off the wait, the timestamp is compared with the emulator's *local* naive clock (hours off on a machine not
set to UTC), and a timestamp with an offset (``+08:00``) is refused, which AWS accepts. An SLA timer then
fired up to two seconds before its due time. Here: the instant as written, any ISO-8601 offset, compared
with the real UTC clock, waited to the millisecond. A Wait still ends at once when the execution is stopped.

StopExecution while a Map iteration runs: moto's iteration turns the stop into a failure of its own (and
trips over it: "'str' object has no attribute 'get'"), so the stopped execution ended FAILED, which AWS
reports ABORTED (and which the Step Functions failure alarm would count). A stopped execution is ABORTED.

Every execution lexes and parses its state machine's definition again (ANTLR in Python: 25-35 ms of the
emulator's CPU each, 200 executions at a time in bench (g), taken from the requests the emulator serves
meanwhile). The parse tree of a definition is kept; each execution still builds its own program from it.

Every JSONPath a state evaluates (``InputPath``, ``ResultPath``, a ``.$`` parameter) is parsed again each
time, and jsonpath_ng builds its whole grammar for each parse (0.5-0.7 ms). A path's parse is kept: the parsed
expression is never changed by evaluating it.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def apply() -> None:
    _waits_exact()
    _stopped_is_aborted()
    _definitions_parsed_once()
    _json_paths_parsed_once()


def _json_paths_parsed_once() -> None:
    from functools import lru_cache

    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module in (json_path, result_path):
        parse = getattr(module.parse, "__wrapped__", module.parse)  # never a cache around a cache
        module.parse = lru_cache(maxsize=4096)(parse)  # type: ignore[attr-defined]


def _definitions_parsed_once() -> None:
    import threading

    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    # moto's own parse, also when this runs again in one process (never a cache wrapped around a cache)
    parse = getattr(AmazonStateLanguageParser.parse, "__wrapped__", AmazonStateLanguageParser.parse)
    trees: dict[str, Any] = {}  # definition -> its parse tree (read only once built)
    lock = threading.Lock()

    def parsed(definition: str) -> tuple[Any, Any]:
        with lock:
            tree = trees.get(definition)
        if tree is None:
            program, tree = parse(definition)  # a definition with errors raises as before, and is not kept
            with lock:
                if len(trees) >= 64:  # definitions are few; a long-lived emulator sees updates
                    trees.pop(next(iter(trees)))
                trees[definition] = tree
            return program, tree
        return Preprocessor().visit(tree), tree

    parsed.__wrapped__ = parse  # type: ignore[attr-defined]
    AmazonStateLanguageParser.parse = staticmethod(parsed)  # type: ignore[method-assign]


def _stopped_is_aborted() -> None:
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution

    stop = Execution.stop
    reflect = BaseExecutionWorkerCommunication._reflect_execution_status

    def stopped(self: Execution, stop_date: Any, error: str | None, cause: str | None) -> Any:
        self.kefu_stopped = (error, cause)  # type: ignore[attr-defined]
        return stop(self, stop_date, error, cause)

    def reflected(self: BaseExecutionWorkerCommunication) -> None:
        reflect(self)
        asked = getattr(self.execution, "kefu_stopped", None)
        if asked is not None and self.execution.exec_status == ExecutionStatus.FAILED:
            self.execution.exec_status = ExecutionStatus.ABORTED
            self.execution.error, self.execution.cause = asked

    Execution.stop = stopped  # type: ignore[method-assign]
    BaseExecutionWorkerCommunication._reflect_execution_status = reflected  # type: ignore[method-assign]


def _waits_exact() -> None:
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    def from_timestamp_string(timestamp: str) -> datetime | None:
        if not isinstance(timestamp, str) or not _TIMESTAMP.match(timestamp):
            return None
        try:
            return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return None

    def get_wait_seconds(self: Timestamp, env: Any) -> float:
        self.string.eval(env=env)
        text: str = env.stack.pop()
        moment = from_timestamp_string(text)
        if moment is None:
            from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
                FailureEventException,
            )

            raise FailureEventException(self._create_failure_event(env, text))
        return (moment - datetime.now(UTC)).total_seconds()

    def wait_interval(self: WaitFunction, env: Any, wait_seconds: float) -> None:
        deadline = time.monotonic() + max(float(wait_seconds), 0.0)
        while env.is_running():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if env.program_state_event.wait(left):  # set by a stop, or by something unrelated: look again
                time.sleep(min(left, 0.01))

    Timestamp._from_timestamp_string = staticmethod(from_timestamp_string)  # type: ignore[method-assign]
    Timestamp._get_wait_seconds = get_wait_seconds  # type: ignore[method-assign,assignment]
    WaitFunction._wait_interval = wait_interval  # type: ignore[method-assign]
