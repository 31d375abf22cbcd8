"""Hostile requests against every public route and webhook path of the local cloud, as an attacker sends them:
undecodable and oversized bodies, wrong content types, deep nesting, oversized headers, path traversal,
homoglyph ids, wrong methods, forged signatures and cursors. Each answers the 4xx it should, with a message,
stores nothing, and the service stays healthy."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.seed import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

CHANNELS = ("wechat", "wecom", "whatsapp", "messenger", "line", "telegram", "weibo", "email")
WEBHOOK_POSTS = [f"/webhooks/{channel}/web" for channel in CHANNELS] + [
    "/webhooks/twilio/web/sms",
    "/webhooks/twilio/web/voice",
]
# Routes whose bodies must be JSON (chat) or JSON/urlencoded (forms, the survey's answer): what else they get
# is a 415. An unknown survey token with a well-formed answer is a 404 (tests/e2e/test_csat_e2e.py).
TYPED_POSTS = ["/chat/web/sessions", "/chat/web/messages", "/forms/web/tickets", "/csat/some-token"]
PUBLIC_POSTS = TYPED_POSTS + WEBHOOK_POSTS
ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
API_WRITES = [
    ("PUT", "/api/v1/me/presence"),
    ("POST", f"/api/v1/tickets/{ULID}/messages"),
    ("PATCH", f"/api/v1/tickets/{ULID}"),
    ("POST", f"/api/v1/tickets/{ULID}/assign"),
    ("POST", "/api/v1/admin/inboxes"),
    ("PUT", "/api/v1/admin/inboxes/web"),
    ("POST", "/api/v1/admin/customers/merge"),
]
ADMIN_WRITES = [(m, p) for m, p in API_WRITES if p.startswith("/api/v1/admin/")]

JSON_TYPE = {"Content-Type": "application/json"}
BAD_UTF8 = b'{"text": "caf\xe9 \xff\xfe", "name": "\xc3\x28"}'
DEEP = b"[" * 10_000 + b"]" * 10_000
# Bodies over each route's own cap but under API Gateway's 10 MB (chat 32 KB, forms 64 KB, API 256 KB, webhooks 1 MB)
OVER_ROUTE_CAP = json.dumps({"text": "x" * (1100 * 1024)}).encode()
OVER_GATEWAY_CAP = b'{"text": "' + b"x" * (12 * 1024 * 1024) + b'"}'

BODY_CASES: dict[str, tuple[dict[str, str], bytes]] = {
    "invalid-utf8": (JSON_TYPE, BAD_UTF8),
    "nested-10000": (JSON_TYPE, DEEP),
    "integer-of-5000-digits": (JSON_TYPE, b'{"text": ' + b"1" * 5000 + b"}"),
    "multipart-without-boundary": ({"Content-Type": "multipart/form-data"}, b"--x\r\nContent-Disposition: form\r\n"),
    "over-route-cap": (JSON_TYPE, OVER_ROUTE_CAP),
    "over-gateway-cap": (JSON_TYPE, OVER_GATEWAY_CAP),
}


def expected(case: str, typed: bool) -> int:
    """What a route answers for a body case: 415 where the type is refused, else the decoding edge's answer."""
    if case in ("over-route-cap", "over-gateway-cap"):
        return 413
    if case == "multipart-without-boundary" and typed:
        return 415
    return 400


