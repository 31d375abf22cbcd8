"""The order connector against real HTTP servers on loopback: the demo order system (local/orders.py) and a
scripted one that misbehaves on purpose (slow, 5xx, malformed JSON, redirects)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kefu.errors import OrderSystemUnavailable
from kefu.orders.connector import HttpJsonConnector, SecretToken, check_endpoint
from kefu.orders.models import Order, OrderStatus
from local.demo.orders import demo_orders
from local.orders import DemoOrderService

TOKEN = "demo-token-123"


@pytest.fixture
def demo() -> Iterator[DemoOrderService]:
    service = DemoOrderService(demo_orders(), TOKEN).start()
    yield service
    service.close()


class Scripted:
    """A loopback server whose every answer comes from ``script`` (status, body bytes, delay seconds, headers)."""

    def __init__(self, script: Callable[[int, BaseHTTPRequestHandler], tuple[int, bytes, float, dict[str, str]]]):
        self.calls: list[dict[str, Any]] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                outer.calls.append({"path": self.path, "headers": dict(self.headers)})
                status, body, delay, headers = script(len(outer.calls), self)
                if delay:
                    outer.release.wait(delay)
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    made: list[Scripted] = []

    def make(script: Callable[[int, BaseHTTPRequestHandler], tuple[int, bytes, float, dict[str, str]]]) -> Scripted:
        made.append(Scripted(script))
        return made[-1]

    yield make
    for server in made:
        server.close()


ORDER = json.dumps(demo_orders()[0]).encode()


def connector(url: str, **options: Any) -> HttpJsonConnector:
    return HttpJsonConnector(url, lambda: TOKEN, retry_delay=0.0, **options)


def test_an_order_by_number_validated(demo: DemoOrderService) -> None:
    order = connector(demo.url).get("kf10001")
    assert isinstance(order, Order)
    assert order.order_number == "KF10001"
    assert order.status == OrderStatus.IN_TRANSIT
    assert order.carrier == "顺丰速运"


def test_unknown_order_is_none_and_a_hostile_number_never_reaches_the_url(demo: DemoOrderService) -> None:
    client = connector(demo.url)
    assert client.get("KF99999") is None
    before = demo.requests
    assert client.get("../admin?x=1") is None
    assert demo.requests == before  # not a number the system could hold: not asked at all


def test_recent_orders_by_email_and_phone_newest_first(demo: DemoOrderService) -> None:
    client = connector(demo.url)
    by_email = client.recent(email="li.lei@example.com")
    assert [o.order_number for o in by_email] == ["KF10001", "KF10002"]
    assert [o.order_number for o in client.recent(phone="+14155550100", limit=1)] == ["KF20002"]
    assert client.recent() == []


def test_the_token_goes_in_the_configured_header(scripted: Callable[..., Scripted]) -> None:
    server = scripted(lambda n, h: (200, ORDER, 0, {}))
    connector(server.url).get("KF10001")
    assert server.calls[-1]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    connector(server.url, auth_header="X-Api-Key").get("KF10001")
    assert server.calls[-1]["headers"]["X-Api-Key"] == TOKEN
    assert "Authorization" not in server.calls[-1]["headers"]


def test_a_wrong_token_is_unavailable_and_not_retried(demo: DemoOrderService) -> None:
    client = HttpJsonConnector(demo.url, lambda: "wrong", retry_delay=0.0)
    before = demo.requests
    with pytest.raises(OrderSystemUnavailable):
        client.get("KF10001")
    assert demo.requests == before + 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_gateway_error_is_retried_once(scripted: Callable[..., Scripted], status: int) -> None:
    server = scripted(lambda n, h: (status, b"{}", 0, {}) if n == 1 else (200, ORDER, 0, {}))
    assert connector(server.url).get("KF10001") is not None
    assert len(server.calls) == 2


def test_a_persistent_5xx_is_unavailable_after_one_retry(scripted: Callable[..., Scripted]) -> None:
    server = scripted(lambda n, h: (503, b"busy", 0, {}))
    with pytest.raises(OrderSystemUnavailable):
        connector(server.url).get("KF10001")
    assert len(server.calls) == 2


def test_a_500_is_not_retried(scripted: Callable[..., Scripted]) -> None:
    server = scripted(lambda n, h: (500, b"oops", 0, {}))
    with pytest.raises(OrderSystemUnavailable):
        connector(server.url).get("KF10001")
    assert len(server.calls) == 1


def test_a_slow_system_times_out_without_a_retry(scripted: Callable[..., Scripted]) -> None:
    server = scripted(lambda n, h: (200, ORDER, 5.0, {}))
    with pytest.raises(OrderSystemUnavailable):
        connector(server.url, timeout=0.3).get("KF10001")
    assert len(server.calls) == 1  # a read timeout is not asked again


def test_a_system_that_is_down_is_unavailable_after_one_retry() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(OrderSystemUnavailable):
        connector(f"http://127.0.0.1:{port}").recent(email="li.lei@example.com")


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b'{"order_number": "KF1"',  # cut short
        json.dumps({"order_number": "KF10001", "placed_at": "2026-12-01T10:00:00Z"}).encode(),  # no status
        json.dumps({**demo_orders()[0], "items": "three"}).encode(),  # wrong type
        json.dumps([1, 2, 3]).encode(),
        b"\xff\xfe\x00garbage",
    ],
)
def test_an_answer_that_is_not_an_order_is_unavailable(scripted: Callable[..., Scripted], body: bytes) -> None:
    server = scripted(lambda n, h: (200, body, 0, {}))
    with pytest.raises(OrderSystemUnavailable):
        connector(server.url).get("KF10001")


def test_a_list_that_is_not_a_list_of_orders_is_unavailable(scripted: Callable[..., Scripted]) -> None:
    server = scripted(lambda n, h: (200, json.dumps({"orders": [{"order_number": "x"}]}).encode(), 0, {}))
    with pytest.raises(OrderSystemUnavailable):
        connector(server.url).recent(email="a@example.com")


def test_a_redirect_is_not_followed(scripted: Callable[..., Scripted]) -> None:
    target = scripted(lambda n, h: (200, ORDER, 0, {}))
    server = scripted(lambda n, h: (302, b"", 0, {"Location": f"{target.url}/orders/KF10001"}))
    with pytest.raises(OrderSystemUnavailable):
        connector(server.url).get("KF10001")
    assert target.calls == []  # the token never reached another host


def test_an_unknown_status_keeps_the_systems_word(scripted: Callable[..., Scripted]) -> None:
    body = json.dumps({**demo_orders()[0], "status": "Customs-Hold"}).encode()
    server = scripted(lambda n, h: (200, body, 0, {}))
    order = connector(server.url).get("KF10001")
    assert order is not None and order.status == OrderStatus.UNKNOWN and order.status_label == "customs-hold"


def test_unreadable_credentials_are_unavailable(demo: DemoOrderService) -> None:
    def broken() -> str:
        raise RuntimeError("AccessDenied")

    with pytest.raises(OrderSystemUnavailable):
        HttpJsonConnector(demo.url, broken).get("KF10001")


def test_plain_http_only_to_this_machine() -> None:
    assert check_endpoint("https://erp.example.com/api/") == "https://erp.example.com/api"
    assert check_endpoint("http://127.0.0.1:9300") == "http://127.0.0.1:9300"
    for bad in ("http://erp.example.com/api", "ftp://erp.example.com", "https://erp.example.com/?key=1", "erp"):
        with pytest.raises(ValueError):
            check_endpoint(bad)


def test_the_secret_holds_a_token_as_json_or_bare() -> None:
    class Secrets:
        def __init__(self, value: str) -> None:
            self.value = value
            self.reads = 0

        def get_secret_value(self, SecretId: str) -> dict[str, str]:
            self.reads += 1
            return {"SecretString": self.value}

    as_json = Secrets(json.dumps({"token": "t-1"}))
    token = SecretToken("arn:secret", lambda: as_json)
    assert token() == "t-1" and token() == "t-1"
    assert as_json.reads == 1  # cached
    assert SecretToken("arn:secret", lambda: Secrets("bare-token"))() == "bare-token"


def test_logs_carry_no_personal_data_of_an_order(demo: DemoOrderService, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    client = connector(demo.url)
    client.get("KF10001")
    client.recent(email="li.lei@example.com")
    with pytest.raises(OrderSystemUnavailable):
        HttpJsonConnector(demo.url, lambda: "wrong").get("KF10001")
    # every record whole, extra fields included, before any formatter could mask anything
    text = "\n".join(json.dumps(r.__dict__, default=str, ensure_ascii=False) for r in caplog.records)
    assert "KF10001" in text and "order system unavailable" in text  # the lookups were logged
    for personal in ("李雷", "li.lei@example.com", "+8613800138000", "世纪大道", "无线蓝牙耳机", "wrong"):
        assert personal not in text
