"""A ticket's SLA clocks and the timers that watch them: a pure function of the ticket, its policy, its
calendar and the moment (no AWS, no clock of its own).

The three clocks (docs/metrics.md has the exact definitions):
- first response: from the later of the ticket's creation and the bot's handoff until the first public agent
  reply (it does not run while the bot is answering);
- next response: from the oldest customer message no public agent reply has answered (after the first
  response) until the next public agent reply;
- resolution: from creation until resolved, paused while the ticket waits on the customer (from a public
  agent reply until the customer writes again), stopped when resolved or closed, running again on reopen.

Every clock runs only while the ticket is open (pending or in progress). The schedule is, per running clock:
a warning at the policy's share of the target, the breach (level 1) at the due time, and level 2 the
policy's ``level2_after`` later, all in the policy's counted time. When the schedule changes (a reply, a
priority or tier change, a pause, a new policy), ``generation`` grows: the stream stops the execution of the
old generation and starts one for the new, so one ticket never has two live timers.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from kefu.clock import iso, parse_iso
from kefu.models import OPEN_STATUSES, Sla, SlaTimer, Ticket
from kefu.sla import business_time
from kefu.sla.business_time import Hours
from kefu.sla.policy import SlaPolicy


class Happened(StrEnum):
    CHANGED = "changed"  # anything else: status, priority, team, tier, policy
    CUSTOMER_MESSAGE = "customer_message"
    AGENT_REPLY = "agent_reply"  # a public reply (notes do not count)
    HANDOFF = "handoff"  # the bot handed the ticket over to people


def refresh(
    ticket: Ticket,
    policy: SlaPolicy | None,
    hours: Hours | None,
    now: datetime,
    happened: Happened = Happened.CHANGED,
) -> bool:
    """Bring ``ticket.sla`` up to date with what happened at ``now``; True when the schedule changed (a new
    generation, whose timers the workflow runs). ``hours`` is the team's calendar, used when the policy
    counts business time."""
    sla = ticket.sla
    stamp = iso(now)
    is_open = ticket.status in OPEN_STATUSES
    counted = hours if policy is not None and policy.calendar == "business" else None

    def used_until(moment: datetime) -> float:
        running = sla.resolution_running_since
        extra = business_time.between(parse_iso(running), moment, counted) if running else 0.0
        return sla.resolution_used_seconds + max(extra, 0.0)

    if sla.generation == 0 and not sla.schedule and is_open:
        sla.resolution_running_since = ticket.created_at  # never refreshed: the clock runs from creation
    if happened == Happened.CUSTOMER_MESSAGE and is_open:
        if sla.waiting_since is None:
            sla.waiting_since = stamp
        if sla.resolution_running_since is None:  # the customer answered: the clock runs again
            sla.resolution_running_since = stamp
            sla.resolution_met = None
    elif happened == Happened.HANDOFF and ticket.first_response_at is None:
        sla.first_response_from = stamp  # people answer from now on: their first response is measured from here
    elif happened == Happened.AGENT_REPLY:
        if ticket.first_response_at is not None and sla.first_response_met is None:
            due = sla.first_response_due_at
            sla.first_response_met = due is None or ticket.first_response_at <= due
            _record(sla, "first_response", sla.first_response_met)
        elif sla.waiting_since is not None and sla.next_response_due_at is not None:
            sla.next_response_met = stamp <= sla.next_response_due_at
            _record(sla, "next_response", sla.next_response_met)
        sla.waiting_since = None
        sla.next_response_due_at = None
        sla.warned = [t for t in sla.warned if t != "next_response"]  # the next cycle warns again
        sla.escalated.pop("next_response", None)
        if sla.resolution_running_since is not None:  # waiting on the customer: the clock pauses
            sla.resolution_used_seconds = used_until(now)
            sla.resolution_running_since = None
    if not is_open:
        if sla.resolution_running_since is not None:
            sla.resolution_used_seconds = used_until(now)
            sla.resolution_running_since = None
        if ticket.resolved_at is not None and sla.resolution_met is None and policy is not None:
            target = policy.target_seconds("resolution")
            if target is not None:
                sla.resolution_met = sla.resolution_used_seconds <= target
                _record(sla, "resolution", sla.resolution_met)
        sla.waiting_since = None
    elif sla.resolution_running_since is None and ticket.resolved_at is None and sla.resolution_met is not None:
        sla.resolution_running_since = stamp  # reopened: the clock runs on from where it stopped
        sla.resolution_met = None

    if policy is not None:
        sla.policy, sla.policy_version, sla.calendar = policy.id, policy.version, policy.calendar
    schedule = _schedule(ticket, policy, counted, is_open)
    signature = [f"{t.target}:{t.action}:{t.level}:{t.at}" for t in schedule]
    if signature == sla.schedule:
        return False
    sla.schedule = signature
    sla.generation += 1
    sla.timers = [t for t in schedule if not _done(sla, t)]
    return True


def _schedule(
    ticket: Ticket,
    policy: SlaPolicy | None,
    counted: Hours | None,
    is_open: bool,
) -> list[SlaTimer]:
    """Due times onto the ticket, and the full schedule of the running clocks (done steps included)."""
    sla = ticket.sla
    if policy is None:
        return []
    timers: list[SlaTimer] = []
    first_from = parse_iso(sla.first_response_from or ticket.created_at)
    first = policy.target_seconds("first_response")
    if first is not None and ticket.bot_active and ticket.first_response_at is None:
        sla.first_response_due_at = None  # the bot answers: the clock starts at its handoff
    elif first is not None:
        sla.first_response_due_at = iso(business_time.add(first_from, first, counted))
        if is_open and ticket.first_response_at is None:
            timers += _steps(policy, counted, "first_response", first_from, first, 0.0)
    following = policy.target_seconds("next_response")
    if following is not None and ticket.first_response_at is not None and sla.waiting_since is not None:
        start = parse_iso(sla.waiting_since)
        sla.next_response_due_at = iso(business_time.add(start, following, counted))
        if is_open:
            timers += _steps(policy, counted, "next_response", start, following, 0.0)
    else:
        sla.next_response_due_at = None
    resolution = policy.target_seconds("resolution")
    if resolution is not None and sla.resolution_running_since is not None and is_open:
        start = parse_iso(sla.resolution_running_since)
        left = resolution - sla.resolution_used_seconds
        sla.resolution_due_at = iso(business_time.add(start, max(left, 0.0), counted))
        timers += _steps(policy, counted, "resolution", start, resolution, sla.resolution_used_seconds)
    elif resolution is None or sla.resolution_running_since is None:
        sla.resolution_due_at = None if is_open or ticket.resolved_at is None else sla.resolution_due_at
    return sorted(timers, key=lambda t: (t.at, t.level))


def _steps(
    policy: SlaPolicy, counted: Hours | None, target: str, start: datetime, seconds: float, used: float
) -> list[SlaTimer]:
    """Warn, level 1 and level 2 of one clock that started (or resumed, ``used`` seconds in) at ``start``."""
    due = business_time.add(start, seconds - used, counted)
    steps = [SlaTimer(at=iso(due), action="breach", target=target, level=1)]
    warn = seconds * policy.warn_at - used
    if warn > 0:
        steps.insert(0, SlaTimer(at=iso(business_time.add(start, warn, counted)), action="warn", target=target))
    if policy.level2_after is not None:
        later = business_time.add(due, policy.target_seconds("level2_after") or 0.0, counted)
        steps.append(SlaTimer(at=iso(later), action="breach", target=target, level=2))
    return steps


def _done(sla: Sla, timer: SlaTimer) -> bool:
    if timer.action == "warn":
        return timer.target in sla.warned or sla.escalated.get(timer.target, 0) >= 1
    return sla.escalated.get(timer.target, 0) >= timer.level


def _record(sla: Sla, target: str, met: bool) -> None:
    if not met and target not in sla.breaches:
        sla.breaches.append(target)
        sla.breached = True