@pytest.fixture(scope="module")
def http(local_cloud: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_cloud.url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def tokens(local_cloud: Any) -> dict[str, str]:
    return {
        "admin": local_cloud.login("admin@example.com", DEMO_PASSWORD),
        "agent": local_cloud.login("agent1@example.com", DEMO_PASSWORD),
    }


# The only queue a request feeds is the inbound one (the webhooks put accepted deliveries there), with its DLQ;
# every other queue is fed by the stream or by its own consumer's failures, so anything a hostile request could
# put there starts as a table change, which the item count catches. Earlier tests' work still reaches those queues
# at any moment (a delayed route job, a stream batch catching up, a failed job landing in its DLQ).
REQUEST_FED_QUEUES = ("InboundQueue", "InboundDeadLetterQueue")


class Stored:
    """What the cloud holds: items in the table and messages waiting on the queues."""

    def __init__(self, cloud: Any) -> None:
        self.ddb = cloud.client("dynamodb")
        self.sqs = cloud.client("sqs")
        self.table = cloud.table_name()

    def snapshot(self) -> tuple[int, int]:
        items = 0
        kwargs: dict[str, Any] = {"TableName": self.table, "Select": "COUNT"}
        while True:
            page = self.ddb.scan(**kwargs)
            items += page["Count"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        waiting = 0
        for url in self.sqs.list_queues().get("QueueUrls", []):
            if not any(name in url.rsplit("/", 1)[-1] for name in REQUEST_FED_QUEUES):
                continue
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            waiting += int(attributes["ApproximateNumberOfMessages"])
            waiting += int(attributes["ApproximateNumberOfMessagesNotVisible"])
        return items, waiting


@pytest.fixture
def nothing_stored(local_cloud: Any, http: httpx.Client) -> Iterator[None]:
    """The table and queues hold exactly what they held before the test, and the cloud is still healthy."""
    stored = Stored(local_cloud)
    before = stored.snapshot()
    yield
    assert stored.snapshot() == before
    assert http.get("/healthz").json() == {"status": "ok"}


def assert_refused(answer: httpx.Response, status: int) -> None:
    assert answer.status_code == status, (answer.request.method, str(answer.request.url)[:120], answer.text[:300])
    if answer.headers.get("content-type", "").startswith("application/json"):
        message = answer.json().get("message")
        assert isinstance(message, str) and message, answer.text[:300]
    assert "server" not in answer.headers


@pytest.mark.parametrize("case", list(BODY_CASES))
def test_undecodable_and_oversized_bodies_on_public_routes(http: httpx.Client, nothing_stored: None, case: str) -> None:
    headers, body = BODY_CASES[case]
    for path in PUBLIC_POSTS:
        assert_refused(http.post(path, content=body, headers=headers), expected(case, path in TYPED_POSTS))


@pytest.mark.parametrize("case", list(BODY_CASES))
def test_undecodable_and_oversized_bodies_on_the_agent_api(
    http: httpx.Client, tokens: dict[str, str], nothing_stored: None, case: str
) -> None:
    headers, body = BODY_CASES[case]
    for method, path in API_WRITES:
        auth = {"Authorization": f"Bearer {tokens['admin']}"}
        answer = http.request(method, path, content=body, headers={**headers, **auth})
        assert_refused(answer, expected(case, typed=True))


@pytest.mark.parametrize("case", [*BODY_CASES, "not-json-at-all", "wrong-type"])
def test_an_agent_on_admin_routes_is_403_whatever_the_body(
    http: httpx.Client, tokens: dict[str, str], nothing_stored: None, case: str
) -> None:
    headers, body = BODY_CASES.get(case, (JSON_TYPE, b"{nope"))
    if case == "wrong-type":
        headers, body = {"Content-Type": "text/plain"}, b'{"id": "x"}'
    for method, path in ADMIN_WRITES:
        answer = http.request(
            method, path, content=body, headers={**headers, "Authorization": f"Bearer {tokens['agent']}"}
        )
        # API Gateway refuses bodies over its own limit before the authorizer runs
        assert_refused(answer, 413 if case == "over-gateway-cap" else 403)


def test_cross_site_simple_posts_are_415(http: httpx.Client, nothing_stored: None) -> None:
    """A browser sends text/plain, urlencoded or multipart cross-site without a preflight."""
    for path in TYPED_POSTS:
        assert_refused(http.post(path, content=b'{"name": "x"}', headers={"Content-Type": "text/plain"}), 415)
    for path in ("/chat/web/sessions", "/chat/web/messages"):
        assert_refused(http.post(path, data={"name": "x"}), 415)
    answer = http.post(
        "/chat/web/sessions", content=b'{"name":"x"}', headers={"Content-Type": "application/json; charset=latin-1"}
    )
    assert_refused(answer, 415)


def test_unknown_fields_and_bad_values_on_chat_are_400(http: httpx.Client, nothing_stored: None) -> None:
    assert_refused(http.post("/chat/web/sessions", json={"name": "x", "is_admin": True}), 400)
    assert_refused(http.post("/chat/web/sessions", json={"name": "x" * 500}), 400)
    assert_refused(http.post("/chat/web/sessions", json=["not", "an", "object"]), 400)
    assert_refused(http.post("/chat/web/sessions", content=b'"\\ud800"', headers=JSON_TYPE), 400)
    assert_refused(http.post("/chat/web/sessions", content=b'{"name": "x"', headers=JSON_TYPE), 400)


def test_oversized_headers_are_431(http: httpx.Client, nothing_stored: None) -> None:
    for method, path in [("GET", "/chat/web/messages"), ("POST", "/chat/web/sessions"), ("POST", "/webhooks/line/web")]:
        answer = http.request(method, path, headers={"X-Padding": "a" * 12_000}, json={})
        assert_refused(answer, 431)


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/wechat/..%2F..%2Fapi%2Fv1%2Fme",
        "/webhooks/line/%2e%2e/%2e%2e/config.json",
        "/chat/..%2F..%2Fapi%2Fv1/sessions",
        "/forms/%2e%2e%2f%2e%2e%2fetc%2fpasswd/tickets",
        "/chat/web%00/sessions",
        "/chat/web%0a/sessions",
    ],
)
def test_path_traversal_on_public_routes(http: httpx.Client, nothing_stored: None, path: str) -> None:
    answer = http.post(path, json={"text": "hi"})
    assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text[:200])
    assert "server" not in answer.headers


