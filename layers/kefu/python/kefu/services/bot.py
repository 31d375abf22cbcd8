"""The bot: answers a customer from the knowledge base, or hands the ticket to routing with the history.

Where it runs: ingest only stores the message (marking it ``for_bot`` when the ticket is the bot's); the stream
puts a job on the bot's FIFO queue (one group per ticket, deduplicated by message id), and the bot function
decides. So the bot never delays accepting a message, a failed decision is retried and then kept in the
DLQ, and a ticket's messages are judged in order.

Every decision is one transaction on the ticket, conditioned on the version it read: an agent's reply or
an assignment that lands meanwhile makes it read again, and then the bot stays silent. A handoff clears
``bot_active`` and puts the ticket in its team's queue in the same transaction, so routing assigns it at
once; the agent sees the whole conversation, bot answers included.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from kefu import aws
from kefu.clock import new_id, now_iso
from kefu.config import get_settings
from kefu.errors import retry_on_concurrent_update
from kefu.knowledge import markdown
from kefu.knowledge.bot import (
    Answer,
    BotMode,
    Feedback,
    asks_for_human,
    confidence,
    feedback,
    language_of,
    takes_new_ticket,
)
from kefu.models import (
    ASKS_SOLVED,
    OPEN_STATUSES,
    AuthorType,
    Message,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from kefu.store import Store, Transaction

if TYPE_CHECKING:
    from kefu.knowledge.search import ArticleIndex

ANSWERED = "bot_answered"
HANDOFF = "handoff"
RESOLVED = "bot_resolved"
DECISIONS = (ANSWERED, HANDOFF, RESOLVED)


class BotJob(BaseModel):
    ticket_id: str
    message_id: str


def enqueue(job: BotJob) -> None:
    """FIFO: one group per ticket (its messages judged in order), deduplicated by the message."""
    aws.client("sqs").send_message(
        QueueUrl=get_settings().bot_queue_url,
        MessageBody=job.model_dump_json(),
        MessageGroupId=job.ticket_id,
        MessageDeduplicationId=job.message_id,
    )


def bot_takes(store: Store, inbox: str, *, team_works: Callable[[], bool]) -> bool:
    """Whether a new ticket of ``inbox`` starts with the bot (its settings; night duty while the ticket's team
    does not work). ``team_works`` is asked only for night duty (it runs the rules for the ticket's team, and a
    schedule costs a time-zone lookup); it is the notion of open night duty's rule has
    (``kefu.services.routing.team_works_on``)."""
    settings = store.knowledge.bot_settings(inbox)
    if settings.mode == BotMode.OFF:
        return False
    return takes_new_ticket(settings, team_works=settings.mode == BotMode.NIGHT and team_works())


@dataclass(frozen=True)
class Decision:
    action: str  # answered | handoff | resolved | silent | ignored
    reason: str = ""
    article_id: str | None = None
    confidence: float | None = None


def decide(store: Store, index: ArticleIndex, job: BotJob, *, help_base_url: str = "") -> Decision:
    return retry_on_concurrent_update(lambda: _decide(store, index, job, help_base_url))


def _decide(store: Store, index: ArticleIndex, job: BotJob, help_base_url: str) -> Decision:
    ticket = store.tickets.get(job.ticket_id)
    messages, events = store.tickets.thread(ticket.id)
    if any(e.type in DECISIONS and e.data.get("message_id") == job.message_id for e in events):
        return Decision("ignored", "already_decided")  # the same job delivered twice
    message = next((m for m in messages if m.id == job.message_id), None)
    if message is None or message.author_type != AuthorType.CUSTOMER:
        return Decision("ignored", "no_such_message")
    if not ticket.bot_active:
        return Decision("silent", "not_the_bots")
    human = ticket.assignee is not None or any(m.author_type == AuthorType.AGENT for m in messages)
    if human:  # a person has the ticket: the bot never speaks again on it
        _commit(store, ticket, stamp=now_iso(), bot_active=False)
        return Decision("silent", "human_took_it")

    settings = store.knowledge.bot_settings(ticket.inbox)
    text = message.body.strip()
    locale = language_of(text, settings.locale)
    earlier = [m for m in messages if m.created_at < message.created_at or m.id == message.id]
    bot_turns = [e for e in events if e.type == ANSWERED]
    last_bot = next((m for m in reversed(earlier) if m.author_type == AuthorType.BOT), None)
    awaiting_feedback = last_bot is not None and bool(bot_turns) and bot_turns[-1].data.get("reply_id") == last_bot.id

    if asks_for_human(text):
        return _handoff(store, ticket, message, locale, "requested")
    if awaiting_feedback:
        said = feedback(text)
        if said == Feedback.SOLVED:
            return _resolve(store, ticket, message, locale, bot_turns[-1].data.get("article_id"))
        if said == Feedback.NOT_SOLVED:
            return _handoff(store, ticket, message, locale, "not_solved")
    if len(bot_turns) >= settings.max_turns:
        return _handoff(store, ticket, message, locale, "turn_limit")
    if not text:
        return _handoff(store, ticket, message, locale, "low_confidence")
    ordered = _order_answer(store, ticket, message, text, locale, bot_turns, earlier)
    if ordered is not None:
        return ordered

    scored = scored_answers(index, text, locale)
    best = scored[0] if scored else None
    if best is None or best[1] < settings.threshold:
        from kefu.services.knowledge import record_gap

        record_gap(store, text, locale=locale, ticket_id=ticket.id, best=best[0] if best else None, source="bot")
        return _handoff(store, ticket, message, locale, "low_confidence", score=best[1] if best else 0.0)
    hit, score, source = best
    answer = Answer(
        article_id=hit.id,
        title=hit.title,
        summary=markdown.summary(source.get("body", ""), 220),
        link=article_link(help_base_url, hit.id, locale),
    )
    generated = _generated(text, locale, scored, settings.threshold, help_base_url)
    stamp = now_iso()
    reply = _bot_message(ticket, generated[0] if generated else answer.text(locale), stamp)
    reply.kind = ASKS_SOLVED  # the widget shows the question as a card with its two answers
    event = _event(
        ticket,
        ANSWERED,
        stamp,
        {
            **({"generated": True, "cited": generated[1]} if generated else {}),
            "message_id": message.id,
            "reply_id": reply.id,
            "article_id": hit.id,
            "confidence": score,
            "turn": len(bot_turns) + 1,
        },
    )
    _commit(store, ticket, stamp=stamp, messages=[reply], events=[event])
    return Decision("answered", article_id=hit.id, confidence=score)


ASKED_ORDER_NUMBER = "asked_number"


def _order_answer(
    store: Store,
    ticket: Ticket,
    message: Message,
    text: str,
    locale: str,
    bot_turns: list[TicketEvent],
    earlier: list[Message],
) -> Decision | None:
    """Where is my order: the order system's answer (docs/orders.md), or None when this is no order question or
    the installation has no order system (the knowledge base answers then, as for any question)."""
    from kefu.errors import OrderSystemUnavailable
    from kefu.orders import intent
    from kefu.orders.connector import configured
    from kefu.services import orders

    numbers = intent.order_numbers(text)
    asked_number = bool(bot_turns) and bot_turns[-1].data.get("orders") == ASKED_ORDER_NUMBER
    if not (intent.asks_about_order(text) or (asked_number and numbers)):
        return None
    connector = configured()
    if connector is None:
        return None
    if asked_number and not intent.asks_about_order(text):  # "KF10001" alone: the language asked in before
        before = [m for m in earlier if m.author_type == AuthorType.CUSTOMER and m.id != message.id]
        locale = language_of(before[-1].body, locale) if before else locale
    customer = store.customers.find(ticket.customer_id) if ticket.customer_id else None
    keys = orders.contact_keys(store, customer) if customer else orders.ContactKeys((), ())
    try:
        found = orders.lookup(connector, keys, numbers, orders.BOT_LIMIT)
    except OrderSystemUnavailable:
        return _handoff(
            store, ticket, message, locale, "orders_unavailable", notice=lambda back: intent.unavailable(locale, back)
        )
    stamp = now_iso()
    reply = _bot_message(ticket, intent.answer(found, locale) if found else intent.not_found(numbers, locale), stamp)
    event = _event(
        ticket,
        ANSWERED,
        stamp,
        {
            "message_id": message.id,
            "reply_id": reply.id,
            "orders": [o.order_number for o in found] if found else ASKED_ORDER_NUMBER,
            "turn": len(bot_turns) + 1,
        },
    )
    _commit(store, ticket, stamp=stamp, messages=[reply], events=[event])
    return Decision("answered", "orders" if found else "orders_not_found")


def scored_answers(index: ArticleIndex, text: str, locale: str | None) -> list[tuple[Any, float, dict[str, Any]]]:
    """BM25's three best public articles with their confidence, most confident first (BM25 order breaks ties)."""
    # imported here: ingest (bot_takes) and the stream (count_from_stream) never search; the bot function has
    # both modules from kefu.services.knowledge at init
    from kefu.knowledge.models import Visibility
    from kefu.knowledge.search import SearchRequest

    hits = index.sources(SearchRequest(text, locale=locale, visibility=Visibility.PUBLIC, size=3))
    scored = [
        (hit, confidence(text, hit.title, source.get("questions", []), [], source.get("body", "")), source)
        for hit, source in hits
    ]
    order = {id(item): n for n, item in enumerate(scored)}
    return sorted(scored, key=lambda item: (-item[1], order[id(item)]))


