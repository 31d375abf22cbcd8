"""The thread beyond text through the real handlers: files from the widget and from agents, read markers,
the bot's "did this solve it?" card, typing and the satisfaction rating (docs/workspace.md, docs/widget.md)."""

from __future__ import annotations

import base64
import urllib.parse
from typing import Any

import boto3
import pytest

from ingest.handler import lambda_handler as ingest
from kefu.config import Env, get_settings
from kefu.models import ASKS_SOLVED, AuthorType, DeliveryStatus, Direction, Message
from kefu.services import chat as chat_service
from kefu.store import Transaction
from outbound.handler import lambda_handler as outbound
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import agent, call, read_chat, say, start_chat
from tests.support.aws_events import agent_claims, api_event
from webhooks.handler import lambda_handler as webhooks

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def media(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> Cloud:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="kefu-media")
    monkeypatch.setenv(Env.MEDIA_BUCKET, "kefu-media")
    get_settings.cache_clear()
    return cloud


def chat_call(method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    resource = "/chat/{inbox}/" + path.rsplit("/", 1)[-1]
    return call(
        webhooks,
        api_event(
            method,
            path,
            resource=resource,
            body=body,
            headers={"Authorization": f"Bearer {token}"},
            path_params={"inbox": "web"},
        ),
    )


def upload(data: bytes, name: str, content_type: str | None = "image/png") -> dict[str, Any]:
    return {"name": name, "content_type": content_type, "data": base64.b64encode(data).decode()}


def fetch(url: str) -> bytes:
    """What the presigned link names, read from the bucket (moto in-process answers boto3, not a browser)."""
    parts = urllib.parse.urlsplit(url)
    bucket, _, key = urllib.parse.unquote(parts.path).lstrip("/").partition("/")
    if not parts.hostname or not parts.hostname.startswith("s3"):  # virtual-hosted: the bucket is the host
        bucket, key = parts.hostname.split(".", 1)[0] if parts.hostname else "", urllib.parse.unquote(parts.path)[1:]
    body: bytes = boto3.client("s3", region_name="us-east-1").get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def test_a_customer_image_reaches_the_agent_and_an_agent_file_reaches_the_customer(media: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    status, up = chat_call("POST", "/chat/web/attachments", token, upload(PNG, "photo.png"))
    assert status == 201, up
    assert (up["content_type"], up["size"]) == ("image/png", len(PNG))
    status, _ = chat_call(
        "POST", "/chat/web/messages", token, {"text": "", "attachments": [up["id"]], "client_message_id": "img-1"}
    )
    assert status == 202
    assert media.run_sqs(ingest, media.inbound_url) == {"batchItemFailures": []}

    status, detail = agent("GET", f"/api/v1/tickets/{ticket_id}")
    assert status == 200, detail
    [message] = detail["messages"]
    assert message["kind"] == "image"
    [attachment] = message["attachments"]
    assert (attachment["name"], attachment["content_type"], attachment["size"]) == ("photo.png", "image/png", len(PNG))
    assert "X-Amz-Signature" in attachment["url"] and "X-Amz-Expires=300" in attachment["url"]
    assert fetch(attachment["url"]) == PNG
    assert detail["outbound_media"] == "inline"

    # the agent answers with a file of its own
    status, agent_up = agent(
        "POST", f"/api/v1/tickets/{ticket_id}/attachments", upload(b"%PDF-1.4 receipt", "收据.pdf", None)
    )
    assert status == 201, agent_up
    assert agent_up["content_type"] == "application/pdf"
    status, reply = agent(
        "POST", f"/api/v1/tickets/{ticket_id}/messages", {"body": "", "attachments": [agent_up["id"]]}
    )
    assert status == 201, reply
    assert reply["kind"] == "file" and reply["attachments"][0]["name"] == "收据.pdf"
    media.run_stream(stream)
    assert media.run_sqs(outbound, media.outbound_url) == {"batchItemFailures": []}
    status, conversation = read_chat(token)
    assert status == 200
    files = [m.get("attachments") for m in conversation["items"]]
    assert files[0][0]["name"] == "photo.png"
    assert files[1][0]["name"] == "收据.pdf"
    assert fetch(files[1][0]["url"]) == b"%PDF-1.4 receipt"


def test_uploads_are_checked_and_belong_to_their_uploader(media: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    say(token, "hello")
    media.run_sqs(ingest, media.inbound_url)
    # an executable, an image that is not one, an SVG, bad base64: each a 400 naming why, nothing stored
    for body, reason in [
        (upload(b"MZ\x90\x00rest", "setup.png", "image/png"), "not an image"),
        (upload(b"MZ\x90\x00rest", "tool.pdf", "application/pdf"), "executable"),
        (upload(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg", "image/svg+xml"), "not an image"),
        ({"name": "a.png", "data": "not base64!"}, "base64"),
    ]:
        status, answer = agent("POST", f"/api/v1/tickets/{ticket_id}/attachments", body)
        assert status == 400, answer
        assert reason in answer["message"]
    too_big = {"name": "big.txt", "data": base64.b64encode(b"a" * (4 * 1024 * 1024 + 1)).decode()}
    status, answer = agent("POST", f"/api/v1/tickets/{ticket_id}/attachments", too_big)
    assert status == 413, answer
    objects = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="kefu-media").get("KeyCount", 0)
    assert objects == 0

    status, mine = agent("POST", f"/api/v1/tickets/{ticket_id}/attachments", upload(PNG, "a.png"))
    assert status == 201
    other = agent_claims(sub="agent-2", email="agent2@example.com")
    status, answer = agent(
        "POST", f"/api/v1/tickets/{ticket_id}/messages", {"body": "x", "attachments": [mine["id"]]}, claims=other
    )
    assert status == 400 and "no upload" in answer["message"]
    # a customer cannot attach an agent's upload either
    status, answer = chat_call("POST", "/chat/web/messages", token, {"text": "x", "attachments": [mine["id"]]})
    assert status == 400 and "no upload" in answer["message"]
    assert agent("POST", f"/api/v1/tickets/{ticket_id}/messages", {"body": ""})[0] == 400


def test_unread_until_the_agent_reads_then_unread_again_on_a_new_customer_message(cloud: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    say(token, "first")
    cloud.run_sqs(ingest, cloud.inbound_url)

    def unread(claims: dict[str, str] | None = None) -> bool:
        items = agent("GET", "/api/v1/tickets", claims=claims)[1]["items"]
        return next(t["unread"] for t in items if t["id"] == ticket_id)

    assert unread() is True
    status, marker = agent("PUT", f"/api/v1/tickets/{ticket_id}/read", {})
    assert status == 200, marker
    assert unread() is False
    assert agent("GET", f"/api/v1/tickets/{ticket_id}")[1]["unread"] is False
    # per agent: another agent still has it unread
    assert unread(agent_claims(sub="agent-2", email="agent2@example.com")) is True
    # a marker never goes back
    assert agent("PUT", f"/api/v1/tickets/{ticket_id}/read", {"up_to": "2020-01-01T00:00:00Z"})[0] == 200
    assert unread() is False
    say(token, "second")
    cloud.run_sqs(ingest, cloud.inbound_url)
    assert unread() is True
    assert agent("PUT", f"/api/v1/tickets/{ticket_id}/read", {"up_to": "yesterday"})[0] == 400


def _bot_asks(cloud: Cloud, ticket_id: str, conversation_key: str, body: str) -> None:
    reply = Message(
        id="01JBOTASK0000000000000000A",
        ticket_id=ticket_id,
        conversation_key=conversation_key,
        direction=Direction.OUTBOUND,
        author_type=AuthorType.BOT,
        body=body,
        channel="web",
        inbox="web",
        kind=ASKS_SOLVED,
        delivery_status=DeliveryStatus.SENT,
        created_at="2030-01-01T00:00:00.000Z",
    )
    tx = Transaction()
    cloud.store.tickets.add_message(tx, reply)
    cloud.store.tickets.commit(tx)


def test_the_widget_gets_the_solved_card_typing_and_a_rating_once(cloud: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    say(token, "退货怎么办")
    cloud.run_sqs(ingest, cloud.inbound_url)
    key = chat_service.authenticate(cloud.store, "web", f"Bearer {token}").conversation_key
    _bot_asks(cloud, ticket_id, key, "七天内可退。\n\n这解决您的问题了吗？回复“是”或“否”。")
    status, page = read_chat(token)
    assert status == 200
    card = page["items"][-1]
    assert card["kind"] == ASKS_SOLVED
    assert [c["value"] for c in card["choices"]] == ["solved", "not_solved"]
    from kefu.knowledge.bot import Feedback, feedback

    assert [feedback(c["text"]) for c in card["choices"]] == [Feedback.SOLVED, Feedback.NOT_SOLVED]
    assert feedback("否") == Feedback.NOT_SOLVED  # what the bot's own question tells customers to answer

    assert page["agent_typing"] is False
    assert agent("POST", f"/api/v1/tickets/{ticket_id}/typing")[0] == 200
    assert read_chat(token)[1]["agent_typing"] is True
    assert chat_call("POST", "/chat/web/typing", token)[0] == 200
    assert cloud.store.thread_state.typing(ticket_id, "customer") is True

    # rating: only once resolved, once, 1-5
    assert page["rating"] == {"available": False, "rating": None}
    status, answer = chat_call("POST", "/chat/web/rating", token, {"rating": 5})
    assert status == 409, answer
    assert agent("PATCH", f"/api/v1/tickets/{ticket_id}", {"status": "resolved"})[0] == 200
    assert read_chat(token)[1]["rating"] == {"available": True, "rating": None}
    assert chat_call("POST", "/chat/web/rating", token, {"rating": 6})[0] == 400
    status, answer = chat_call("POST", "/chat/web/rating", token, {"rating": 4, "comment": "快"})
    assert status == 201, answer
    assert chat_call("POST", "/chat/web/rating", token, {"rating": 1})[0] == 409
    assert read_chat(token)[1]["rating"] == {"available": False, "rating": 4}
    live = agent("GET", "/api/v1/metrics/live")[1]["csat"]
    assert (live["ratings"], live["rated_4"], live["average"]) == (1, 1, 4.0)


def test_channels_say_how_a_replys_files_leave() -> None:
    from kefu.channels.base import adapter_for

    assert adapter_for("web").outbound_media == "inline"
    assert adapter_for("email").outbound_media == "link"
    assert adapter_for("wechat").outbound_media == "link"
    assert adapter_for("form").outbound_media == "none"


def test_an_agents_file_leaves_a_link_channel_as_a_seven_day_link(media: Cloud) -> None:
    from kefu.models import Attachment, Ticket
    from kefu.services.outbound import LINK_SECONDS, outgoing

    ticket = Ticket(
        id="01JTICKET00000000000000001",
        channel="email",
        inbox="mail",
        customer_id="c1",
        conversation_key="email:mail:bob@example.com",
        contact="bob@example.com",
        created_at="2030-01-01T00:00:00.000Z",
        updated_at="2030-01-01T00:00:00.000Z",
    )
    stored = Attachment(name="发票.pdf", content_type="application/pdf", size=3, s3_key="media/T/upload-U/0-file.pdf")
    from_provider = Attachment(name="x.png", content_type="image/png", url="https://provider.example/x.png")
    message = Message(
        id="01JMESSAGE0000000000000001",
        ticket_id=ticket.id,
        conversation_key=ticket.conversation_key,
        direction=Direction.OUTBOUND,
        author_type=AuthorType.AGENT,
        body="your invoice",
        channel="email",
        inbox="mail",
        attachments=[stored, from_provider],
        created_at="2030-01-01T00:00:00.000Z",
    )
    sent = outgoing(message, ticket).attachments
    assert sent[0].url and f"X-Amz-Expires={LINK_SECONDS}" in sent[0].url and "0-file.pdf" in sent[0].url
    assert sent[1].url == "https://provider.example/x.png"  # not ours: left as it was
    assert message.attachments[0].url is None  # the stored message keeps no link
