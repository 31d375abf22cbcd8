"""The satisfaction survey through the real handlers (docs/metrics.md, "Satisfaction survey"): a Telegram
ticket is resolved, the stream stores the survey and its message, the outbound function sends the link to a
Telegram API on this machine, the page renders, the answer is stored once (second: 409), the live figures
move, and a dissatisfied answer is followed up (tag, internal note, event, supervisors' notification)."""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from kefu.auth import Caller
from kefu.channels.base import InboxConfig
from kefu.clock import now_iso
from kefu.inbound import InboundMessage, Sender
from kefu.models import AuthorType, Direction, TicketStatus
from kefu.services import tickets
from kefu.services.admin import save_inbox
from kefu.services.ingest import ingest_message
from kefu.store import keys
from kefu.store.csat import token_hash
from outbound.handler import lambda_handler as outbound
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import agent, call, start_chat
from tests.support.aws_events import api_event
from webhooks.handler import lambda_handler as webhooks

AGENT = Caller(id="agent-1", roles=["agent"])
LINK = re.compile(r"https://api\.kefu\.test/v1/csat/([A-Za-z0-9_-]{32})")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Telegram(BaseHTTPRequestHandler):
    sent: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Telegram.sent.append({"path": self.path, **json.loads(body)})
        answer = json.dumps({"ok": True, "result": {"message_id": len(Telegram.sent)}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def telegram() -> Iterator[str]:
    Telegram.sent = []
    server = HTTPServer(("127.0.0.1", 0), Telegram)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def drain_stream(cloud: Cloud) -> None:
    for _ in range(5):
        cloud.run_stream(stream)


def telegram_ticket(cloud: Cloud, api_base: str, text: str, locale: str | None) -> str:
    save_inbox(
        cloud.store,
        InboxConfig(
            id="tg", channel="telegram", api_base=api_base, credentials={"secret_token": "s", "bot_token": "1:t"}
        ),
    )
    result = ingest_message(
        cloud.store,
        InboundMessage(
            channel="telegram",
            inbox="tg",
            provider_message_id="tg-1",
            conversation_key="telegram:tg:42",
            sender=Sender(channel="telegram", external_id="42", name="Wang", locale=locale),
            text=text,
            received_at=now_iso(),
        ),
    )
    assert result.ticket_id
    return result.ticket_id


def resolve(cloud: Cloud, ticket_id: str, status: TicketStatus = TicketStatus.RESOLVED) -> None:
    tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(status=status))
    drain_stream(cloud)


def survey_call(method: str, token: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    return call(
        webhooks,
        api_event(
            method,
            f"/csat/{token}",
            resource="/csat/{token}",
            body=body,
            headers=headers,
            path_params={"token": token},
        ),
    )


def test_a_resolved_telegram_ticket_is_surveyed_answered_once_and_followed_up(cloud: Cloud, telegram: str) -> None:
    ticket_id = telegram_ticket(cloud, telegram, "我的订单还没有到", locale=None)
    tickets.reply(cloud.store, AGENT, ticket_id, "已为您催促快递", internal=False)
    drain_stream(cloud)
    cloud.run_sqs(outbound, cloud.outbound_url)
    assert len(Telegram.sent) == 1  # the agent's reply

    resolve(cloud, ticket_id)
    messages, _ = cloud.store.tickets.thread(ticket_id)
    surveys = [m for m in messages if m.author_type == AuthorType.SYSTEM and m.direction == Direction.OUTBOUND]
    assert len(surveys) == 1 and not surveys[0].internal
    cloud.run_sqs(outbound, cloud.outbound_url)
    assert len(Telegram.sent) == 2
    sent = Telegram.sent[-1]
    assert sent["path"] == "/bot1:t/sendMessage" and sent["chat_id"] == "42"
    found = LINK.search(sent["text"])
    assert found, sent["text"]
    assert "满意" in sent["text"]  # the customer wrote Chinese: the survey speaks it
    token = found.group(1)
    stored = cloud.store.table.get(keys.csat_survey(token_hash(token)))
    assert stored and token not in json.dumps(stored)  # only the token's hash is kept
    assert stored[keys.TTL_ATTRIBUTE] > 0

    # resolved again (reopened in between): no second survey
    resolve(cloud, ticket_id, TicketStatus.IN_PROGRESS)
    resolve(cloud, ticket_id)
    cloud.run_sqs(outbound, cloud.outbound_url)
    assert len(Telegram.sent) == 2

    # the page: four choices and a comment, in Chinese first
    status, page = survey_call("GET", token)
    assert status == 200
    assert '<html lang="zh-CN">' in page
    assert page.count('type="radio" name="rating"') == 4
    assert "非常满意" in page and "Very satisfied" in page and 'name="comment"' in page
    status, page = survey_call("GET", "x" * 32)
    assert status == 404 and "<html" in page

    # bad answers: 400 naming the field, nothing stored
    status, answer = survey_call("POST", token, {"rating": "great"})
    assert status == 400 and "rating" in answer["message"], answer
    status, answer = survey_call("POST", token, {"rating": "neutral", "comment": "x" * 1001})
    assert status == 400 and "comment" in answer["message"], answer
    status, answer = survey_call("POST", "y" * 32, {"rating": "neutral"})
    assert status == 404, answer
    assert cloud.store.csat.get(ticket_id) is None

    # the page's own form (no JavaScript): stored once
    form = urllib.parse.urlencode({"rating": "dissatisfied", "comment": "太慢了"})
    status, page = survey_call("POST", token, form, FORM)
    assert status == 200 and "主管" in page, page
    rating = cloud.store.csat.get(ticket_id)
    assert rating is not None and (rating.rating, rating.comment, rating.channel) == (1, "太慢了", "telegram")
    status, answer = survey_call("POST", token, {"rating": "very_satisfied"})
    assert status == 409 and "rated already" in answer["message"], answer
    assert cloud.store.csat.get(ticket_id).rating == 1  # type: ignore[union-attr]
    status, page = survey_call("GET", token)
    assert status == 200 and "评价过" in page and 'type="radio"' not in page

    live = agent("GET", "/api/v1/metrics/live")[1]["csat"]
    assert (live["ratings"], live["rated_1"], live["average"]) == (1, 1, 1.0)

    # the follow-up, from the stream: tag, internal note, event, the supervisors told
    rated = cloud.store.tickets.get(ticket_id)
    drain_stream(cloud)
    ticket = cloud.store.tickets.get(ticket_id)
    assert "csat_followup" in ticket.tags and ticket.status == TicketStatus.RESOLVED
    # the note counts as an agent's note does: in the count, not in the preview the customer's side shows
    assert ticket.message_count == rated.message_count + 1 and ticket.sla == rated.sla
    assert (ticket.last_message_preview, ticket.last_message_at) == (rated.last_message_preview, rated.last_message_at)
    messages, events = cloud.store.tickets.thread(ticket_id)
    notes = [m for m in messages if m.internal and m.author_type == AuthorType.SYSTEM]
    assert len(notes) == 1 and "不满意" in notes[0].body and "太慢了" in notes[0].body
    assert [e.data["answer"] for e in events if e.type == "csat_followup"] == ["dissatisfied"]
    notices = cloud.store.sla.notifications(f"supervisors#{ticket.team or 'general'}")
    assert [n["kind"] for n in notices] == ["csat_followup"]
    cloud.run_sqs(outbound, cloud.outbound_url)
    assert len(Telegram.sent) == 2  # the note never leaves
    drain_stream(cloud)
    assert len([e for e in cloud.store.tickets.thread(ticket_id)[1] if e.type == "csat_followup"]) == 1


def test_english_customer_gets_english_and_a_good_answer_needs_no_follow_up(cloud: Cloud, telegram: str) -> None:
    ticket_id = telegram_ticket(cloud, telegram, "where is my parcel", locale="en-US")
    resolve(cloud, ticket_id)
    cloud.run_sqs(outbound, cloud.outbound_url)
    text = Telegram.sent[-1]["text"]
    assert "How satisfied" in text, text
    token = LINK.search(text).group(1)  # type: ignore[union-attr]
    status, page = survey_call("GET", token)
    assert status == 200 and '<html lang="en">' in page
    status, answer = survey_call("POST", token, {"rating": "very_satisfied", "comment": "quick"})
    assert status == 200 and answer == {
        "ticket_id": ticket_id,
        "rating": "very_satisfied",
        "score": 5,
        "follow_up": False,
    }
    drain_stream(cloud)
    assert "csat_followup" not in cloud.store.tickets.get(ticket_id).tags


def test_web_chat_keeps_its_card_and_a_bad_widget_rating_is_followed_up_too(cloud: Cloud) -> None:
    session = start_chat()
    ticket_id = session["ticket_id"]
    call(
        webhooks,
        api_event(
            "POST",
            "/chat/web/messages",
            resource="/chat/{inbox}/messages",
            body={"text": "hello"},
            headers={"Authorization": f"Bearer {session['session_token']}"},
            path_params={"inbox": "web"},
        ),
    )
    from ingest.handler import lambda_handler as ingest

    cloud.run_sqs(ingest, cloud.inbound_url)
    resolve(cloud, ticket_id)
    messages, _ = cloud.store.tickets.thread(ticket_id)
    assert not [m for m in messages if m.author_type == AuthorType.SYSTEM and "/csat/" in m.body]
    status, answer = call(
        webhooks,
        api_event(
            "POST",
            "/chat/web/rating",
            resource="/chat/{inbox}/rating",
            body={"rating": 2},
            headers={"Authorization": f"Bearer {session['session_token']}"},
            path_params={"inbox": "web"},
        ),
    )
    assert status == 201, answer
    drain_stream(cloud)
    assert "csat_followup" in cloud.store.tickets.get(ticket_id).tags


def test_the_switch_turns_the_survey_off(cloud: Cloud, telegram: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from kefu.config import Env, get_settings

    monkeypatch.setenv(Env.CSAT_SURVEY, "false")
    get_settings.cache_clear()
    ticket_id = telegram_ticket(cloud, telegram, "hi", locale=None)
    resolve(cloud, ticket_id)
    cloud.run_sqs(outbound, cloud.outbound_url)
    assert Telegram.sent == []
    assert cloud.store.table.get(keys.csat_survey_of_ticket(ticket_id)) is None


def _expire(cloud: Cloud, key: keys.Key) -> None:
    """What 7 days do to an item: its TTL time is past (DynamoDB deletes it some time later)."""
    item = cloud.store.table.get(key)
    assert item is not None
    cloud.store.table.put({**item, keys.TTL_ATTRIBUTE: 1})


def test_an_expired_survey_is_gone_and_a_later_resolution_surveys_again_unless_rated(
    cloud: Cloud, telegram: str
) -> None:
    ticket_id = telegram_ticket(cloud, telegram, "hello", locale="en")
    resolve(cloud, ticket_id)
    cloud.run_sqs(outbound, cloud.outbound_url)
    first = LINK.search(Telegram.sent[-1]["text"]).group(1)  # type: ignore[union-attr]
    _expire(cloud, keys.csat_survey(token_hash(first)))
    _expire(cloud, keys.csat_survey_of_ticket(ticket_id))
    status, page = survey_call("GET", first)
    assert status == 404 and "expired" in page
    assert survey_call("POST", first, {"rating": "satisfied"})[0] == 404

    resolve(cloud, ticket_id, TicketStatus.IN_PROGRESS)
    resolve(cloud, ticket_id)
    cloud.run_sqs(outbound, cloud.outbound_url)
    assert len(Telegram.sent) == 2
    second = LINK.search(Telegram.sent[-1]["text"]).group(1)  # type: ignore[union-attr]
    assert second != first
    assert survey_call("POST", second, {"rating": "satisfied"})[0] == 200

    _expire(cloud, keys.csat_survey_of_ticket(ticket_id))
    resolve(cloud, ticket_id, TicketStatus.IN_PROGRESS)
    resolve(cloud, ticket_id)
    cloud.run_sqs(outbound, cloud.outbound_url)
    assert len(Telegram.sent) == 2  # rated: never surveyed again


def _executions(cloud: Cloud) -> list[str]:
    """The SLA timer executions the stream started (moto runs none of them)."""
    import boto3

    from kefu.config import get_settings

    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    listed = sfn.list_executions(stateMachineArn=get_settings().sla_state_machine_arn)["executions"]
    return sorted(e["name"] for e in listed)


def test_the_survey_counts_on_the_ticket_like_a_reply_without_reopening_it_or_restarting_its_clocks(
    cloud: Cloud, telegram: str
) -> None:
    ticket_id = telegram_ticket(cloud, telegram, "where is my parcel", locale="en")
    tickets.reply(cloud.store, AGENT, ticket_id, "It left the warehouse today.", internal=False)
    drain_stream(cloud)
    replied = cloud.store.tickets.get(ticket_id)
    assert replied.message_count == 2 and replied.last_message_preview == "It left the warehouse today."

    tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(status=TicketStatus.RESOLVED))
    resolved = cloud.store.tickets.get(ticket_id)
    timers = _executions(cloud)
    drain_stream(cloud)  # the survey, then the stream's own record of the ticket it counted on

    ticket = cloud.store.tickets.get(ticket_id)
    [survey] = [m for m in cloud.store.tickets.thread(ticket_id)[0] if m.author_type == AuthorType.SYSTEM]
    assert "/csat/" in survey.body
    assert ticket.message_count == resolved.message_count + 1 == 3
    assert ticket.last_message_preview == survey.body[:140] and ticket.last_message_at == survey.created_at
    assert ticket.version == resolved.version + 1 and ticket.updated_at == survey.created_at
    # still resolved, never reopened, and the clocks exactly as the resolution left them: no timer restarted
    assert ticket.status == TicketStatus.RESOLVED and ticket.resolved_at == resolved.resolved_at
    assert ticket.sla == resolved.sla and ticket.first_response_at == resolved.first_response_at
    assert _executions(cloud) == timers
    events = cloud.store.tickets.thread(ticket_id)[1]
    assert not [e for e in events if e.type in ("reopened", "status_changed") and e.created_at > resolved.updated_at]

    # the agent API shows it as it shows a reply: in the count and the preview of the resolved inbox
    status, listed = agent("GET", "/api/v1/tickets", query={"status": "resolved"})
    assert status == 200, listed
    [item] = [t for t in listed["items"] if t["id"] == ticket_id]
    assert (item["message_count"], item["last_message_preview"]) == (3, survey.body[:140])

    # sent once: the stream's record of the counted ticket surveys nobody again
    cloud.run_sqs(outbound, cloud.outbound_url)
    drain_stream(cloud)
    cloud.run_sqs(outbound, cloud.outbound_url)
    assert [m["text"] for m in Telegram.sent] == ["It left the warehouse today.", survey.body]


def test_a_survey_for_a_ticket_reopened_before_the_stream_reached_it_is_not_sent(cloud: Cloud, telegram: str) -> None:
    ticket_id = telegram_ticket(cloud, telegram, "where is my parcel", locale="en")
    drain_stream(cloud)
    tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(status=TicketStatus.RESOLVED))
    tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(status=TicketStatus.IN_PROGRESS))
    drain_stream(cloud)  # the resolution's record arrives with the ticket open again: its write is refused
    ticket = cloud.store.tickets.get(ticket_id)
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.message_count == 1
    assert cloud.store.table.get(keys.csat_survey_of_ticket(ticket_id)) is None
    assert not [m for m in cloud.store.tickets.thread(ticket_id)[0] if m.author_type == AuthorType.SYSTEM]
    cloud.run_sqs(outbound, cloud.outbound_url)
    assert Telegram.sent == []


