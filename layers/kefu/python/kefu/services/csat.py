"""The satisfaction survey after resolution (docs/metrics.md, "Satisfaction survey").

- **Sent.** When a ticket first becomes ``resolved`` (the stream sees the change), its customer gets a short
  message on the ticket's own channel, in their language, with a link ``<public base>csat/<token>``, counted
  on the ticket like an agent's reply (count, preview, time; never its status or SLA clocks). The
  token is ``secrets.token_urlsafe``; the table keeps only its hash, for ``SURVEY_TTL`` (7 days). One survey
  per ticket while one is alive, none once the ticket is rated. Web chat has its own rating card in the
  widget (no link there), a web form has no way back (none sent), and ``KEFU_CSAT_SURVEY=false`` turns it off.
- **Answered.** ``GET /csat/{token}`` shows the four choices, ``POST /csat/{token}`` stores the answer once
  through the one rating of the ticket (``CsatRepository.add``), on the 1-5 scale the web chat's rating uses
  (``SCALE``): the live figures count both alike. Only while the ticket is resolved or closed: a reopened
  ticket's link answers 409 (``SurveyNotOpen``) until it is resolved again; a rating given before the reopen
  stands.
- **Followed up.** A rating of 2 or less (``dissatisfied``, or one or two stars in the widget) gets the ticket
  tagged ``csat_followup`` with an internal note and a ``csat_followup`` event, and tells the team's
  supervisors and the assignee (in-app notifications). The ticket stays resolved: who follows up decides
  whether to reopen it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kefu.clock import epoch_after, new_id, now_iso
from kefu.errors import Conflict, Duplicate, InvalidInput, NotFound, SurveyNotOpen, retry_on_concurrent_update
from kefu.models import AuthorType, Message, Ticket, TicketEvent, TicketStatus
from kefu.observability import current_correlation_id, decided
from kefu.store import Store, Transaction
from kefu.store.table import from_av

if TYPE_CHECKING:  # the stream imports this module at init; the rating's and survey's models at first use
    from kefu.store.csat import Rating, Survey

# The survey's four answers on the 1-5 scale of the ticket's one rating (the widget rates 1-5 directly).
# "dissatisfied" is the bottom of the survey's scale, so the bottom of the stored one; 2 is never chosen here.
SCALE = {"very_satisfied": 5, "satisfied": 4, "neutral": 3, "dissatisfied": 1}
FOLLOW_UP_AT_OR_BELOW = 2  # dissatisfied in the survey; one or two stars in the widget
FOLLOW_UP_TAG = "csat_followup"
IN_WIDGET = frozenset({"web"})  # the widget shows its own rating card once the ticket is resolved
NO_WAY_BACK = frozenset({"form"})  # a web form's customer is answered by email, never on the form
TOKEN_BYTES = 24  # 32 characters of the URL-safe alphabet
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{32}$"  # noqa: S105 - the shape of a link's token, not a secret
MAX_COMMENT = 1_000
PREVIEW = 140  # the ticket's last-message preview, as an agent's reply sets it
# a rating is for a conversation that is over (the widget's card is offered only then): a survey whose ticket
# was reopened is not open until the ticket is resolved again
RATEABLE = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
LANGUAGES = ("zh-CN", "en")

TEXT = {
    "zh-CN": {
        "survey": "您的问题已处理完毕。您对本次服务满意吗？请点击链接评价（约 10 秒）：{link} （7 天内有效）",
        "note": "客户满意度回访：客户评价为「{label}」（{rating}/5）。{comment}请跟进。",
        "comment": "客户留言：{comment}。",
    },
    "en": {
        "survey": "Your request has been resolved. How satisfied are you with our help? Tell us in 10 seconds: "
        "{link} (open for 7 days)",
        "note": "Satisfaction follow-up: the customer rated this conversation '{label}' ({rating}/5). {comment}"
        "Please follow up.",
        "comment": 'They wrote: "{comment}". ',
    },
}
LABELS = {
    "zh-CN": {"very_satisfied": "非常满意", "satisfied": "满意", "neutral": "一般", "dissatisfied": "不满意"},
    "en": {
        "very_satisfied": "Very satisfied",
        "satisfied": "Satisfied",
        "neutral": "Neutral",
        "dissatisfied": "Dissatisfied",
    },
}


def label_of(rating: int) -> str:
    """The survey's answer a 1-5 rating reads as (a widget's 2 reads as dissatisfied)."""
    if rating >= 5:
        return "very_satisfied"
    if rating == 4:
        return "satisfied"
    return "neutral" if rating == 3 else "dissatisfied"


def language_for(locale: str | None, text: str) -> str:
    """The customer's language as the auto-replies pick it: their profile's locale when it is Chinese or
    English, else the language of what the conversation says."""
    from kefu.knowledge.bot import language_of
    from kefu.routing.rules import reply_language

    return reply_language(locale) or language_of(text, "zh-CN")


def survey_link(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/csat/{token}"


# ---------------------------------------------------------------- the stream's part


def react(
    store: Store, event_name: str, new_image: dict[str, Any] | None, old_image: dict[str, Any] | None
) -> str | None:
    """What the survey did with one stream record, or None when the record is none of its business: a ticket
    that became resolved is surveyed, a bad rating is followed up."""
    if not new_image:
        return None
    entity = (new_image.get("entity") or {}).get("S")
    if entity == "ticket" and _status(new_image) == TicketStatus.RESOLVED.value:
        if old_image is not None and _status(old_image) == TicketStatus.RESOLVED.value:
            return None  # still resolved: a tag, an assignment, ...
        return send_survey(store, Ticket.model_validate(from_av(new_image)))
    if entity == "csat" and event_name == "INSERT":
        from kefu.store.csat import Rating

        rating = Rating.model_validate(from_av(new_image))
        return follow_up(store, rating) if rating.rating <= FOLLOW_UP_AT_OR_BELOW else None
    return None


def _status(image: dict[str, Any]) -> str | None:
    return (image.get("status") or {}).get("S")


def send_survey(store: Store, ticket: Ticket) -> str:
    """Survey the customer of a ticket that was just resolved, on its channel; what happened, for the log."""
    from kefu.config import get_settings

    settings = get_settings()
    return _survey_outcome(store, ticket, settings.csat_survey, settings.public_base_url)


def _survey_outcome(store: Store, ticket: Ticket, enabled: bool, base: str | None) -> str:
    from kefu.store.csat import SURVEY_TTL, Survey

    if not enabled:
        return "csat_survey_off"
    if ticket.channel in IN_WIDGET:
        return "csat_in_widget"
    if ticket.channel in NO_WAY_BACK or not ticket.contact:
        return "csat_no_way_back"
    if not base:
        return "csat_no_public_url"
    # the ticket as it is now (the stream's image may be older: reopened since, or changed), with its rating
    now, rating = store.read([store.tickets.ticket_read(ticket.id), store.csat.rating_read(ticket.id)])
    if rating is not None:
        return "csat_rated_already"
    if now is None or now.status not in RATEABLE:
        return "csat_not_resolved"  # reopened (or gone) since it was resolved: no survey for it now
    if store.csat.surveyed(ticket.id):  # read first: the transaction's condition is for a race only
        return "csat_surveyed_already"
    customer = store.customers.find(ticket.customer_id)
    language = language_for(customer.locale if customer else None, f"{now.subject} {now.last_message_preview}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    seen: list[Ticket] = [now]  # read again only after a refused write (someone changed it in between)

    def attempt() -> str:
        current = seen.pop() if seen else store.tickets.find(ticket.id)
        if current is None or current.status not in RATEABLE:
            return "csat_not_resolved"  # reopened (or gone) since it was resolved: no survey for it now
        stamp = now_iso()
        survey = Survey(
            ticket_id=current.id,
            channel=current.channel,
            inbox=current.inbox,
            customer_id=current.customer_id,
            language=language,
            created_at=stamp,
            expires_at=epoch_after(SURVEY_TTL),
        )
        body = TEXT[language]["survey"].format(link=survey_link(base, token))
        message = Message.outbound_on(current, AuthorType.SYSTEM, body, stamp, correlation_id=current_correlation_id())
        expected = counted(current, message)
        try:
            store.csat.add_survey(token, survey, message, ticket=current, expected_version=expected)
        except Duplicate:
            return "csat_surveyed_already"
        return "csat_survey_sent"

    return retry_on_concurrent_update(attempt)


def counted(ticket: Ticket, message: Message) -> int:
    """``ticket`` with ``message`` counted in its thread as any message of ours is (an agent's reply: the
    count, and for what the customer sees the preview and the time), a new version and nothing else: not its
    status, not its SLA clocks (the survey and the follow-up come after resolution and must not reopen it or
    restart a timer). Returns the version it had, for the conditional write."""
    expected = ticket.version
    ticket.message_count += 1
    if not message.internal:
        ticket.last_message_preview = message.body.replace("\n", " ")[:PREVIEW]
        ticket.last_message_at = message.created_at
    ticket.updated_at = message.created_at
    ticket.version += 1
    return expected


def follow_up(store: Store, rating: Rating) -> str:
    """A bad rating: the ticket tagged ``csat_followup`` with an internal note and an event, its team's
    supervisors and its assignee notified, once (a replayed record finds the tag and does nothing)."""
    from kefu.routing.rules import DEFAULT_TEAM

    def attempt() -> str:
        ticket = store.tickets.find(rating.ticket_id)
        if ticket is None:
            return "csat_followup_no_ticket"
        if FOLLOW_UP_TAG in ticket.tags:
            return "csat_followup_already"
        stamp = now_iso()
        ticket.tags = [*ticket.tags, FOLLOW_UP_TAG]
        label = label_of(rating.rating)
        note = _follow_up_note(ticket, rating, label, stamp)
        expected = counted(ticket, note)  # an internal note counts as an agent's note does (no preview)
        tx = Transaction()
        store.tickets.add_ticket(tx, ticket, expected_version=expected)
        store.tickets.add_message(tx, note)
        store.tickets.add_event(
            tx,
            TicketEvent(
                id=new_id(),
                ticket_id=ticket.id,
                type="csat_followup",
                actor_type=AuthorType.SYSTEM,
                data={"rating": rating.rating, "answer": label, "message_id": note.id, "channel": rating.channel},
                created_at=stamp,
            ),
        )
        team = ticket.team or DEFAULT_TEAM
        recipients = [f"supervisors#{team}", *([f"agent#{ticket.assignee}"] if ticket.assignee else [])]
        for recipient in recipients:
            store.sla.add_notification(
                tx,
                recipient,
                {
                    "id": new_id(),
                    "kind": "csat_followup",
                    "ticket_id": ticket.id,
                    "subject": ticket.subject,
                    "target": None,
                    "level": 0,
                    "reason": f"the customer rated the conversation {label} ({rating.rating}/5)",
                    "due_at": None,
                    "created_at": stamp,
                },
            )
        store.tickets.commit(tx)
        return "csat_followup"

    outcome = retry_on_concurrent_update(attempt)
    decided("csat", outcome, channel=rating.channel, inbox=rating.inbox, ticket_id=rating.ticket_id)
    return outcome


def _follow_up_note(ticket: Ticket, rating: Rating, label: str, stamp: str) -> Message:
    language = language_for(None, f"{rating.comment} {ticket.subject} {ticket.last_message_preview}")
    text = TEXT[language]
    comment = text["comment"].format(comment=rating.comment) if rating.comment else ""
    body = text["note"].format(label=LABELS[language][label], rating=rating.rating, comment=comment)
    # agents only: internal notes carry no conversation keys (kefu.store.keys) and are never sent
    return Message.outbound_on(ticket, AuthorType.SYSTEM, body, stamp, internal=True)


# ---------------------------------------------------------------- the customer's part


@dataclass(frozen=True)
class SurveyState:
    """What a survey link leads to: the survey, the ticket's rating if it has one, and whether the survey is
    open now (its ticket resolved or closed; reopened, it is not until it is resolved again)."""

    survey: Survey
    rating: Rating | None
    open: bool
    ticket: Ticket


def open_survey(store: Store, token: str) -> SurveyState:
    """The survey a link leads to (404 for an unknown or expired link), its ticket's rating and state."""
    return _state_of(store, _survey_of(store, token))


