"""WeChat: one person followed two of the company's Official Accounts. Each account knows them by a
different openid; the unionid that WeChat's user-info API returns makes them one customer."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kefu.channels import wechat
from kefu.channels.base import InboxConfig
from kefu.clock import now_iso
from kefu.inbound import InboundMessage, Sender
from kefu.services.admin import save_inbox
from kefu.services.ingest import ingest_message
from tests.integration.conftest import Cloud

UNION_IDS = {"openid-of-A": "union-1", "openid-of-B": "union-1", "someone-else": "union-2"}


@pytest.fixture
def wechat_api() -> Iterator[str]:
    class Api(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/cgi-bin/token":
                body: dict[str, Any] = {"access_token": f"token-{query['appid']}", "expires_in": 7200}
            elif url.path == "/cgi-bin/user/info":
                body = {"subscribe": 1, "openid": query["openid"], "unionid": UNION_IDS[query["openid"]]}
            else:
                body = {"errcode": 404}
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    wechat._UNION_IDS.clear()
    wechat.TOKENS.clear()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def message(inbox: str, openid: str, n: int) -> InboundMessage:
    return InboundMessage(
        channel="wechat",
        inbox=inbox,
        provider_message_id=f"msg-{inbox}-{n}",
        conversation_key=f"wechat:{inbox}:{openid}",
        sender=Sender(channel="wechat", external_id=openid),
        text=f"hello {n}",
        received_at=now_iso(),
    )


def test_two_accounts_one_person_one_customer(cloud: Cloud, wechat_api: str) -> None:
    for inbox, app_id in (("oa-shop", "wx-shop"), ("oa-service", "wx-service")):
        save_inbox(
            cloud.store,
            InboxConfig(
                id=inbox,
                channel="wechat",
                api_base=wechat_api,
                credentials={"token": "t", "app_id": app_id, "app_secret": "s"},
            ),
        )
    first = ingest_message(cloud.store, message("oa-shop", "openid-of-A", 1))
    second = ingest_message(cloud.store, message("oa-service", "openid-of-B", 2))
    other = ingest_message(cloud.store, message("oa-service", "someone-else", 3))
    assert first.ticket_id and second.ticket_id and other.ticket_id
    customer_of = {r.ticket_id: cloud.store.tickets.get(r.ticket_id or "").customer_id for r in (first, second, other)}
    assert customer_of[first.ticket_id] == customer_of[second.ticket_id]
    assert customer_of[other.ticket_id] != customer_of[first.ticket_id]


def test_when_wechat_cannot_be_reached_the_message_is_still_stored(cloud: Cloud) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    wechat._UNION_IDS.clear()
    wechat.TOKENS.clear()
    save_inbox(
        cloud.store,
        InboxConfig(
            id="oa-down",
            channel="wechat",
            api_base=dead,
            credentials={"token": "t", "app_id": "wx-down", "app_secret": "s"},
        ),
    )
    result = ingest_message(cloud.store, message("oa-down", "openid-of-A", 9))
    assert result.outcome == "stored"
