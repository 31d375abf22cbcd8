"""The bot on night duty and the seeded night-duty rule through the real handlers (web chat -> ingest ->
stream -> bot function -> outbound, on moto): a new ticket at night gets one answer, the bot's; when the bot
hands the conversation to people at night, the customer gets one message, which says when the team is back
(night duty's, else the bot's own after-hours notice), never "a person now" beside it; by day the bot's handoff
line is as ever; without a bot the night rule answers the new ticket itself; and the bot's night mode and night
duty go by the same hours, the ticket's team's (kefu.routing.rules.team_works)."""

from __future__ import annotations

from datetime import datetime, timedelta

from kefu.auth import Caller
from kefu.clock import now
from kefu.knowledge.bot import TEXT, BotMode, BotSettings
from kefu.routing.queue import Shift, Team
from kefu.routing.rules import BusinessHours, default_rules, written
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
    # one message at the handoff, night duty's: no "正在为您转接人工客服" promising a person now beside it
    assert [author for author, _ in said] == ["customer", "bot", "customer", "system"]
    night_notice = said[-1][1]
    assert night_notice.startswith("您好，现在是非工作时间") and written(opening, "UTC", "zh-CN") in night_notice
    assert not any("转接人工客服" in body for _, body in said)
    ticket = ticket_view(ticket_id)
    assert ticket["bot_active"] is False
    (handoff,) = events_of(ticket, "handoff")
    assert handoff["data"]["reason"] == "requested" and handoff["data"]["after_hours"] == "rule_reply"
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
    assert [author for author, _ in said] == ["customer", "bot", "customer", "system"]
    assert said[-1][1].endswith(f"as soon as we are back: {written(opening, 'UTC', 'en')}.")
    assert TEXT["en"]["handoff"] not in [body for _, body in said]
    reasons = [e["data"]["reason"] for e in events_of(ticket_view(session["ticket_id"]), "handoff")]
    assert reasons == ["turn_limit"]


def test_by_day_the_handoff_says_nothing_more(bot_cloud: Cloud) -> None:
    day = hours_from(-timedelta(hours=1), timedelta(hours=1))
    routing.admin_save_business_hours(bot_cloud.store, ADMIN, day)
    shift = Shift(name="day", opens=day.opens, closes=day.closes)  # the general team's shift runs now
    routing.admin_save_team(bot_cloud.store, ADMIN, Team(id="general", name="General", calendar=day, shifts=[shift]))
    bot_cloud.store.knowledge.save_bot_settings("web", BotSettings(mode=BotMode.ALWAYS, max_turns=3))
    session = start_chat()
    token, ticket_id = session["session_token"], session["ticket_id"]
    turn(bot_cloud, token, "我的快递到哪了")
    turn(bot_cloud, token, "转人工")
    assert authors(token) == ["customer", "bot", "customer", "bot"]  # the team works: no notice
    assert conversation(token)[-1][1] == TEXT["zh-CN"]["handoff"]  # the bot's handoff line, as ever
    (handoff,) = events_of(ticket_view(ticket_id), "handoff")
    assert "after_hours" not in handoff["data"]


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


def without_night_duty(cloud: Cloud) -> None:
    (night_duty,) = [spec for spec in default_rules() if spec.id == "night_duty"]
    routing.admin_save_rule(cloud.store, ADMIN, night_duty.model_copy(update={"enabled": False}))


def test_at_night_without_a_rule_answering_the_bot_itself_says_when_the_team_is_back(bot_cloud: Cloud) -> None:
    """Night duty switched off: no rule answers the handoff, so the bot's own notice is the one message, and it
    says when the team is back instead of promising a person now, in the customer's language."""
    opening = night(bot_cloud, BotMode.NIGHT)
    without_night_duty(bot_cloud)
    for text, locale in (("转人工", "zh-CN"), ("I want to talk to a human", "en")):
        session = start_chat()
        token = session["session_token"]
        turn(bot_cloud, token, text)
        said = conversation(token)
        assert [author for author, _ in said] == ["customer", "bot"]
        assert said[-1][1] == TEXT[locale]["handoff_after_hours"].format(back_at=written(opening, "UTC", locale))
        (handoff,) = events_of(ticket_view(session["ticket_id"]), "handoff")
        assert handoff["data"]["after_hours"] == "bot_notice"


DAY, LATER = (-timedelta(hours=1), timedelta(hours=1)), (timedelta(hours=2), timedelta(hours=3))


def hours_and_team(cloud: Cloud, business: tuple[timedelta, timedelta], team: tuple[timedelta, timedelta]) -> None:
    """The rule set's business hours and the general team's one shift, each from now + start to now + end."""
    routing.admin_save_business_hours(cloud.store, ADMIN, hours_from(*business))
    calendar = hours_from(*team)
    shift = Shift(name="day", opens=calendar.opens, closes=calendar.closes)
    routing.admin_save_team(cloud.store, ADMIN, Team(id="general", name="General", calendar=calendar, shifts=[shift]))
    cloud.store.knowledge.save_bot_settings("web", BotSettings(mode=BotMode.NIGHT))


def test_the_night_bot_and_night_duty_go_by_the_teams_own_schedule(bot_cloud: Cloud) -> None:
    """The business hours say open, the general team's schedule says closed: the team's hours decide for both,
    so the night bot answers the new ticket and night duty waits for its handoff (before, the bot stayed out by
    the business hours while night duty answered the new ticket by the team's)."""
    hours_and_team(bot_cloud, business=DAY, team=LATER)
    session = start_chat()
    token = session["session_token"]
    turn(bot_cloud, token, "我的快递到哪了")
    assert authors(token) == ["customer", "bot"] and ticket_view(session["ticket_id"])["bot_active"] is True
    turn(bot_cloud, token, "转人工")
    assert authors(token) == ["customer", "bot", "customer", "system"]  # night duty's notice alone


def test_while_the_team_works_the_night_bot_stays_out_whatever_the_business_hours(bot_cloud: Cloud) -> None:
    """Business hours closed, the general team's shift running: no bot (before, it answered by the business
    hours), and no night notice."""
    hours_and_team(bot_cloud, business=LATER, team=DAY)
    session = start_chat()
    turn(bot_cloud, session["session_token"], "我的快递到哪了")
    assert authors(session["session_token"]) == ["customer"]  # the team works: neither the bot nor a notice
    assert ticket_view(session["ticket_id"])["bot_active"] is False


def test_for_a_team_without_a_schedule_the_night_bot_and_night_duty_agree_it_works(bot_cloud: Cloud) -> None:
    """Outside the business hours, but the ticket's team has no schedule: routing assigns its tickets at any
    hour, night duty never calls it closed, and the night bot stays out too (before, it answered by the
    business hours and then handed over with nothing to say about hours)."""
    routing.admin_save_business_hours(bot_cloud.store, ADMIN, hours_from(timedelta(hours=2), timedelta(hours=3)))
    bot_cloud.store.knowledge.save_bot_settings("web", BotSettings(mode=BotMode.NIGHT))
    session = start_chat()
    turn(bot_cloud, session["session_token"], "我的快递到哪了")
    assert authors(session["session_token"]) == ["customer"]
    assert ticket_view(session["ticket_id"])["bot_active"] is False