def best_answer(index: ArticleIndex, text: str, locale: str | None) -> tuple[Any, float, dict[str, Any]] | None:
    """The most confident of the top hits (confidence re-ranks BM25's three best), or None."""
    scored = scored_answers(index, text, locale)
    return scored[0] if scored else None


def _generated(
    text: str, locale: str, scored: list[tuple[Any, float, dict[str, Any]]], threshold: float, base: str
) -> tuple[str, list[str]] | None:
    """A Bedrock answer grounded in the hits (only when an installation turned it on), with the cited links."""
    from kefu.knowledge.bot import TEXT
    from kefu.knowledge.generative import Source, generate

    model_id = get_settings().bot_generative_model_id
    if not model_id:
        return None
    sources = [Source(hit.id, hit.title, source.get("body", ""), score) for hit, score, source in scored]
    answer = generate(aws.client("bedrock-runtime"), model_id, text, locale, sources, threshold)
    if answer is None:
        return None
    titles = {hit.id: hit.title for hit, _, _ in scored}
    links = "\n".join(f"{titles[a]}: {article_link(base, a, locale)}" for a in answer.cited)
    ask = TEXT[locale]["answer"].rsplit("\n\n", 1)[-1]
    return f"{answer.text}\n\n{links}\n\n{ask}", answer.cited


