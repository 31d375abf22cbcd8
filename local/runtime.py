"""Each function in worker processes of its own, driven through the Lambda Runtime API.

A worker is AWS's own runtime interface client (``python -m awslambdaric <handler>``) in a process that
holds only what Lambda gives the function: its code asset (the working directory, as ``/var/task``), its
layers' ``python/`` folders (``PYTHONPATH``, as ``/opt/python``), the runtime's packages (a virtual
environment with boto3 and the client, as ``/var/runtime``), its own environment variables and the
credentials of its own role. Nothing of the local cloud's own process leaks in.

Each worker gets a Runtime API endpoint of its own (``AWS_LAMBDA_RUNTIME_API``), served here: ``/next``
hands it the oldest waiting invocation of its function, ``/response`` and ``/error`` answer it,
``/init/error`` fails the invocation whose arrival started it, as Lambda fails the invocation that
triggered a cold start that failed. Timeouts and the memory setting are enforced by killing the worker,
with the errors Lambda reports; a dead worker is replaced by the next invocation that needs one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import secrets
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

from local.processes import spawn

log = logging.getLogger("local")

RUNTIME_API_PREFIX = "/2018-06-01/runtime"
WATCH_INTERVAL = 0.05
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
# Beyond the function's own timeout: the time a worker has to answer before it is killed.
TIMEOUT_GRACE = 0.25


class FunctionError(Exception):
    """The invocation failed as Lambda reports it (``errorType``, ``errorMessage``)."""

    def __init__(self, error_type: str, message: str, payload: dict[str, Any] | None = None) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.payload = payload or {"errorType": error_type, "errorMessage": message}


@dataclass
class WorkerSpec:
    """What one function's workers are started with."""

    name: str
    arn: str
    handler: str
    task_root: Path
    layer_paths: list[Path]
    runtime_python: Path
    environment: dict[str, str]
    credentials: Callable[[], dict[str, str]]
    timeout_seconds: int
    memory_mb: int
    log_path: Path
    max_workers: int = 2
    echo: Callable[[str, str], None] | None = None
    # how the sandbox's Python finds bytecode (local.packaging.bytecode_environment)
    bytecode: dict[str, str] = field(default_factory=dict)


@dataclass
class Invocation:
    payload: bytes
    deadline: float = 0.0
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    done: threading.Event = field(default_factory=threading.Event)
    result: bytes | None = None
    error: FunctionError | None = None

    def finish(self, *, result: bytes | None = None, error: FunctionError | None = None) -> bool:
        if self.done.is_set():
            return False
        self.result, self.error = result, error
        self.done.set()
        return True


