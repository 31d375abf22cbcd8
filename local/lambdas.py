"""A function of the template as the gateway and the dispatchers see it: invoke with an event, get a result.

Each invocation runs in one of the function's own worker processes (local/runtime.py), never in the local
cloud's process. A function error (an exception in the handler, a failed init, a timeout, too much memory)
raises ``FunctionError``, as Lambda's Invoke API reports ``FunctionError`` to its caller.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.packaging import bytecode_environment, layer_for_this_machine, runtime_python
from local.provision import FunctionSpec
from local.runtime import FunctionError, FunctionWorkers, WorkerSpec

log = logging.getLogger("local")

__all__ = ["FunctionError", "LocalFunction"]


class LocalFunction:
    def __init__(
        self,
        spec: FunctionSpec,
        *,
        environment: dict[str, str],
        credentials: Callable[[], dict[str, str]],
        log_dir: Path,
        containers: int = 2,
        echo: Callable[[str, str], None] | None = None,
    ) -> None:
        if spec.code_dir is None or not spec.code_dir.is_dir():
            raise FileNotFoundError(f"function {spec.logical_id}: its code asset {spec.code_dir} is missing")
        self.spec = spec
        self.invocations = 0
        self._count_lock = threading.Lock()
        self.workers = FunctionWorkers(
            WorkerSpec(
                name=spec.name,
                arn=spec.arn,
                handler=spec.handler,
                task_root=spec.code_dir,
                layer_paths=[layer_for_this_machine(path) for path in spec.layer_dirs],
                runtime_python=runtime_python(),
                environment=environment,
                credentials=credentials,
                timeout_seconds=spec.timeout_seconds,
                memory_mb=spec.memory_mb,
                log_path=log_dir / f"{spec.name}.log",
                max_workers=spec.reserved_concurrency or containers,
                echo=echo,
                bytecode=bytecode_environment(spec.code_dir),
            )
        )

    @property
    def containers(self) -> int:
        return self.workers.spec.max_workers

    @containers.setter
    def containers(self, count: int) -> None:
        if self.spec.reserved_concurrency is None:
            self.workers.spec.max_workers = count

    @property
    def log_path(self) -> Path:
        return self.workers.spec.log_path

    def start(self, warm: int = 1) -> None:
        self.workers.start(warm)

    def invoke(self, event: dict[str, Any]) -> Any:
        """The handler's result (JSON-decoded); ``FunctionError`` when the invocation failed."""
        with self._count_lock:
            self.invocations += 1
        raw = self.workers.invoke(json.dumps(event).encode("utf-8"))
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def busy(self) -> bool:
        return self.workers.busy()

    def stop(self) -> None:
        self.workers.stop()
