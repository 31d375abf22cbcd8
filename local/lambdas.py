"""Running a function's handler in-process, the way the Lambda runtime would call it."""

from __future__ import annotations

import importlib
import logging
import queue
import sys
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


Handler = Callable[[dict[str, Any], Any], Any]
_IMPORT_LOCK = threading.Lock()


def isolate_concurrent_requests() -> None:
    """Powertools keeps the event being handled in a class attribute (``BaseRouter.current_event``): one
    per process, which is right for Lambda (one request per process) and wrong here, where several
    functions (and containers) serve requests at once in one process. Make it per thread."""
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

    if getattr(BaseRouter, "_kefu_per_thread", False):
        return
    state = threading.local()

    class CurrentEvent:
        def __get__(self, obj: object, owner: type | None = None) -> Any:
            return getattr(state, "event", None)

        def __set__(self, obj: object, value: Any) -> None:
            state.event = value

    class PerThreadMeta(type(BaseRouter)):  # type: ignore[misc]
        def __setattr__(cls, name: str, value: Any) -> None:
            if name == "current_event" and cls is BaseRouter:
                state.event = value  # Powertools assigns on the class; keep it in this thread
                return
            super().__setattr__(name, value)

    BaseRouter.__class__ = PerThreadMeta  # type: ignore[method-assign]
    type.__setattr__(BaseRouter, "current_event", CurrentEvent())
    type.__setattr__(BaseRouter, "_kefu_per_thread", True)


isolate_concurrent_requests()


class LocalFunction:
    """One function, run like Lambda runs it: in warm "containers", each serving one invocation at a time.

    A container is a separate import of the function's package, so module-level state (Powertools'
    resolver keeps the current event on the app object) is never shared between concurrent invocations.
    Event-source functions keep one container (one batch at a time, like one shard or message group);
    the gateway's functions get several, so one slow request does not hold up every other customer.
    """

    def __init__(self, spec: FunctionSpec, containers: int = 1) -> None:
        self.spec = spec
        self.containers = containers
        self._handler: Handler | None = None
        self._free: queue.LifoQueue[Handler] = queue.LifoQueue()
        self._created = 0
        self._lock = threading.Lock()
        self.invocations = 0

    def load(self) -> Handler:
        """The first container's handler (imported into sys.modules as usual)."""
        with self._lock:
            if self._handler is None:
                module_name, _, attribute = self.spec.handler.rpartition(".")
                with _IMPORT_LOCK:
                    module = importlib.import_module(module_name)
                self._handler = getattr(module, attribute)
                self._created = 1
                self._free.put(self._handler)
            return self._handler

    def _new_container(self) -> Handler:
        """Import the function's package again, apart from the copy in sys.modules."""
        module_name, _, attribute = self.spec.handler.rpartition(".")
        package = module_name.split(".")[0]

        def own(name: str) -> bool:
            return name == package or name.startswith(package + ".")

        with _IMPORT_LOCK:
            kept = {name: module for name, module in sys.modules.items() if own(name)}
            for name in kept:
                del sys.modules[name]
            try:
                return getattr(importlib.import_module(module_name), attribute)
            finally:
                for name in [name for name in sys.modules if own(name)]:
                    del sys.modules[name]
                sys.modules.update(kept)

    def _acquire(self) -> Handler:
        self.load()
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = self._created < self.containers
            if grow:
                self._created += 1
        if grow:
            try:
                return self._new_container()
            except Exception:
                with self._lock:
                    self._created -= 1
                raise
        return self._free.get()

    def context(self) -> LambdaContext:
        return LambdaContext(
            function_name=self.spec.name,
            invoked_function_arn=self.spec.arn,
            memory_limit_in_mb=self.spec.memory_mb,
            timeout_seconds=self.spec.timeout_seconds,
        )

    def invoke(self, event: dict[str, Any]) -> Any:
        """Call the handler in a free container; exceptions propagate (callers decide what they mean)."""
        handler = self._acquire()
        try:
            with self._lock:
                self.invocations += 1
            return handler(event, self.context())
        finally:
            self._free.put(handler)