class Worker:
    """One sandbox: a Runtime API endpoint and the awslambdaric process polling it."""

    def __init__(self, pool: FunctionWorkers, index: int) -> None:
        self.pool = pool
        self.index = index
        self.current: Invocation | None = None
        self.waiting = False  # blocked in /next: free for the next invocation
        self.initialized = False
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.server = _RuntimeApiServer(self)
        self._server_thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        )
        self._server_thread.start()

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host!s}:{port}"

    def start(self) -> None:
        spec = self.pool.spec
        env = self.pool.environment(self)
        self.process = spawn(
            [str(spec.runtime_python), "-s", "-m", "awslambdaric", spec.handler],
            cwd=spec.task_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=self._pump_output, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self._watch_exit, args=(self.process,), daemon=True).start()

    def alive(self) -> bool:
        """Running, or created and about to start (it counts against the function's concurrency already)."""
        if self.process is None:
            return not self.stopping
        return self.process.poll() is None

    def kill(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def close(self) -> None:
        self.stopping = True
        self.kill()
        self.server.shutdown()
        self.server.server_close()

    def rss_mb(self) -> float:
        process = self.process
        if process is None:
            return 0.0
        try:  # statm's second field is VmRSS in pages: one short line, where status is fifty to scan
            with open(f"/proc/{process.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * PAGE_BYTES / (1024 * 1024)
        except (OSError, IndexError, ValueError):
            return 0.0

    # -- Runtime API (called from the server's threads) --------------------------------------------------

    def next_invocation(self) -> Invocation | None:
        self.initialized = True
        self.waiting = True
        try:
            while not self.stopping:
                try:
                    invocation = self.pool.waiting.get(timeout=0.5)
                except queue.Empty:
                    continue
                if invocation.done.is_set():
                    continue  # its caller gave up (the cloud is stopping)
                invocation.deadline = time.monotonic() + self.pool.spec.timeout_seconds
                self.current = invocation
                return invocation
            return None
        finally:
            self.waiting = False

    def answered(self, request_id: str, *, result: bytes | None = None, error: FunctionError | None = None) -> None:
        invocation = self.current
        if invocation is None or invocation.request_id != request_id:
            return
        self.current = None
        invocation.finish(result=result, error=error)

    def init_failed(self, error: FunctionError) -> None:
        log.error("function %s failed to start: %s", self.pool.spec.name, error)
        self.pool.init_failed(error)

    # -- process ------------------------------------------------------------------------------------------

    def _pump_output(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        for raw in iter(stream.readline, b""):
            self.pool.write_log(raw.decode("utf-8", "replace").rstrip("\n"))

    def _watch_exit(self, process: subprocess.Popen[bytes]) -> None:
        code = process.wait()
        invocation, self.current = self.current, None
        if invocation is not None and not invocation.done.is_set():
            reason = self.pool.kill_reasons.pop(invocation.request_id, None)
            if reason is None:
                status = f"signal: {-code}" if code < 0 else f"exit status {code}"
                reason = FunctionError("Runtime.ExitError", f"Runtime exited with error: {status}")
            invocation.finish(error=reason)
        if not self.stopping:
            self.pool.worker_exited(self)


class _RuntimeApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        super().__init__(("127.0.0.1", 0), _RuntimeApiHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A worker killed mid-request (timeout, memory, stop) leaves a broken connection: nothing to report.
        pass


class _RuntimeApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; with Nagle's algorithm and delayed ACKs on loopback each
    # answer would wait ~40 ms.
    disable_nagle_algorithm = True
    server: _RuntimeApiServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: HTTPStatus, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        if self.path != f"{RUNTIME_API_PREFIX}/invocation/next":
            self._reply(HTTPStatus.NOT_FOUND)
            return
        worker = self.server.worker
        invocation = worker.next_invocation()
        if invocation is None:
            self._reply(HTTPStatus.GONE)
            return
        spec = worker.pool.spec
        deadline_ms = int((time.time() + spec.timeout_seconds) * 1000)
        self._reply(
            HTTPStatus.OK,
            invocation.payload,
            {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": spec.arn,
                "Lambda-Runtime-Trace-Id": _trace_id(),
            },
        )

    def do_POST(self) -> None:
        worker = self.server.worker
        body = self._body()
        parts = self.path[len(RUNTIME_API_PREFIX) :].strip("/").split("/")
        if parts == ["init", "error"]:
            self._reply(HTTPStatus.ACCEPTED, b"{}")
            worker.init_failed(_error_from(body, self.headers.get("Lambda-Runtime-Function-Error-Type")))
            return
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            self._reply(HTTPStatus.ACCEPTED, b"{}")
            if parts[2] == "response":
                worker.answered(parts[1], result=body)
            else:
                error = _error_from(body, self.headers.get("Lambda-Runtime-Function-Error-Type"))
                worker.answered(parts[1], error=error)
            return
        self._reply(HTTPStatus.NOT_FOUND)


def _error_from(body: bytes, error_type_header: str | None) -> FunctionError:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        payload = {"errorMessage": body.decode("utf-8", "replace")}
    if not isinstance(payload, dict):
        payload = {"errorMessage": str(payload)}
    error_type = str(payload.get("errorType") or error_type_header or "Unhandled")
    return FunctionError(error_type, str(payload.get("errorMessage", "")), payload)


def _trace_id() -> str:
    # Sampled=0: Powertools' tracer sees a Lambda trace header and sends no segments.
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


class FunctionWorkers:
    """All workers of one function: scaled up on demand to ``max_workers``, replaced when they die."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.waiting: queue.Queue[Invocation] = queue.Queue()
        self.workers: list[Worker] = []
        self.kill_reasons: dict[str, FunctionError] = {}
        self._lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._started_at: dict[int, float] = {}
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[str] = spec.log_path.open("a", encoding="utf-8")
        self._watchdog = threading.Thread(target=self._watch, name=f"watch-{spec.name}", daemon=True)
        self._watchdog.start()

    # -- invoking -----------------------------------------------------------------------------------------

    def invoke(self, payload: bytes, wait: float | None = None) -> bytes:
        invocation = Invocation(payload)
        self.waiting.put(invocation)
        self._ensure_capacity()
        # Bounded: the worker's own deadline starts when it takes the invocation.
        limit = wait if wait is not None else self.spec.timeout_seconds + 60
        if not invocation.done.wait(limit):
            invocation.finish(error=FunctionError("Local.NoWorker", "no worker took the invocation in time"))
        if invocation.error is not None:
            raise invocation.error
        return invocation.result or b""

    def _ensure_capacity(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            alive = [worker for worker in self.workers if worker.alive()]
            free = sum(1 for worker in alive if worker.waiting or not worker.initialized)
            if free >= self.waiting.qsize() or len(alive) >= self.spec.max_workers:
                return
            self.workers = alive
            worker = Worker(self, len(self._started_at))
            self._started_at[worker.index] = time.monotonic()
            self.workers.append(worker)
        worker.start()

    def start(self, count: int = 1) -> None:
        """Warm ``count`` workers now (init errors show in the log at once, not at the first request)."""
        for _ in range(min(count, self.spec.max_workers)):
            with self._lock:
                worker = Worker(self, len(self._started_at))
                self._started_at[worker.index] = time.monotonic()
                self.workers.append(worker)
            worker.start()

    def init_failed(self, error: FunctionError) -> None:
        """Lambda fails the invocation that triggered a failed cold start; the next one tries again."""
        try:
            invocation = self.waiting.get_nowait()
        except queue.Empty:
            return
        invocation.finish(error=error)

    def worker_exited(self, worker: Worker) -> None:
        with self._lock:
            if worker in self.workers:
                self.workers.remove(worker)
        if not self.waiting.empty():
            self._ensure_capacity()

    # -- limits -------------------------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_INTERVAL):
            now = time.monotonic()
            for worker in list(self.workers):
                invocation = worker.current
                if invocation is None:
                    continue
                if now > invocation.deadline + TIMEOUT_GRACE:
                    seconds = f"{self.spec.timeout_seconds:.2f}"
                    self._kill(
                        worker, invocation, FunctionError("Sandbox.Timedout", f"Task timed out after {seconds} seconds")
                    )
                elif worker.rss_mb() > self.spec.memory_mb:
                    self._kill(
                        worker,
                        invocation,
                        FunctionError(
                            "Runtime.OutOfMemory",
                            f"Runtime exited with error: signal: killed (over {self.spec.memory_mb} MB)",
                        ),
                    )

    def _kill(self, worker: Worker, invocation: Invocation, error: FunctionError) -> None:
        self.write_log(f"{invocation.request_id} {error.error_type}: {error.message}")
        self.kill_reasons[invocation.request_id] = error
        worker.kill()

    # -- environment and logs -----------------------------------------------------------------------------

    def environment(self, worker: Worker) -> dict[str, str]:
        """What Lambda sets in a sandbox, the function's own variables, its role's credentials."""
        spec = self.spec
        runtime_dir = spec.runtime_python.parent.parent
        stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{secrets.token_hex(16)}"
        return {
            "PATH": f"{spec.runtime_python.parent}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join(str(path) for path in spec.layer_paths),
            "PYTHONNOUSERSITE": "1",
            "LAMBDA_TASK_ROOT": str(spec.task_root),
            "LAMBDA_RUNTIME_DIR": str(runtime_dir),
            "_HANDLER": spec.handler,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_LAMBDA_RUNTIME_API": worker.address,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            **spec.bytecode,
            **spec.environment,
            **spec.credentials(),
        }

    def write_log(self, line: str) -> None:
        with self._log_lock:
            self._log.write(line + "\n")
            self._log.flush()
        if self.spec.echo is not None:
            self.spec.echo(self.spec.name, line)

    # -- state --------------------------------------------------------------------------------------------

    def busy(self) -> bool:
        return not self.waiting.empty() or any(worker.current is not None for worker in self.workers)

    def stop(self) -> None:
        self._stopping.set()
        while True:
            try:
                self.waiting.get_nowait().finish(error=FunctionError("Local.Stopped", "the local cloud is stopping"))
            except queue.Empty:
                break
        with self._lock:
            workers, self.workers = self.workers, []
        for worker in workers:
            worker.close()
        with self._log_lock:
            self._log.close()