def _survey_of(store: Store, token: str) -> Survey:
    import re

    survey = store.csat.survey(token) if re.match(TOKEN_PATTERN, token) else None
    if survey is None:
        raise NotFound("this survey link is unknown or has expired")
    return survey


def _state_of(store: Store, survey: Survey) -> SurveyState:
    ticket, rating = store.read([store.tickets.ticket_read(survey.ticket_id), store.csat.rating_read(survey.ticket_id)])
    if ticket is None:
        raise NotFound("this survey link is unknown or has expired")
    return SurveyState(survey, rating, ticket.status in RATEABLE, ticket)


def answer(store: Store, token: str, choice: object, comment: object) -> tuple[Survey, Rating]:
    """The customer's answer, stored once as the ticket's rating: 404 unknown link, 400 naming the field,
    409 when the ticket has been rated already or was reopened since (``SurveyNotOpen``), nothing changed."""
    survey = _survey_of(store, token)
    if not isinstance(choice, str) or choice not in SCALE:
        raise InvalidInput(f"rating: one of {', '.join(SCALE)}")
    if comment is not None and not isinstance(comment, str):
        raise InvalidInput("comment: text")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"comment: at most {MAX_COMMENT} characters")
    state = _state_of(store, survey)
    if state.rating is not None:
        raise Conflict("this conversation has been rated already")  # a rating given before a reopen stands
    if not state.open:
        raise SurveyNotOpen(
            "this conversation was reopened and is being worked on again; it can be rated once it is resolved"
        )
    from kefu.store.csat import Rating

    ticket = state.ticket
    record = Rating(
        ticket_id=survey.ticket_id,
        rating=SCALE[choice],
        comment=text,
        channel=survey.channel,
        inbox=survey.inbox,
        team=ticket.team,
        assignee=ticket.assignee,
        created_at=now_iso(),
    )
    store.csat.add(record)  # on condition: a second answer at the same moment is refused here
    return survey, record
