"""Routing use cases: classify a ticket by the rules (ingest calls ``classify`` and ``requeue`` inside its own
transaction), assign the next waiting ticket with an atomic claim, give capacity back, keep agents' routing
profiles, and edit or dry-run the rules. The decisions themselves are pure (``kefu.routing``).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from kefu.auth import Caller
from kefu.clock import iso, new_id, now, now_iso, parse_iso
from kefu.config import get_settings
from kefu.errors import ConcurrentUpdate, Conflict, InvalidInput, NotFound, retry_on_concurrent_update
from kefu.models import (
    OPEN_STATUSES,
    Agent,
    AuthorType,
    Message,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from kefu.observability import decided
from kefu.routing.queue import (
    DEFAULT_RELAXATION,
    DEFAULT_TEAM,
    KINDS,
    Decision,
    Organization,
    QueueEntry,
    RoutingProfile,
    Team,
    kind_of,
    next_assignment,
    waited_seconds,
)
from kefu.routing.rules import (
    MAX_RULES,
    BusinessHours,
    Outcome,
    Rule,
    RuleSet,
    RuleSpec,
    TicketFacts,
    Trigger,
    evaluate,
    team_works,
)
from kefu.store import Store, Transaction
from kefu.store.routing import MAX_ORGANIZATIONS_PAGE, OrganizationPage

QUEUE_READ = 20  # waiting tickets a decision looks at (the head of one queue)
POOL_READ = 50  # available agents a decision looks at (the least-loaded end of one pool)
MAX_ATTEMPTS = 5
MAX_FILL = 10  # decisions one event (an agent online, capacity freed) may make
RULE_EVENT = "rule_applied"
PRESENCE = ("online", "away", "offline")


# ---------------------------------------------------------------- classification (in ingest's transaction)


def classify(
    rule_set: RuleSet,
    ticket: Ticket,
    text: str,
    trigger: Trigger,
    stamp: str,
    customer_tags: Iterable[str] = (),
    locale: str | None = None,
) -> tuple[list[TicketEvent], list[Message]]:
    """Apply the rules to ``ticket`` in place; the events naming each rule that changed something, and the
    auto-replies to send (outbound messages, queued like an agent's reply), in the customer's ``locale``
    when a rule has its reply in it (else in the language of ``text``). Ingest calls it in its transaction
    (``created``, ``customer_message``), the bot in its handoff's (``handoff``)."""
    outcome = evaluate(rule_set, _facts(ticket, text, stamp, customer_tags, locale), trigger)
    ticket.type, ticket.priority, ticket.team = outcome.type, outcome.priority, outcome.team
    ticket.tags = outcome.tags
    events = [
        TicketEvent(
            id=new_id(),
            ticket_id=ticket.id,
            type=RULE_EVENT,
            actor_type=AuthorType.SYSTEM,
            data={
                "rule_id": hit.rule_id,
                "rule_version": hit.rule_version,
                "rule_name": hit.rule_name,
                "trigger": trigger.value,
                "changes": hit.changes,
                **({"auto_reply": True} if hit.auto_reply else {}),
            },
            created_at=stamp,
        )
        for hit in outcome.hits
        if hit.changes or hit.auto_reply
    ]
    replies = [_auto_reply(ticket, body, stamp) for body in outcome.auto_replies]
    return events, replies


def team_works_on(
    rule_set: RuleSet,
    ticket: Ticket,
    text: str,
    stamp: str,
    customer_tags: Iterable[str] = (),
    locale: str | None = None,
) -> bool:
    """Whether the team the rules give a new ``ticket`` works at ``stamp`` (kefu.routing.rules.team_works): what
    the bot's ``night`` mode asks before ingest classifies the ticket. The rules run as for a ticket people have
    (``bot_active`` false, as night duty sees one the bot leaves), on a copy: nothing is set or written."""
    facts = _facts(ticket, text, stamp, customer_tags, locale).model_copy(update={"bot_active": False})
    return team_works(rule_set, evaluate(rule_set, facts, Trigger.CREATED).team, facts.at)


def _facts(ticket: Ticket, text: str, stamp: str, customer_tags: Iterable[str], locale: str | None) -> TicketFacts:
    return TicketFacts(
        channel=ticket.channel,
        inbox=ticket.inbox,
        text=text,
        tier=ticket.customer_tier,
        organization=ticket.organization,
        tags=ticket.tags,
        customer_tags=list(customer_tags),
        at=parse_iso(stamp),
        type=ticket.type,
        priority=ticket.priority,
        team=ticket.team,
        language=locale,
        bot_active=ticket.bot_active,
    )


def _auto_reply(ticket: Ticket, body: str, stamp: str) -> Message:
    after = iso(parse_iso(stamp) + timedelta(milliseconds=1))  # after the message it answers
    return Message.outbound_on(ticket, AuthorType.SYSTEM, body, after)


# ---------------------------------------------------------------- the queue


def is_waiting(ticket: Ticket) -> bool:
    # a ticket the bot answers waits for no one until the bot hands it over (kefu.services.bot)
    return ticket.status == TicketStatus.PENDING and ticket.assignee is None and not ticket.bot_active


def entry_for(ticket: Ticket) -> QueueEntry | None:
    """The ticket's queue entry as its current state says, or None when it does not wait."""
    if not is_waiting(ticket) or ticket.queued_at is None:
        return None
    return QueueEntry(
        ticket_id=ticket.id,
        team=ticket.team or DEFAULT_TEAM,
        kind=kind_of(ticket.channel),
        priority=ticket.priority,
        tier=ticket.customer_tier,
        sla_due_at=ticket.sla.first_response_due_at,
        created_at=ticket.created_at,
        entered_at=ticket.queued_at,
        skill=ticket.type,
        dedicated_agent=ticket.dedicated_agent,
        passed_over=ticket.passed_over,
    )


def requeue(store: Store, tx: Transaction, before: QueueEntry | None, ticket: Ticket, stamp: str) -> None:
    """Into ``tx``: the ticket's queue entry moved from where ``before`` put it to where its state puts it now
    (in, out, or to a new place after a priority or team change)."""
    if is_waiting(ticket) and ticket.queued_at is None:
        ticket.queued_at = stamp
    elif not is_waiting(ticket):
        ticket.queued_at = None
    after = entry_for(ticket)
    if before == after:
        return
    if before is not None and (after is None or _place(before) != _place(after)):
        store.routing.remove_from_queue(tx, before)
    if after is not None:
        store.routing.add_to_queue(tx, after)


def _place(entry: QueueEntry) -> tuple[str, str, str, str, str]:
    return (entry.team, entry.kind, entry.priority.value, entry.tier.value, entry.ticket_id)


def assign_next(store: Store, team: str, kind: str, at: datetime | None = None) -> Ticket | None:
    """Assign the first waiting ticket of ``team``/``kind`` some eligible agent can take; None when no pair
    exists (or every attempt lost to another decider). Reads one queue head and one pool head, then claims;
    a refused claim (someone else was faster) decides again from fresh reads."""
    assigned = _assign_next(store, team, kind, at)
    return assigned if isinstance(assigned, Ticket) else None


@dataclass(frozen=True)
class Fill:
    assigned: list[Ticket]
    contended: bool  # the last decision lost every attempt to other deciders: there may be more to do


def fill(store: Store, team: str, kind: str, limit: int = MAX_FILL, at: datetime | None = None) -> Fill:
    """Assign what waits in one queue until no waiting ticket has an eligible agent, at most ``limit``."""
    assigned: list[Ticket] = []
    while len(assigned) < limit:
        outcome = _assign_next(store, team, kind, at)
        if not isinstance(outcome, Ticket):
            return Fill(assigned, contended=outcome is _CONTENDED)
        assigned.append(outcome)
    return Fill(assigned, contended=True)  # the limit, not the queue, stopped it


_CONTENDED = object()  # every attempt of a decision was beaten by another decider's claim


def _assign_next(store: Store, team: str, kind: str, at: datetime | None) -> Ticket | object | None:
    for _ in range(MAX_ATTEMPTS):
        entries = store.routing.queue_head(team, kind, QUEUE_READ)
        if not entries:
            return None
        agents = store.routing.pool(team, kind, POOL_READ)
        # dedicated agents first: they may be busier than the pool's least-loaded end, so read them by id
        dedicated = sorted({e.dedicated_agent for e in entries if e.dedicated_agent} - {a.agent_id for a in agents})
        if dedicated:
            agents += store.routing.profiles(dedicated)
        if not agents:
            return None
        configured = store.routing.team(team)
        relaxation = configured.relaxation if configured else list(DEFAULT_RELAXATION)
        moment = at or now()
        if configured is not None and not configured.is_open(moment):
            return None  # between shifts: the tickets wait for the next one (kefu.services.routing_jobs)
        decision = next_assignment(entries, agents, relaxation, moment)
        if decision is None:
            return None
        try:
            assigned = claim(store, decision, moment)
        except ConcurrentUpdate:
            continue
        return assigned
    return _CONTENDED


@dataclass(frozen=True)
class PreparedClaim:
    """A claim read and built, not yet committed (two deciders may hold one for the same ticket)."""

    ticket: Ticket
    transaction: Transaction


def claim(store: Store, decision: Decision, moment: datetime) -> Ticket:
    """Commit one decision: ConcurrentUpdate when the ticket, its queue entry or the agent's profile is no
    longer what the decision was made from (someone else claimed it first), and nothing is written."""
    return commit_claim(store, prepare_claim(store, decision, moment))


def commit_claim(store: Store, prepared: PreparedClaim) -> Ticket:
    store.routing.commit(prepared.transaction)
    ticket = prepared.ticket
    decided("routing", "assigned", ticket_id=ticket.id, agent_id=ticket.assignee, team=ticket.team)
    return ticket


def prepare_claim(store: Store, decision: Decision, moment: datetime) -> PreparedClaim:
    """Read the ticket and build the claim's transaction: the ticket (still at the version read) with its
    assignee and ``assigned`` event, its queue entry gone (still there), the agent's profile with one more of
    the kind (still at the version the pool showed) and its pool places moved."""
    entry, agent, needed = decision.entry, decision.agent, decision.needed_proficiency
    ticket = store.tickets.get(entry.ticket_id)
    current = entry_for(ticket)
    if current != entry:  # the entry is stale (the ticket was changed or assigned some other way): mend it
        tx = Transaction()
        store.routing.remove_from_queue(tx, entry)
        if current is not None:
            store.routing.add_to_queue(tx, current)
        store.routing.commit(tx)
        raise ConcurrentUpdate("the queue entry was stale")
    stamp = now_iso()
    expected = ticket.version
    ticket.assignee = agent.agent_id
    ticket.status = TicketStatus.IN_PROGRESS
    ticket.load_holder = agent.agent_id
    ticket.queued_at = None
    ticket.passed_over = None
    ticket.updated_at = stamp
    ticket.version += 1
    load = dict(agent.load)
    load[entry.kind] = load.get(entry.kind, 0) + 1
    taken = agent.model_copy(update={"load": load, "version": agent.version + 1, "updated_at": stamp})
    event = TicketEvent(
        id=new_id(),
        ticket_id=ticket.id,
        type="assigned",
        actor_type=AuthorType.SYSTEM,
        data={
            "to": agent.agent_id,
            "by": "queue",
            "team": entry.team,
            "waited_seconds": round(waited_seconds(entry, moment), 3),
            "min_proficiency": needed,
            "dedicated": entry.dedicated_agent == agent.agent_id,
        },
        created_at=stamp,
    )
    tx = Transaction()
    store.tickets.add_ticket(tx, ticket, expected_version=expected)
    store.tickets.add_event(tx, event)
    store.routing.remove_from_queue(tx, entry, must_exist=True)
    store.routing.add_profile(tx, agent, taken)
    return PreparedClaim(ticket, tx)


def release(store: Store, agent_id: str, kind: str) -> RoutingProfile:
    """One ticket of ``kind`` less on the agent (resolved, transferred away): room for the next."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")

    def attempt() -> RoutingProfile:
        old = store.routing.profile(agent_id)
        if old is None:
            raise NotFound(f"agent '{agent_id}' has no routing profile")
        load = dict(old.load)
        load[kind] = max(0, load.get(kind, 0) - 1)
        new = old.model_copy(update={"load": load, "version": old.version + 1, "updated_at": now_iso()})
        store.routing.save_profile(old, new)
        return new

    return retry_on_concurrent_update(attempt, MAX_ATTEMPTS)


def take_by_hand(
    store: Store, agent_id: str, channel: str, *, override: bool
) -> tuple[RoutingProfile, RoutingProfile] | None:
    """The agent's profile before and after taking one more ticket by hand (a transfer), to write in the
    transfer's own transaction; None when the agent has no routing profile (nothing to count). A full agent
    is refused unless ``override`` (a supervisor's deliberate choice)."""
    old = store.routing.profile(agent_id)
    if old is None:
        return None
    kind = kind_of(channel)
    if old.room(kind) <= 0 and not override:
        raise Conflict(
            f"agent '{agent_id}' is at capacity for {kind} ({old.load.get(kind, 0)} of {old.capacity.get(kind, 0)}); "
            "a supervisor may assign anyway with override_capacity"
        )
    load = dict(old.load)
    load[kind] = load.get(kind, 0) + 1
    return old, old.model_copy(update={"load": load, "version": old.version + 1, "updated_at": now_iso()})


def invalid(error: ValidationError) -> InvalidInput:
    """A model's refusal as a 400 that says what is wrong, in one line."""
    return InvalidInput("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}".lstrip(": ") for e in error.errors()))


def release_quietly(store: Store, agent_id: str, channel: str) -> None:
    """``release`` after a ticket change that is already committed, then use the room at once: an agent
    without a routing profile has nothing to give back, and a failure here leaves the load too high (fewer
    tickets, never too many)."""
    try:
        release(store, agent_id, kind_of(channel))
    except (NotFound, ConcurrentUpdate):
        decided("routing", "release_skipped", agent_id=agent_id)
        return
    assign_waiting(store, agent_id)


def assign_waiting(store: Store, agent_id: str) -> list[Ticket]:
    """Room appeared for this agent (online again, capacity freed): assign what waits in the agent's teams
    now, not at some later sweep. Bounded: at most the agent's free room, and ``MAX_FILL`` decisions."""
    profile = store.routing.profile(agent_id)
    if profile is None or profile.presence != "online":
        return []
    assigned: list[Ticket] = []
    decisions = 0
    for team in profile.teams:
        for kind in KINDS:
            for _ in range(max(0, profile.room(kind))):
                if decisions >= MAX_FILL:
                    return assigned
                decisions += 1
                ticket = assign_next(store, team, kind)
                if ticket is None:
                    break
                assigned.append(ticket)
    return assigned


def return_to_queue(store: Store, agent_id: str, reason: str) -> list[Ticket]:
    """The tickets routing gave this agent go back to the queue, each with an ``unassigned`` event saying why
    (the agent went offline), and the agent's load with them. Bounded by the agent's capacity: only tickets
    the agent holds are read (the assignee index, pattern 5)."""
    held = store.tickets.page(
        statuses=[TicketStatus.IN_PROGRESS, TicketStatus.PENDING], assignee=agent_id, filters={}, limit=200, cursor=None
    )
    returned: list[Ticket] = []
    for candidate in held.items:
        if candidate.load_holder != agent_id:
            continue  # taken by hand or by a reply: the agent keeps it (it never counted against capacity)
        ticket = send_back(store, candidate.id, agent_id, reason)
        if ticket is not None:
            returned.append(ticket)
    if returned:
        decided("routing", "returned_to_queue", agent_id=agent_id, reason=reason, tickets=len(returned))
    return returned


def send_back(
    store: Store,
    ticket_id: str,
    agent_id: str,
    reason: str,
    *,
    pass_over: bool = False,
    data: dict[str, Any] | None = None,
) -> Ticket | None:
    """One ticket routing gave ``agent_id`` back to the queue with an ``unassigned`` event saying why, and the
    agent's load given back; with ``pass_over`` the next decision skips this agent (it did not answer). None
    when the agent no longer holds the ticket (nothing written). Its new queue entry reaches the stream,
    which has it assigned again (docs/routing.md). With ``pass_over`` the agent's freed room is used at once
    (``assign_waiting``): the new entry only asks for the ticket's own queue, and a ticket of the agent's
    other team that waited for that room would otherwise wait on."""

    def attempt() -> Ticket | None:
        ticket = store.tickets.get(ticket_id)
        if ticket.load_holder != agent_id or ticket.status not in (TicketStatus.IN_PROGRESS, TicketStatus.PENDING):
            return None
        stamp = now_iso()
        expected = ticket.version
        event = TicketEvent(
            id=new_id(),
            ticket_id=ticket.id,
            type="unassigned",
            actor_type=AuthorType.SYSTEM,
            data={"from": agent_id, "reason": reason, "by": "queue", **(data or {})},
            created_at=stamp,
        )
        ticket.assignee, ticket.load_holder, ticket.status = None, None, TicketStatus.PENDING
        ticket.passed_over = agent_id if pass_over else None
        ticket.updated_at, ticket.version = stamp, ticket.version + 1
        tx = Transaction()
        requeue(store, tx, None, ticket, stamp)
        store.tickets.add_ticket(tx, ticket, expected_version=expected)
        store.tickets.add_event(tx, event)
        store.tickets.commit(tx)
        return ticket

    ticket = retry_on_concurrent_update(attempt, MAX_ATTEMPTS)
    if ticket is not None:
        decided("routing", "sent_back", ticket_id=ticket.id, agent_id=agent_id, reason=reason)
        if pass_over:  # the agent is still online: the room given back is used at once, in all their teams
            release_quietly(store, agent_id, ticket.channel)
        else:  # gone offline: the room is nobody's until they come back
            with suppress(NotFound):  # no routing profile any more: nothing to give back
                release(store, agent_id, kind_of(ticket.channel))
    return ticket


def count_reopened(store: Store, ticket_id: str) -> Ticket | None:
    """A resolved ticket the customer reopened went back to its assignee: it counts against their capacity
    again (even beyond it: the customer is theirs), once. None when there is nothing to count (no assignee,
    no routing profile, already counted, resolved again)."""

    def attempt() -> Ticket | None:
        ticket = store.tickets.get(ticket_id)
        agent_id = ticket.assignee
        if agent_id is None or ticket.load_holder is not None or ticket.status not in OPEN_STATUSES:
            return None
        profile = store.routing.profile(agent_id)
        if profile is None:
            return None
        kind = kind_of(ticket.channel)
        stamp = now_iso()
        expected = ticket.version
        ticket.load_holder, ticket.updated_at, ticket.version = agent_id, stamp, ticket.version + 1
        load = dict(profile.load)
        load[kind] = load.get(kind, 0) + 1
        taken = profile.model_copy(update={"load": load, "version": profile.version + 1, "updated_at": stamp})
        tx = Transaction()
        store.tickets.add_ticket(tx, ticket, expected_version=expected)
        store.routing.add_profile(tx, profile, taken)
        store.routing.commit(tx)
        return ticket

    ticket = retry_on_concurrent_update(attempt, MAX_ATTEMPTS)
    if ticket is not None:
        decided("routing", "reopened_counted", ticket_id=ticket.id, agent_id=ticket.assignee)
    return ticket


# ---------------------------------------------------------------- agents' routing profiles


def save_profile(
    store: Store, agent_id: str, *, teams: list[str], skills: dict[str, int], capacity: dict[str, int]
) -> RoutingProfile:
    """An agent's teams, skills and capacity (load and presence stay what they are)."""
    agent = store.agents.find(agent_id)
    if agent is None:
        raise NotFound(f"agent '{agent_id}' not found")

    def attempt() -> RoutingProfile:
        old = store.routing.profile(agent_id)
        try:
            new = RoutingProfile(
                agent_id=agent_id,
                teams=teams,
                skills=skills,
                capacity=capacity,
                load=old.load if old else dict.fromkeys(KINDS, 0),
                presence=old.presence if old else agent.presence,
                version=(old.version if old else 0) + 1,
                updated_at=now_iso(),
            )
        except ValidationError as err:
            raise invalid(err) from None
        store.routing.save_profile(old, new)
        return new

    return retry_on_concurrent_update(attempt, MAX_ATTEMPTS)


def set_presence(store: Store, agent_id: str, presence: str) -> RoutingProfile | None:
    """The agent's presence as routing sees it (online agents with room are in their teams' pools); None
    when the agent has no routing profile yet."""
    if presence not in PRESENCE:
        raise InvalidInput(f"presence must be one of {', '.join(PRESENCE)}")

    def attempt() -> RoutingProfile | None:
        old = store.routing.profile(agent_id)
        if old is None:
            return None
        stamp = now()
        seen_at = iso(stamp) if presence == "online" else None
        # the same again is a heartbeat: written only now and then, as each write bumps the version
        if old.presence == presence and (presence != "online" or not _heartbeat_due(old, stamp)):
            return old
        new = old.model_copy(
            update={"presence": presence, "seen_at": seen_at, "version": old.version + 1, "updated_at": iso(stamp)}
        )
        store.routing.save_profile(old, new)
        return new

    return retry_on_concurrent_update(attempt, MAX_ATTEMPTS)


def _heartbeat_due(profile: RoutingProfile, moment: datetime) -> bool:
    """Whether an online agent's heartbeat is worth a write: a tenth of the presence timeout after the last."""
    if profile.seen_at is None:
        return True
    timeout = get_settings().presence_timeout_seconds
    return (moment - parse_iso(profile.seen_at)).total_seconds() >= timeout / 10


# ---------------------------------------------------------------- rules


def rules(store: Store) -> RuleSet:
    return store.routing.rule_set(fresh=True)


def save_rule(store: Store, actor_id: str, spec: RuleSpec) -> Rule:
    """Add a rule or change one: a change is a new version (kept beside the old ones); saving a rule as it
    already is changes nothing."""

    def attempt() -> Rule:
        current = store.routing.rule_set(fresh=True)
        existing = next((rule for rule in current.rules if rule.id == spec.id), None)
        if (
            existing is not None
            and RuleSpec.model_validate(existing.model_dump(include=set(RuleSpec.model_fields))) == spec
        ):
            return existing
        if existing is None and len(current.rules) >= MAX_RULES:
            raise Conflict(f"there are {MAX_RULES} rules already")
        stamp = now_iso()
        rule = Rule(
            **spec.model_dump(),
            version=(existing.version + 1) if existing else 1,
            updated_at=stamp,
            updated_by=actor_id,
        )
        others = [r for r in current.rules if r.id != spec.id]
        first_save = current.revision == 0  # the seeded defaults were never stored: store their versions too
        saved = current.model_copy(update={"revision": current.revision + 1, "rules": [*others, rule]})
        store.routing.save_rule_set(saved, [*others, rule] if first_save else [rule])
        decided("rules", "saved", rule_id=rule.id, rule_version=rule.version, revision=saved.revision)
        return rule

    return retry_on_concurrent_update(attempt, MAX_ATTEMPTS)


def dry_run(store: Store, sample: TicketFacts, trigger: Trigger = Trigger.CREATED) -> Outcome:
    """What the stored rules would do to a sample ticket; nothing is written."""
    return evaluate(store.routing.rule_set(fresh=True), sample, trigger)


# ---------------------------------------------------------------- what the admin API calls (admins only)


def admin_rules(store: Store, caller: Caller) -> RuleSet:
    caller.require("admin")
    return rules(store)


def admin_save_rule(store: Store, caller: Caller, spec: RuleSpec) -> Rule:
    caller.require("admin")
    return save_rule(store, caller.id, spec)


def admin_save_business_hours(store: Store, caller: Caller, hours: BusinessHours) -> RuleSet:
    """The hours the rules' ``business_hours`` conditions and ``{back_at}`` mean (a new revision)."""
    caller.require("admin")

    def attempt() -> RuleSet:
        current = store.routing.rule_set(fresh=True)
        if current.business_hours == hours:
            return current
        saved = current.model_copy(update={"revision": current.revision + 1, "business_hours": hours})
        store.routing.save_rule_set(saved, list(current.rules) if current.revision == 0 else [])
        decided("rules", "hours_saved", revision=saved.revision)
        return saved

    return retry_on_concurrent_update(attempt, MAX_ATTEMPTS)


def admin_dry_run(store: Store, caller: Caller, sample: TicketFacts, trigger: Trigger) -> Outcome:
    caller.require("admin")
    return dry_run(store, sample, trigger)


def admin_save_profile(
    store: Store, caller: Caller, agent_id: str, *, teams: list[str], skills: dict[str, int], capacity: dict[str, int]
) -> RoutingProfile:
    caller.require("admin")
    profile = save_profile(store, agent_id, teams=teams, skills=skills, capacity=capacity)
    assign_waiting(store, agent_id)  # more room or new teams: use it at once
    return store.routing.profile(agent_id) or profile


def admin_agents(store: Store, caller: Caller) -> list[DirectoryEntry]:
    """Every agent with their routing profile (None: never configured), for the admin screens."""
    caller.require("admin")
    return directory(store)


def admin_teams(store: Store, caller: Caller) -> list[Team]:
    caller.require("admin")
    return sorted(store.routing.all_teams(), key=lambda team: team.id)


def admin_team(store: Store, caller: Caller, team_id: str) -> Team:
    caller.require("admin")
    team = store.routing.team(team_id)
    if team is None:
        raise NotFound(f"no team '{team_id}'")
    return team


def admin_save_team(store: Store, caller: Caller, team: Team) -> Team:
    """The team, and its schedule copied into the rule set in the same transaction (a new revision when the
    schedule changed): ingest reads the rule set anyway, so night duty knows the team's hours for free."""
    caller.require("admin")
    saved = team.model_copy(update={"updated_at": now_iso()})
    schedule = saved.schedule()

    def attempt() -> None:
        current = store.routing.rule_set(fresh=True)
        schedules = {k: v for k, v in current.schedules.items() if k != team.id}
        if schedule.configured:
            schedules[team.id] = schedule
        if schedules == current.schedules:
            store.routing.put_team(saved)
            return
        rule_set = current.model_copy(update={"revision": current.revision + 1, "schedules": schedules})
        store.routing.save_rule_set(rule_set, list(current.rules) if current.revision == 0 else [], team=saved)

    retry_on_concurrent_update(attempt, MAX_ATTEMPTS)
    decided("team", "saved", team=team.id)
    return saved


def admin_save_organization(store: Store, caller: Caller, organization: Organization) -> Organization:
    caller.require("admin")
    if organization.agent and store.agents.find(organization.agent) is None:
        raise InvalidInput(f"no agent '{organization.agent}'")
    saved = organization.model_copy(update={"updated_at": now_iso()})
    store.routing.put_organization(saved)
    decided("organization", "saved", organization=organization.id)
    return saved


def admin_organizations(store: Store, caller: Caller, *, limit: int, cursor: str | None) -> OrganizationPage:
    """A page of the organizations (B2B accounts), by id, as ``admin_save_organization`` saved them; the next
    page from ``cursor`` (the previous page's ``next_cursor``)."""
    caller.require("admin")
    if not 1 <= limit <= MAX_ORGANIZATIONS_PAGE:
        raise InvalidInput(f"limit must be 1-{MAX_ORGANIZATIONS_PAGE}")
    return store.routing.organizations(limit=limit, cursor=cursor)


@dataclass(frozen=True)
class DirectoryEntry:
    agent: Agent
    profile: RoutingProfile | None


def directory(store: Store) -> list[DirectoryEntry]:
    """Every agent with their teams, presence and load (any role may look): the agent list, then their routing
    profiles in batch reads of 100."""
    agents = store.agents.all()
    profiles = {p.agent_id: p for p in store.routing.profiles([a.id for a in agents])} if agents else {}
    return [DirectoryEntry(agent, profiles.get(agent.id)) for agent in agents]
