"""HttpClient over urllib3's pool: provider calls reuse kept-alive connections, and the guarantees of
HttpClient.download (test_media_channels.py) hold for request() as well."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kefu.channels.base import HttpClient


class KeepAliveServer:
    """HTTP/1.1 with keep-alive; records which client connection (address) carried each request."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, tuple[str, int], dict[str, str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                owner.seen.append((self.path, self.client_address, {k.lower(): v for k, v in self.headers.items()}))
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", self.path.split("?to=", 1)[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b'{"ok":true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[KeepAliveServer, KeepAliveServer]]:
    one, two = KeepAliveServer(), KeepAliveServer()
    yield one, two
    one.close()
    two.close()


def test_calls_to_one_host_share_a_kept_alive_connection(servers: tuple[KeepAliveServer, KeepAliveServer]) -> None:
    server, _ = servers
    for _ in range(3):
        response = HttpClient(timeout=5).request("GET", f"{server.base}/cgi-bin/token?secret=S")
        assert (response.status, response.body) == (200, b'{"ok":true}')
    assert len({address for _, address, _ in server.seen}) == 1  # one TCP connection for three calls


def test_request_redirects_keep_credentials_on_their_origin(servers: tuple[KeepAliveServer, KeepAliveServer]) -> None:
    server, other = servers
    auth = {"Authorization": "Bearer SECRET"}
    HttpClient(timeout=5).request("GET", f"{server.base}/redirect?to={server.base}/same", headers=auth)
    assert server.seen[-1][0] == "/same" and server.seen[-1][2]["authorization"] == "Bearer SECRET"
    HttpClient(timeout=5).request("GET", f"{server.base}/redirect?to={other.base}/away", headers=auth)
    assert other.seen[-1][0] == "/away" and "authorization" not in other.seen[-1][2]
