"""The bot on night duty and the seeded night-duty rule through the real handlers (web chat -> ingest ->
stream -> bot function -> outbound, on moto): a new ticket at night gets one answer, the bot's; when the bot
hands the conversation to people at night, the customer is told once when the team is back; by day nothing of
that happens; without a bot the night rule answers the new ticket itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from kefu.auth import Caller
from kefu.clock import now
from kefu.knowledge.bot import BotMode, BotSettings
from kefu.routing.queue import Shift, Team
from kefu.routing.rules import BusinessHours, written
from kefu.services import routing
from tests.integration.conftest import Cloud
from tests.integration.test_bot import bot_cloud, conversation, events_of, ticket_view, turn
from tests.integration.test_chat_flow import start_chat
from tests.integration.test_knowledge import kb, search_server

__all__ = ["bot_cloud", "kb", "search_server"]  # fixtures bot_cloud needs

ADMIN = Caller(id="admin-1", roles=["admin"])


def hours_from(start: timedelta, end: timedelta) -> BusinessHours:
    """Every day from now + ``start`` to now + ``end`` (UTC, to the minute)."""
    moment = now()
    opens = (moment + start).time().replace(second=0, microsecond=0)
    closes = (moment + end).time().replace(second=0, microsecond=0)
    return BusinessHours(timezone="UTC", opens=opens, closes=closes)


def night(cloud: Cloud, mode: BotMode) -> datetime:
    """Outside the business hours and the general team's only shift (both open in two hours); the web inbox's
    bot in ``mode``. Answers when the team is back."""
    later = hours_from(timedelta(hours=2), timedelta(hours=3))
    routing.admin_save_business_hours(cloud.store, ADMIN, later)
    team = Team(
        id="general", name="General", calendar=later, shifts=[Shift(name="day", opens=later.opens, closes=later.closes)]
    )
    routing.admin_save_team(cloud.store, ADMIN, team)
    cloud.store.knowledge.save_bot_settings("web", BotSettings(mode=mode, max_turns=3))
    return team.next_opening(now())


def authors(token: str) -> list[str]:
    return [author for author, _ in conversation(token)]


def test_at_night_the_bot_answers_alone_and_its_handoff_says_once_when_the_team_is_back(bot_cloud: Cloud) -> None:
    opening = night(bot_cloud, BotMode.NIGHT)
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "我的快递到哪了")
    assert authors(token) == ["customer", "bot"]  # one answer: the bot's, no night notice beside it
    assert ticket_view(ticket_id)["bot_active"] is True

    turn(bot_cloud, token, "转人工")
    said = conversation(token)
    assert [author for author, _ in said] == ["customer", "bot", "customer", "bot", "system"]
    handoff_notice, night_notice = said[-2][1], said[-1][1]
    assert "转接人工客服" in handoff_notice
    assert night_notice.startswith("您好，现在是非工作时间") and written(opening, "UTC", "zh-CN") in night_notice
    ticket = ticket_view(ticket_id)
    assert ticket["bot_active"] is False and [e["data"]["reason"] for e in events_of(ticket, "handoff")] == [
        "requested"
    ]
    (applied,) = [e["data"] for e in events_of(ticket, "rule_applied") if e["data"]["rule_id"] == "night_duty"]
    assert applied["trigger"] == "handoff" and applied["auto_reply"] is True
    assert ticket_id in [e.ticket_id for e in bot_cloud.store.routing.queue_head("general", "chat", 10)]

    turn(bot_cloud, token, "还在吗？")  # a follow-up: the promise is not made again
    assert authors(token).count("system") == 1 and authors(token)[-1] == "customer"


def test_the_handoff_at_night_is_in_the_customers_language_whatever_the_reason(bot_cloud: Cloud) -> None:
    opening = night(bot_cloud, BotMode.ALWAYS)
    bot_cloud.store.knowledge.save_bot_settings("web", BotSettings(mode=BotMode.ALWAYS, max_turns=1))
    session = start_chat()
    token = session["session_token"]
    turn(bot_cloud, token, "Where is my parcel?")
    turn(bot_cloud, token, "How do I reset my password?")  # the turn limit
    said = conversation(token)
    assert [author for author, _ in said] == ["customer", "bot", "customer", "bot", "system"]
    assert said[-1][1].endswith(f"as soon as we are back: {written(opening, 'UTC', 'en')}.")
    reasons = [e["data"]["reason"] for e in events_of(ticket_view(session["ticket_id"]), "handoff")]
    assert reasons == ["turn_limit"]


def test_by_day_the_handoff_says_nothing_more(bot_cloud: Cloud) -> None:
    day = hours_from(-timedelta(hours=1), timedelta(hours=1))
    routing.admin_save_business_hours(bot_cloud.store, ADMIN, day)
    shift = Shift(name="day", opens=day.opens, closes=day.closes)  # the general team's shift runs now
    routing.admin_save_team(bot_cloud.store, ADMIN, Team(id="general", name="General", calendar=day, shifts=[shift]))
    bot_cloud.store.knowledge.save_bot_settings("web", BotSettings(mode=BotMode.ALWAYS, max_turns=3))
    token = start_chat()["session_token"]
    turn(bot_cloud, token, "我的快递到哪了")
    turn(bot_cloud, token, "转人工")
    assert authors(token) == ["customer", "bot", "customer", "bot"]  # the team works: no notice


def test_in_business_hours_the_night_bot_stays_out(bot_cloud: Cloud) -> None:
    routing.admin_save_business_hours(bot_cloud.store, ADMIN, hours_from(-timedelta(hours=1), timedelta(hours=1)))
    bot_cloud.store.knowledge.save_bot_settings("web", BotSettings(mode=BotMode.NIGHT))
    session = start_chat()
    turn(bot_cloud, session["session_token"], "我的快递到哪了")
    assert authors(session["session_token"]) == ["customer"]  # no bot, and the team works: no notice
    assert ticket_view(session["ticket_id"])["bot_active"] is False


def test_without_a_bot_the_night_rule_answers_the_new_ticket_once(bot_cloud: Cloud) -> None:
    opening = night(bot_cloud, BotMode.OFF)
    session = start_chat()
    token = session["session_token"]
    turn(bot_cloud, token, "我的快递到哪了")
    said = conversation(token)
    assert [author for author, _ in said] == ["customer", "system"]
    assert written(opening, "UTC", "zh-CN") in said[-1][1]
    turn(bot_cloud, token, "在吗")
    assert authors(token) == ["customer", "system", "customer"]