def test_a_reopened_tickets_survey_is_not_open_until_it_is_resolved_again(cloud: Cloud, telegram: str) -> None:
    ticket_id = telegram_ticket(cloud, telegram, "我的订单还没有到", locale=None)
    resolve(cloud, ticket_id)
    cloud.run_sqs(outbound, cloud.outbound_url)
    token = LINK.search(Telegram.sent[-1]["text"]).group(1)  # type: ignore[union-attr]

    # the customer writes again: the ticket is reopened, and the link no longer takes an answer
    ingest_message(
        cloud.store,
        InboundMessage(
            channel="telegram",
            inbox="tg",
            provider_message_id="tg-2",
            conversation_key="telegram:tg:42",
            sender=Sender(channel="telegram", external_id="42", name="Wang"),
            text="还是没有收到",
            received_at=now_iso(),
        ),
    )
    drain_stream(cloud)
    reopened = cloud.store.tickets.get(ticket_id)
    assert reopened.status == TicketStatus.PENDING
    live = agent("GET", "/api/v1/metrics/live")[1]["csat"]

    status, page = survey_call("GET", token)
    assert status == 200 and "重新打开" in page and "reopened" in page and 'type="radio"' not in page
    status, answer = survey_call("POST", token, {"rating": "dissatisfied", "comment": "还没到"})
    assert status == 409 and "reopened" in answer["message"] and "resolved" in answer["message"], answer
    form = urllib.parse.urlencode({"rating": "satisfied"})
    status, page = survey_call("POST", token, form, {**FORM, "Accept-Language": "zh-CN,zh;q=0.9"})
    assert status == 409 and "重新打开" in page and "评价过" not in page, page
    # nothing changed: no rating, the same figures, the ticket as it was, no follow-up
    assert cloud.store.csat.get(ticket_id) is None
    assert agent("GET", "/api/v1/metrics/live")[1]["csat"] == live
    drain_stream(cloud)
    assert cloud.store.tickets.get(ticket_id) == reopened
    # a bad answer is still told what is wrong with it first
    status, answer = survey_call("POST", token, {"rating": "great"})
    assert status == 400 and "rating" in answer["message"], answer

    # resolved again while the survey is alive: no second link, and this one is open again
    resolve(cloud, ticket_id)
    cloud.run_sqs(outbound, cloud.outbound_url)
    assert len(Telegram.sent) == 1
    status, page = survey_call("GET", token)
    assert status == 200 and page.count('type="radio" name="rating"') == 4
    status, answer = survey_call("POST", token, {"rating": "satisfied"})
    assert status == 200 and answer["score"] == 4, answer

    # reopened after the answer: the rating stands, and the link says it was rated (not that it is closed)
    resolve(cloud, ticket_id, TicketStatus.IN_PROGRESS)
    assert cloud.store.csat.get(ticket_id).rating == 4  # type: ignore[union-attr]
    status, page = survey_call("GET", token)
    assert status == 200 and "评价过" in page
    status, answer = survey_call("POST", token, {"rating": "neutral"})
    assert status == 409 and "rated already" in answer["message"], answer


