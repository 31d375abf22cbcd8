"""Lambda's Invoke API, served by the local cloud on loopback for the emulator to forward to.

Functions are not created in the emulator (they run in the local cloud's own workers), so an ``Invoke`` that
reaches the emulator (a Step Functions ``lambda:invoke`` task, or a function calling another through boto3) is
forwarded here (local/emulator_patches.py) and runs through the function's own runtime, as on Lambda:
``RequestResponse`` answers the payload (a failed invocation with ``X-Amz-Function-Error``), ``Event`` answers
202 at once and runs in the background, ``DryRun`` answers 204.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from local.runtime import FunctionError

log = logging.getLogger("local")

INVOKE_PATH = "/2015-03-31/functions/"
Invoker = Callable[[dict[str, Any]], Any]


class LambdaApi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), _Handler)
        self.functions: dict[str, Invoker] = {}  # by name and by ARN
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def register(self, name: str, arn: str, invoke: Invoker) -> None:
        self.functions[name] = invoke
        self.functions[arn] = invoke

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: LambdaApi

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: HTTPStatus, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0]
        if not (path.startswith(INVOKE_PATH) and path.endswith("/invocations")):
            self._reply(HTTPStatus.NOT_FOUND, b'{"message": "not an Invoke call"}')
            return
        name = unquote(path[len(INVOKE_PATH) : -len("/invocations")]).split(":$LATEST")[0]
        invoke = self.server.functions.get(name) or self.server.functions.get(name.rsplit(":", 1)[-1])
        if invoke is None:
            message = json.dumps({"Type": "User", "message": f"Function not found: {name}"}).encode()
            self._reply(HTTPStatus.NOT_FOUND, message, {"x-amzn-ErrorType": "ResourceNotFoundException"})
            return
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            self._reply(HTTPStatus.BAD_REQUEST, b'{"message": "the payload is not JSON"}')
            return
        kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if kind == "DryRun":
            self._reply(HTTPStatus.NO_CONTENT, b"")
            return
        if kind == "Event":
            threading.Thread(target=_in_background, args=(invoke, event, name), daemon=True).start()
            self._reply(HTTPStatus.ACCEPTED, b"")
            return
        try:
            result = invoke(event)
        except FunctionError as error:
            payload = json.dumps(error.payload).encode()
            self._reply(
                HTTPStatus.OK, payload, {"X-Amz-Function-Error": "Unhandled", "X-Amz-Executed-Version": "$LATEST"}
            )
            return
        self._reply(HTTPStatus.OK, json.dumps(result).encode(), {"X-Amz-Executed-Version": "$LATEST"})


def _in_background(invoke: Invoker, event: dict[str, Any], name: str) -> None:
    try:
        invoke(event)
    except FunctionError as error:
        # Lambda retries an asynchronous invocation twice; the local cloud reports it and goes on.
        log.error("asynchronous invocation of %s failed: %s", name, error)
