"""A small demo order system speaking Kefu's order API (docs/orders.md), for the local cloud.

The local cloud starts it on a free port (``--orders-port``) when the template configures an order system
(``kefu:ordersEndpoint``), points the functions' ``KEFU_ORDERS_ENDPOINT`` at it (endpoints are what differ
locally, as ``AWS_ENDPOINT_URL`` does for AWS) and makes it accept only the token in the template's orders
secret, so a function that may not read that secret gets 401s here as it would from the real system.

- ``GET /orders/{number}`` → the order, or 404;
- ``GET /orders?email=...|phone=...&limit=n`` → ``{"orders": [...]}``, newest first;
- anything without ``Authorization: Bearer <token>`` → 401;
- ``POST /_demo/outage`` ``{"down": true|false}`` (with the token): while down, every GET is dropped without
  an answer (the connection closes), for a demo, and a test, of an order system outage.
"""

from __future__ import annotations

import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class DemoOrderService:
    def __init__(self, orders: list[dict[str, Any]], token: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.orders = {str(o["order_number"]).upper(): o for o in orders}
        self.token = token
        self.requests = 0
        self.down = False
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                service.requests += 1
                if service.down:  # an outage: the connection closes with no answer at all
                    self.close_connection = True
                    return None
                given = self.headers.get("Authorization", "")
                if not hmac.compare_digest(given.encode(), f"Bearer {service.token}".encode()):
                    return self._answer(401, {"message": "unauthorized"})
                url = urllib.parse.urlsplit(self.path)
                parts = [p for p in url.path.split("/") if p]
                if len(parts) == 2 and parts[0] == "orders":
                    order = service.orders.get(urllib.parse.unquote(parts[1]).upper())
                    return self._answer(200, order) if order else self._answer(404, {"message": "no such order"})
                if parts == ["orders"]:
                    query = urllib.parse.parse_qs(url.query)
                    return self._answer(200, {"orders": service.find(query)})
                return self._answer(404, {"message": "no such route"})

            def do_POST(self) -> None:
                given = self.headers.get("Authorization", "")
                if not hmac.compare_digest(given.encode(), f"Bearer {service.token}".encode()):
                    return self._answer(401, {"message": "unauthorized"})
                if self.path != "/_demo/outage":
                    return self._answer(404, {"message": "no such route"})
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    service.down = bool(json.loads(self.rfile.read(length) or b"{}").get("down"))
                except (ValueError, AttributeError):
                    return self._answer(400, {"message": 'the body must be {"down": true|false}'})
                return self._answer(200, {"down": service.down})

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.host, self.port = str(self._server.server_address[0]), int(self._server.server_address[1])
        self.url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None
        self._closing = threading.Lock()
        self._closed = False

    def find(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        email = (query.get("email") or [""])[0].strip().lower()
        phone = (query.get("phone") or [""])[0].strip()
        limit = int((query.get("limit") or ["5"])[0] or 5)
        found = [
            o
            for o in self.orders.values()
            if (email and o.get("customer", {}).get("email", "").lower() == email)
            or (phone and o.get("customer", {}).get("phone") == phone)
        ]
        found.sort(key=lambda o: str(o["placed_at"]), reverse=True)
        return found[: max(1, min(limit, 50))]

    def start(self) -> DemoOrderService:
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-orders", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        with self._closing:
            if self._closed:
                return
            self._closed = True
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


def stand_in(functions: dict[str, Any], secrets: Any, host: str, port: int = 0) -> DemoOrderService | None:
    """The demo order system in place of the one the template configures (None when it configures none): the
    functions' ``KEFU_ORDERS_ENDPOINT`` points at it, and it takes only the token of the template's secret."""
    from kefu.config import Env
    from kefu.orders.connector import SecretToken
    from local.demo.orders import demo_orders

    readers = [spec for spec in functions.values() if spec.environment.get(Env.ORDERS_ENDPOINT)]
    if not readers:
        return None
    arns = sorted({spec.environment.get(Env.ORDERS_SECRET_ARN, "") for spec in readers} - {""})
    token = SecretToken(arns[0], lambda: secrets)() if arns else ""
    service = DemoOrderService(demo_orders(), token, host, port).start()
    for spec in readers:
        spec.environment[Env.ORDERS_ENDPOINT] = service.url
    return service