def test_a_closed_tickets_survey_still_takes_its_answer(cloud: Cloud, telegram: str) -> None:
    ticket_id = telegram_ticket(cloud, telegram, "hello", locale="en")
    resolve(cloud, ticket_id)
    cloud.run_sqs(outbound, cloud.outbound_url)
    token = LINK.search(Telegram.sent[-1]["text"]).group(1)  # type: ignore[union-attr]
    resolve(cloud, ticket_id, TicketStatus.CLOSED)
    status, answer = survey_call("POST", token, {"rating": "neutral"})
    assert status == 200 and answer["score"] == 3, answer


@pytest.mark.parametrize(
    ("meanwhile", "outcome"),
    [
        (tickets.TicketChanges(tags=["late"]), "csat_survey_sent"),  # changed, still resolved: written on top
        (tickets.TicketChanges(status=TicketStatus.IN_PROGRESS), "csat_not_resolved"),  # reopened: nothing
    ],
)
def test_a_ticket_changed_between_the_surveys_read_and_write_is_read_again(
    cloud: Cloud, telegram: str, monkeypatch: pytest.MonkeyPatch, meanwhile: tickets.TicketChanges, outcome: str
) -> None:
    from kefu.services import csat

    ticket_id = telegram_ticket(cloud, telegram, "where is my parcel", locale="en")
    tickets.update_ticket(cloud.store, AGENT, ticket_id, tickets.TicketChanges(status=TicketStatus.RESOLVED))
    resolved = cloud.store.tickets.get(ticket_id)
    checked = cloud.store.csat.surveyed

    def an_agent_acts_meanwhile(tid: str) -> bool:  # after the survey read the ticket, before it writes
        tickets.update_ticket(cloud.store, AGENT, ticket_id, meanwhile)
        return checked(tid)

    monkeypatch.setattr(cloud.store.csat, "surveyed", an_agent_acts_meanwhile)
    assert csat.send_survey(cloud.store, resolved) == outcome

    ticket = cloud.store.tickets.get(ticket_id)
    surveys = [m for m in cloud.store.tickets.thread(ticket_id)[0] if m.author_type == AuthorType.SYSTEM]
    if outcome == "csat_survey_sent":  # the agent's change kept, the survey counted on top of it
        assert ticket.tags == ["late"] and ticket.status == TicketStatus.RESOLVED
        assert len(surveys) == 1 and ticket.message_count == 2 and ticket.version == resolved.version + 2
    else:
        assert ticket.status == TicketStatus.IN_PROGRESS and ticket.message_count == 1 and surveys == []
        assert cloud.store.table.get(keys.csat_survey_of_ticket(ticket_id)) is None