def article_link(base: str, article_id: str, locale: str) -> str:
    return f"{base or '/help/'}?{urllib.parse.urlencode({'article': article_id, 'locale': locale})}"


def _handoff(
    store: Store,
    ticket: Ticket,
    message: Message,
    locale: str,
    reason: str,
    *,
    score: float | None = None,
    notice: Callable[[str | None], str] | None = None,
) -> Decision:
    """Hand the ticket to people. ``notice``: what the bot says, given when the team is back (None: it works);
    by default the bot's own handoff line (kefu.knowledge.bot.handoff_notice)."""
    from kefu.clock import parse_iso
    from kefu.knowledge.bot import handoff_notice
    from kefu.routing.rules import Trigger, back_at, team_works, written
    from kefu.services import routing

    stamp = now_iso()
    data: dict[str, Any] = {"message_id": message.id, "reason": reason}
    if score is not None:
        data["confidence"] = score
    say = notice or (lambda back: handoff_notice(locale, back))

    def handed_over(changed: Ticket) -> tuple[list[TicketEvent], list[Message]]:
        """The bot's notice and the rules that run at a handoff (``on: handoff``), on the ticket people now have,
        in the language the bot answers in. The customer gets one coherent answer: while the team works, the
        bot's "a person takes over now" and then any rule's reply; while it does not (``team_works``, what
        night duty asks), a rule's reply alone when one answers (the seeded night duty says when the team is
        back), else the bot's notice saying when the team is back. Never "now" beside "outside working hours"."""
        customer = store.customers.find(ticket.customer_id) if ticket.customer_id else None
        rule_set = store.routing.rule_set()
        rule_events, replies = routing.classify(
            rule_set,
            changed,
            message.body,
            Trigger.HANDOFF,
            stamp,
            customer.tags if customer else (),
            locale,
        )
        at = parse_iso(stamp)  # the team as the rules left it: the one whose queue the ticket joins
        said: dict[str, Any] = dict(data)
        notices: list[Message] = []
        if team_works(rule_set, changed.team, at):
            notices.append(_bot_message(ticket, say(None), stamp))
        elif replies:
            said["after_hours"] = "rule_reply"  # the rule's reply is the customer's one answer
        else:
            said["after_hours"] = "bot_notice"
            back, zone = back_at(rule_set, changed.team, at)
            notices.append(_bot_message(ticket, say(written(back, zone, locale)), stamp))
        return [_event(ticket, HANDOFF, stamp, said), *rule_events], [*notices, *replies]

    def into_queue(tx: Transaction, changed: Ticket) -> None:
        routing.requeue(store, tx, None, changed, stamp)  # the bot's ticket was in no queue

    _commit(store, ticket, stamp=stamp, bot_active=False, rules=handed_over, also=into_queue)
    return Decision("handoff", reason, confidence=score)