def test_path_traversal_never_leaves_the_spa_or_the_api(
    http: httpx.Client, tokens: dict[str, str], nothing_stored: None
) -> None:
    for path in ("/app/..%2F..%2Fpyproject.toml", "/app/%2e%2e/%2e%2e/pyproject.toml", "/app/....//....//cdk.json"):
        answer = http.get(path)
        assert "[project]" not in answer.text and "kefu:webHosting" not in answer.text, path
    auth = {"Authorization": f"Bearer {tokens['agent']}"}
    for path in ("/api/v1/tickets/..%2F..%2Fadmin%2Finboxes", "/api/v1/customers/..%2Fadmin%2Finboxes"):
        answer = http.get(path, headers=auth)
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text[:200])


def test_homoglyph_ids_are_refused_and_store_nothing(
    http: httpx.Client, tokens: dict[str, str], nothing_stored: None
) -> None:
    cyrillic_web = "w\u0435b"  # a Cyrillic "е"
    assert_refused(http.post(f"/chat/{cyrillic_web}/sessions", json={"name": "x"}), 404)
    assert_refused(http.post(f"/forms/{cyrillic_web}/tickets", json={"email": "a@example.com"}), 404)
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    for path in (
        f"/api/v1/tickets/{ULID[:-1]}\u0410",  # a Cyrillic "А" at the end of a ticket id
        "/api/v1/customers/\uff10\uff11ARZ3NDEKTSV4RRFFQ69G5FAV",  # full-width digits
        f"/api/v1/admin/inboxes/{cyrillic_web}",
    ):
        answer = http.get(path, headers=admin)
        assert_refused(answer, 400)
        assert "pattern" in answer.json()["message"] or "match" in answer.json()["message"]
    answer = http.patch(f"/api/v1/tickets/{ULID}", json={"tags": ["vip\u202e"]}, headers=admin)  # RTL override
    assert_refused(answer, 400)
    for bad in ({"team": "0"}, {"team": "Sales Team!"}, {"agent_id": "admin"}):
        assert_refused(http.post(f"/api/v1/tickets/{ULID}/assign", json=bad, headers=admin), 400)
    assert_refused(http.patch(f"/api/v1/tickets/{ULID}", json={"type": "x" * 50}, headers=admin), 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/chat/web/sessions"),
        ("PUT", "/chat/web/messages"),
        ("GET", "/forms/web/tickets"),
        ("DELETE", "/webhooks/line/web"),
        ("PATCH", "/webhooks/twilio/web/sms"),
        ("GET", "/webhooks/twilio/web/sms"),
        ("PUT", "/csat/some-token"),
        ("POST", "/help/search"),
        ("DELETE", "/help/articles/1"),
        ("POST", "/healthz"),
        ("PUT", "/config.json"),
        ("DELETE", "/app/"),
    ],
)
def test_wrong_methods_are_405(http: httpx.Client, nothing_stored: None, method: str, path: str) -> None:
    assert_refused(http.request(method, path), 405)


