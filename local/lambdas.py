"""Running a function's handler in-process, the way the Lambda runtime would call it."""

from __future__ import annotations

import importlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.provision import FunctionSpec

log = logging.getLogger("local")


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    started: float = field(default_factory=time.monotonic)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


class LocalFunction:
    """One function: its handler is imported once, and invocations run one at a time.

    One at a time mirrors one warm Lambda container, and keeps module-level state in handlers (Powertools'
    resolver keeps the current event on the app object) from being shared between concurrent requests.
    """

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self._handler: Callable[[dict[str, Any], Any], Any] | None = None
        self._lock = threading.Lock()
        self.invocations = 0

    def load(self) -> Callable[[dict[str, Any], Any], Any]:
        if self._handler is None:
            module_name, _, attribute = self.spec.handler.rpartition(".")
            module = importlib.import_module(module_name)
            self._handler = getattr(module, attribute)
        return self._handler

    def context(self) -> LambdaContext:
        return LambdaContext(
            function_name=self.spec.name,
            invoked_function_arn=self.spec.arn,
            memory_limit_in_mb=self.spec.memory_mb,
            timeout_seconds=self.spec.timeout_seconds,
        )

    def invoke(self, event: dict[str, Any]) -> Any:
        """Call the handler; exceptions propagate (callers decide what a function error means)."""
        with self._lock:
            handler = self.load()
            self.invocations += 1
            return handler(event, self.context())