def _resolve(store: Store, ticket: Ticket, message: Message, locale: str, article_id: Any) -> Decision:
    from kefu.knowledge.bot import TEXT

    stamp = now_iso()
    reply = _bot_message(ticket, TEXT[locale]["solved"], stamp)
    event = _event(ticket, RESOLVED, stamp, {"message_id": message.id, "article_id": article_id})
    _commit(
        store,
        ticket,
        stamp=stamp,
        messages=[reply],
        events=[event],
        bot_active=False,
        status=TicketStatus.RESOLVED,
        bot_resolved=True,
    )
    return Decision("resolved", article_id=str(article_id) if article_id else None)


def _commit(
    store: Store,
    ticket: Ticket,
    *,
    stamp: str,
    messages: list[Message] | None = None,
    events: list[TicketEvent] | None = None,
    bot_active: bool | None = None,
    status: TicketStatus | None = None,
    also: Any = None,
    bot_resolved: bool = False,
    rules: Callable[[Ticket], tuple[list[TicketEvent], list[Message]]] | None = None,
) -> None:
    expected = ticket.version
    changed = ticket.model_copy(deep=True)
    if bot_active is not None:
        changed.bot_active = bot_active
    if status is not None:
        changed.status = status
        changed.resolved_at = stamp if status == TicketStatus.RESOLVED else changed.resolved_at
    if bot_resolved:
        changed.bot_resolved_at = stamp
    messages, events = list(messages or []), list(events or [])
    if rules is not None:  # before the clocks and the queue: a rule may change priority or team (at a
        # handoff the callback also gives the bot's own notice and event, which depend on what the rules did)
        rule_events, auto_replies = rules(changed)
        events.extend(rule_events)
        messages.extend(auto_replies)
    for reply in messages:
        changed.message_count += 1
        changed.last_message_preview = reply.body[:120]
        changed.last_message_at = stamp
    # the SLA clocks: a handoff starts the first-response clock (kefu.sla.clocks), a resolve stops them all
    from kefu.services import sla
    from kefu.sla.clocks import Happened

    handed_over = ticket.bot_active and not changed.bot_active and changed.status in OPEN_STATUSES
    sla.apply(store, changed, stamp, Happened.HANDOFF if handed_over else Happened.CHANGED)
    changed.updated_at = stamp
    changed.version += 1
    tx = Transaction()
    if also is not None:
        also(tx, changed)
    for reply in messages:
        store.tickets.add_message(tx, reply)
    store.tickets.add_ticket(tx, changed, expected_version=expected)
    for event in events:
        store.tickets.add_event(tx, event)
    store.tickets.commit(tx)


def _bot_message(ticket: Ticket, body: str, stamp: str) -> Message:
    return Message.outbound_on(ticket, AuthorType.BOT, body, stamp)