def test_forged_signatures_and_cursors_are_refused(
    http: httpx.Client, tokens: dict[str, str], local_cloud: Any
) -> None:
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    for inbox in (
        {"id": "hostile-line", "channel": "line", "credentials": {"channel_secret": "s", "channel_access_token": "t"}},
        {"id": "hostile-telegram", "channel": "telegram", "credentials": {"secret_token": "s", "bot_token": "1:t"}},
    ):
        answer = http.post("/api/v1/admin/inboxes", json=inbox, headers=admin)
        assert answer.status_code in (201, 409), answer.text
    stored = Stored(local_cloud)
    before = stored.snapshot()
    delivery = {"events": [{"type": "message", "message": {"type": "text", "id": "1", "text": "hi"}}]}
    forged = base64.b64encode(b"\x00" * 32).decode()
    answer = http.post("/webhooks/line/hostile-line", json=delivery, headers={"X-Line-Signature": forged})
    assert answer.status_code in (401, 403), answer.text
    update = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1}, "text": "hi", "date": 0}}
    answer = http.post(
        "/webhooks/telegram/hostile-telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
    )
    assert answer.status_code in (401, 403), answer.text
    # an old-style cursor (base64 of raw keys, another partition's) and garbage: 400, never a page
    raw_keys = {"STATUS#pending": {"PK": "INBOX#web", "SK": "INBOX", "GSI1PK": "STATUS#pending", "GSI1SK": "z"}}
    forged_cursor = base64.urlsafe_b64encode(json.dumps(raw_keys).encode()).decode().rstrip("=")
    for cursor in (forged_cursor, forged_cursor + ".AAAAAAAAAAAAAAAAAAAAAA", "%%%", "x" * 3000):
        answer = http.get("/api/v1/tickets", params={"cursor": cursor}, headers=admin)
        assert_refused(answer, 400)
        assert "cursor" in answer.json()["message"]
    session = http.post("/chat/web/sessions", json={"name": "Cursor Test"})
    assert session.status_code == 201
    chat_auth = {"Authorization": f"Bearer {session.json()['session_token']}"}
    answer = http.get("/chat/web/messages", params={"after": forged_cursor}, headers=chat_auth)
    assert_refused(answer, 400)
    after = stored.snapshot()
    assert after[0] > before[0]  # the session just started is the only thing stored
    assert http.get("/healthz").json() == {"status": "ok"}


def test_edge_headers_and_cors(http: httpx.Client, tokens: dict[str, str]) -> None:
    api = http.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {tokens['agent']}", "Origin": "https://evil.example"}
    )
    assert api.status_code == 200
    assert "access-control-allow-origin" not in api.headers  # the admin's API answers only allowed origins
    for answer in (api, http.post("/chat/web/sessions", content=b"x", headers={"Content-Type": "text/plain"})):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert "server" not in answer.headers
    spa = http.get("/app/")
    assert spa.headers["x-frame-options"] == "DENY"
    assert spa.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in spa.headers["content-security-policy"]
    assert "server" not in spa.headers
    chat = http.post("/chat/web/sessions", json={}, headers={"Origin": "https://shop.example"})
    assert chat.status_code == 201
    assert chat.headers["access-control-allow-origin"] in ("*", "https://shop.example")  # the widget runs anywhere
