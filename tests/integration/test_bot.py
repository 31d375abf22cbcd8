"""The bot through the real handlers: web chat -> ingest -> stream -> bot queue -> bot function -> the reply
on the customer's conversation, or a handoff into routing's queue; search on the OpenSearch-compatible server."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.handler import lambda_handler as ingest
from kefu.knowledge.bot import DEFAULT_THRESHOLD, BotMode, BotSettings
from kefu.knowledge.models import ArticleFields
from kefu.services import knowledge
from local.demo.kb import demo_articles
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import agent, read_chat, say, start_chat
from tests.integration.test_knowledge import kb, search_server  # noqa: F401 - fixtures
from tests.support.aws_events import agent_claims

SLUGS = ("refund-timing", "order-tracking", "reset-password", "invoice")


@pytest.fixture
def bot_cloud(kb: Cloud) -> Cloud:  # noqa: F811 - the fixture imported above
    wanted = [ArticleFields.model_validate(f) for key, f in demo_articles() if key.split("/")[0] in SLUGS]
    knowledge.import_fields(kb.store, wanted)
    knowledge.reindex(kb.store, knowledge.article_index())
    kb.run_stream(stream)  # the articles' own stream records, out of the way
    kb.store.knowledge.save_bot_settings("web", BotSettings(mode=BotMode.ALWAYS, max_turns=3))
    return kb


def bot_handler() -> Any:
    from bot.handler import lambda_handler

    return lambda_handler


def turn(cloud: Cloud, token: str, text: str) -> None:
    """One customer message all the way: stored, handed to the bot, decided, the answer sent."""
    from outbound.handler import lambda_handler as outbound

    assert say(token, text)[0] == 202
    assert cloud.run_sqs(ingest, cloud.inbound_url)["batchItemFailures"] == []
    assert cloud.run_stream(stream)["batchItemFailures"] == []
    assert cloud.run_sqs(bot_handler(), cloud.bot_url)["batchItemFailures"] == []
    assert cloud.run_stream(stream)["batchItemFailures"] == []
    cloud.run_sqs(outbound, cloud.outbound_url)


def conversation(token: str) -> list[tuple[str, str]]:
    status, page = read_chat(token)
    assert status == 200
    return [(m["author_type"], m["body"]) for m in page["items"]]


def ticket_view(ticket_id: str) -> dict[str, Any]:
    status, body = agent("GET", f"/api/v1/tickets/{ticket_id}")
    assert status == 200, body
    return body


def events_of(ticket: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in ticket["events"] if e["type"] == kind]


def test_a_common_question_is_answered_and_a_yes_resolves_it(bot_cloud: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "退款审核通过了，钱多久能到账？")
    said = conversation(token)
    assert said[-1][0] == "bot" and "这解决您的问题了吗" in said[-1][1] and "article=" in said[-1][1]
    ticket = ticket_view(ticket_id)
    assert ticket["bot_active"] is True and ticket["assignee"] is None
    team = ticket["team"] or "general"
    assert ticket_id not in [e.ticket_id for e in bot_cloud.store.routing.queue_head(team, "chat", 10)]
    (answered,) = events_of(ticket, "bot_answered")
    assert answered["data"]["confidence"] >= DEFAULT_THRESHOLD

    turn(bot_cloud, token, "是的，谢谢")
    ticket = ticket_view(ticket_id)
    assert ticket["status"] == "resolved" and ticket["bot_active"] is False
    assert events_of(ticket, "bot_resolved") and not events_of(ticket, "handoff")


def test_asking_for_a_person_hands_over_with_the_history(bot_cloud: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "How do I get an invoice for my company?")
    turn(bot_cloud, token, "转人工")
    ticket = ticket_view(ticket_id)
    (handoff,) = events_of(ticket, "handoff")
    assert handoff["data"]["reason"] == "requested" and ticket["bot_active"] is False
    bodies = [m["body"] for m in ticket["messages"]]
    assert "How do I get an invoice for my company?" in bodies and "转人工" in bodies  # the agent sees it all
    assert ticket["status"] == "pending"
    team = ticket["team"] or "general"
    assert ticket_id in [entry.ticket_id for entry in bot_cloud.store.routing.queue_head(team, "chat", 10)]


def test_low_confidence_hands_over_and_is_listed_for_writers(bot_cloud: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "我家的猫今天不吃猫粮怎么办")
    ticket = ticket_view(ticket_id)
    (handoff,) = events_of(ticket, "handoff")
    assert handoff["data"]["reason"] == "low_confidence"
    status, gaps = agent("GET", "/api/v1/admin/kb/unanswered", claims=agent_claims(groups="[supervisor]"))
    assert status == 200 and "我家的猫今天不吃猫粮怎么办" in [g["question"] for g in gaps["items"]]


def test_the_turn_limit_hands_over(bot_cloud: Cloud) -> None:
    bot_cloud.store.knowledge.save_bot_settings("web", BotSettings(mode=BotMode.ALWAYS, max_turns=1))
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "我的快递到哪了")
    turn(bot_cloud, token, "忘记密码怎么办")
    ticket = ticket_view(ticket_id)
    assert len(events_of(ticket, "bot_answered")) == 1
    assert [e["data"]["reason"] for e in events_of(ticket, "handoff")] == ["turn_limit"]


def test_a_no_hands_over(bot_cloud: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "Where is my parcel?")
    turn(bot_cloud, token, "no")
    ticket = ticket_view(ticket_id)
    assert [e["data"]["reason"] for e in events_of(ticket, "handoff")] == ["not_solved"]


def test_the_bot_is_silent_once_an_agent_replied(bot_cloud: Cloud) -> None:
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "我的快递到哪了")
    status, _ = agent("POST", f"/api/v1/tickets/{ticket_id}/messages", {"body": "您好，我来帮您查一下。"})
    assert status == 201
    bot_cloud.run_stream(stream)
    turn(bot_cloud, token, "发票怎么开")
    ticket = ticket_view(ticket_id)
    bot_messages = [m for m in ticket["messages"] if m["author_type"] == "bot"]
    assert len(bot_messages) == 1, "nothing from the bot after the agent's reply"
    assert ticket["bot_active"] is False


def test_the_same_job_twice_is_decided_once(bot_cloud: Cloud) -> None:
    from kefu.services import bot

    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "我的快递到哪了")
    message_id = next(m["id"] for m in ticket_view(ticket_id)["messages"] if m["author_type"] == "customer")
    again = bot.decide(
        bot_cloud.store, knowledge.article_index(), bot.BotJob(ticket_id=ticket_id, message_id=message_id)
    )
    assert again.action == "ignored"
    assert len(events_of(ticket_view(ticket_id), "bot_answered")) == 1


def test_an_inbox_without_a_bot_routes_as_before(bot_cloud: Cloud) -> None:
    bot_cloud.store.knowledge.save_bot_settings("web", BotSettings(mode=BotMode.OFF))
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "我的快递到哪了")
    ticket = ticket_view(ticket_id)
    assert ticket["bot_active"] is False and not events_of(ticket, "bot_answered")
    team = ticket["team"] or "general"
    assert ticket_id in [entry.ticket_id for entry in bot_cloud.store.routing.queue_head(team, "chat", 10)]
    assert [a for a, _ in conversation(token)].count("bot") == 0


def test_the_days_figures_count_the_bots_decisions_and_votes(bot_cloud: Cloud) -> None:
    token, _ = (s := start_chat())["session_token"], s["ticket_id"]
    turn(bot_cloud, token, "退款审核通过了，钱多久能到账？")
    turn(bot_cloud, token, "是的")
    other = start_chat()["session_token"]
    turn(bot_cloud, other, "转人工")
    article = next(a for a in bot_cloud.store.knowledge.all() if a.visibility == "public")
    knowledge.vote(bot_cloud.store, article.id, True)
    knowledge.vote(bot_cloud.store, article.id, False)
    bot_cloud.run_stream(stream)

    status, live = agent("GET", "/api/v1/metrics/live")
    assert status == 200, live
    day = live["kb"]
    assert (day["bot_conversations"], day["bot_answers"], day["bot_resolved_confirmed_by_customer"]) == (2, 1, 1)
    assert day["bot_handoffs"] == 1 and day["bot_handoffs_by_reason"]["requested"] == 1
    assert (day["bot_resolution_rate"], day["handoff_rate"]) == (0.5, 0.5)
    assert (day["helpful_votes"], day["not_helpful_votes"], day["helpful_share"]) == (1, 1, 0.5)


def test_generative_answers_when_an_installation_turns_them_on(
    bot_cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bedrock is the one paid dependency: stubbed (botocore Stubber) in the real client the bot uses."""
    import boto3
    from botocore.stub import ANY, Stubber

    from kefu import aws
    from kefu.config import Env, get_settings

    monkeypatch.setenv(Env.BOT_GENERATIVE_MODEL_ID, "anthropic.claude-3-haiku-20240307-v1:0")
    get_settings.cache_clear()
    bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")
    aws.set_client("bedrock-runtime", bedrock)
    answer = {
        "output": {"message": {"role": "assistant", "content": [{"text": "微信、支付宝 1-3 个工作日到账 [1]。"}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
        "metrics": {"latencyMs": 1},
    }
    with Stubber(bedrock) as stub:
        stub.add_response("converse", answer, {"modelId": ANY, "system": ANY, "messages": ANY, "inferenceConfig": ANY})
        session = start_chat()
        token, ticket_id = session["session_token"], session["ticket_id"]
        turn(bot_cloud, token, "退款审核通过了，钱多久能到账？")
        stub.assert_no_pending_responses()
    said = conversation(token)[-1][1]
    assert said.startswith("微信、支付宝 1-3 个工作日到账 [1]") and "article=" in said and "这解决您的问题了吗" in said
    (answered,) = events_of(ticket_view(ticket_id), "bot_answered")
    assert answered["data"]["generated"] is True and answered["data"]["cited"]


def test_a_resolution_is_withdrawn_when_the_ticket_reopens_or_a_person_replies(bot_cloud: Cloud) -> None:
    """The honest rate (docs/metrics.md): the customer's yes counts until the ticket is reopened, a person
    replies on it, or the customer comes back within 7 days."""
    reopened = start_chat()["session_token"]
    turn(bot_cloud, reopened, "退款审核通过了，钱多久能到账？")
    turn(bot_cloud, reopened, "是的")
    replied = start_chat()
    turn(bot_cloud, replied["session_token"], "How do I get an invoice for my company?")
    turn(bot_cloud, replied["session_token"], "yes thanks")
    bot_cloud.run_stream(stream)
    assert agent("GET", "/api/v1/metrics/live")[1]["kb"]["bot_resolved_confirmed_by_customer"] == 2

    turn(bot_cloud, reopened, "还是没收到钱")  # the customer writes again: the ticket reopens (to a person)
    status, _ = agent("POST", f"/api/v1/tickets/{replied['ticket_id']}/messages", {"body": "We emailed the invoice."})
    assert status == 201
    bot_cloud.run_stream(stream)
    day = agent("GET", "/api/v1/metrics/live")[1]["kb"]
    assert day["bot_resolved_confirmed_by_customer"] == 0
    assert day["bot_resolutions_withdrawn"] == {"reopened": 1, "human_replied": 1, "customer_returned": 0}
    assert day["bot_resolution_rate"] == 0.0


def test_a_resolution_is_withdrawn_when_the_customer_comes_back_within_7_days(bot_cloud: Cloud) -> None:
    from kefu.clock import new_id, now_iso
    from kefu.models import TicketStatus
    from kefu.services import bot
    from kefu.store import Transaction
    from kefu.store.table import to_av

    first = start_chat()
    turn(bot_cloud, first["session_token"], "我的快递到哪了")
    turn(bot_cloud, first["session_token"], "好的，谢谢")
    bot_cloud.run_stream(stream)
    resolved = bot_cloud.store.tickets.get(first["ticket_id"])
    assert resolved.bot_resolved_at and resolved.status == "resolved"
    # the same customer opens a new ticket (on any channel): its stream record is what the stream reads
    stamp = now_iso()
    again = resolved.model_copy(
        update={
            "id": new_id(),
            "status": TicketStatus.PENDING,
            "bot_resolved_at": None,
            "created_at": stamp,
            "updated_at": stamp,
            "version": 0,
        }
    )
    tx = Transaction()
    bot_cloud.store.tickets.add_ticket(tx, again, expected_version=None)
    bot_cloud.store.tickets.commit(tx)
    image = to_av({**again.model_dump(mode="json"), "entity": "ticket"})
    assert bot.count_from_stream(bot_cloud.store, "INSERT", image) == "bot_resolution_withdrawn_customer_returned"
    day = agent("GET", "/api/v1/metrics/live")[1]["kb"]
    assert day["bot_resolutions_withdrawn"]["customer_returned"] == 1 and day["bot_resolved_confirmed_by_customer"] == 0