def _event(ticket: Ticket, kind: str, stamp: str, data: dict[str, Any]) -> TicketEvent:
    return TicketEvent(
        id=new_id(), ticket_id=ticket.id, type=kind, actor_type=AuthorType.BOT, data=data, created_at=stamp
    )


# ------------------------------------------------------------------------------------------- the day's figures

_REASONS = ("requested", "not_solved", "turn_limit", "low_confidence", "orders_unavailable")


RETURN_WINDOW_DAYS = 7


def count_from_stream(
    store: Store, event_name: str, new_image: dict[str, Any] | None, old_image: dict[str, Any] | None = None
) -> str | None:
    """The knowledge base's day counters, kept by the stream (docs/metrics.md): a ticket opened with the bot,
    each bot decision (answers, handoffs by reason, resolutions the customer confirmed), and a resolution
    withdrawn when the ticket is reopened, a person replies on it, or its customer comes back with a new ticket
    within 7 days. None: not the bot's."""
    if not new_image:
        return None
    from kefu.store import keys
    from kefu.store.table import from_av

    entity = new_image.get(keys.ENTITY, {}).get("S")
    if entity == "ticket" and event_name == "MODIFY":
        if not (old_image or {}).get("bot_resolved_at", {}).get("S"):
            return None  # most ticket changes: nothing to do with a bot resolution, decoded for nothing
        return _withdrawn_on_the_ticket(store, from_av(old_image or {}), from_av(new_image))
    if event_name != "INSERT":
        return None
    if entity == "ticket":
        returned = _customer_came_back(store, from_av(new_image))
        if not new_image.get("bot_active", {}).get("BOOL"):
            return returned
        store.knowledge.count_day(new_image["created_at"]["S"][:10], bot_conversations=1)
        return "kb_counted"
    if entity != "event" or new_image.get("type", {}).get("S") not in DECISIONS:
        return None
    event = from_av(new_image)
    day = str(event["created_at"])[:10]
    kind = event["type"]
    if kind == ANSWERED:
        store.knowledge.count_day(day, bot_answers=1)
    elif kind == RESOLVED:
        store.knowledge.count_day(day, bot_resolved=1)
    else:
        reason = str(event.get("data", {}).get("reason", ""))
        extra = {f"handoff_{reason}": 1} if reason in _REASONS else {}
        store.knowledge.count_day(day, bot_handoffs=1, **extra)
    return "kb_counted"


def _withdraw(store: Store, resolved_at: str, why: str) -> str:
    store.knowledge.count_day(resolved_at[:10], bot_resolved=-1, **{f"withdrawn_{why}": 1})
    return f"bot_resolution_withdrawn_{why}"


def _withdrawn_on_the_ticket(store: Store, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    resolved_at = old.get("bot_resolved_at")
    if not resolved_at or old.get("status") != TicketStatus.RESOLVED.value:
        return None  # not a bot resolution, or one already withdrawn (the ticket no longer rests resolved)
    if new.get("status") != TicketStatus.RESOLVED.value:
        return _withdraw(store, str(resolved_at), "reopened")
    if not old.get("first_response_at") and new.get("first_response_at"):
        return _withdraw(store, str(resolved_at), "human_replied")
    return None


def _customer_came_back(store: Store, ticket: dict[str, Any]) -> str | None:
    """A new ticket: was its customer's previous one a bot resolution of the last 7 days, still resting?"""
    from datetime import timedelta

    from kefu.clock import parse_iso

    customer_id = ticket.get("customer_id")
    if not customer_id:
        return None
    previous = [t for t in store.tickets.of_customer(str(customer_id), limit=2) if t.id != ticket.get("id")][:1]
    if not previous or not previous[0].bot_resolved_at or previous[0].status != TicketStatus.RESOLVED:
        return None
    if previous[0].first_response_at:  # a person replied on it: withdrawn then already
        return None
    came_back_after = parse_iso(str(ticket["created_at"])) - parse_iso(previous[0].bot_resolved_at)
    if came_back_after > timedelta(days=RETURN_WINDOW_DAYS):
        return None
    return _withdraw(store, previous[0].bot_resolved_at, "customer_returned")
