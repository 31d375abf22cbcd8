"""Hypothesis state machine over the real claim (moto's conditional writes): random agents, tickets, presence
changes, freed capacity, and deciders racing from the same reads. Whatever the order:

- no ticket is ever assigned twice, and a claim made from stale reads writes nothing;
- no agent ever holds more than its capacity, and its stored load is exactly what it was given;
- a waiting ticket has exactly one queue entry, an assigned one none;
- after the queue is drained, no ticket waits while an online agent of its team has room;
- within a team, no waiting ticket ranks ahead of one that was assigned in the same drain (a VIP never waits
  behind a normal ticket of the same priority that the same agents could take).

The event-driven part plays what the stack does after each change: the stream handler reads the table's
stream and the routing function takes the jobs it queued (``react``), with no decision made by the test. New
events: a ticket goes back unanswered (not to the same agent), an agent's presence expires without a
heartbeat, a resolved ticket is reopened (it counts against its assignee again, even beyond capacity), a
waiting ticket is transferred to the other team. After each of them, once the stack has reacted:

- no ticket is left waiting while an eligible online agent has room (its team, online, room for a chat, the
  proficiency its wait asks for, not the agent it came back from);
- a ticket was claimed by the queue at most once per time it entered the queue.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from routing.handler import lambda_handler as routing_function

from kefu.auth import Caller
from kefu.clock import iso, new_id, now, parse_iso
from kefu.errors import ConcurrentUpdate
from kefu.models import Agent, Priority, Sla, Ticket, TicketStatus, Tier
from kefu.routing.jobs import JobKind, RoutingJob
from kefu.routing.queue import DEFAULT_RELAXATION, QueueEntry, rank
from kefu.services import routing, routing_jobs
from kefu.services import tickets as ticket_use_cases
from kefu.store import Store, Transaction
from stream.handler import lambda_handler as stream
from tests.integration.conftest import Cloud
from tests.support.aws_events import FakeContext, stream_event

RUNS = itertools.count()
LATER = timedelta(minutes=10)  # past every relaxation step: any team member may take any ticket


def rank_of(ticket: Ticket) -> str:
    """Where the ticket stood in its queue (an assigned ticket has no entry any more)."""
    entry = QueueEntry(
        ticket_id=ticket.id,
        team=ticket.team or "",
        kind="chat",
        priority=ticket.priority,
        tier=ticket.customer_tier,
        sla_due_at=ticket.sla.first_response_due_at,
        created_at=ticket.created_at,
        entered_at=ticket.created_at,
    )
    return rank(entry)


def needed_proficiency(waited_seconds: float) -> int | None:
    """The default relaxation, written out independently of the code under test."""
    return 3 if waited_seconds < 60 else 1 if waited_seconds < 300 else None


class ClaimMachine(RuleBasedStateMachine):
    store: Store
    cloud: Cloud
    modes: tuple[bool, ...] = (False,)  # which runs a test asks for: the claim's alone (False), the stack's (True)

    def __init__(self) -> None:
        super().__init__()
        run = next(RUNS)
        self.teams = [f"t{run}a", f"t{run}b"]  # fresh names per run: one table serves every example
        self.agents: dict[str, dict[str, object]] = {}
        self.held: dict[str, list[str]] = {}  # agent -> tickets it holds (our model)
        self.tickets: dict[str, str] = {}  # ticket -> team
        self.assignments: dict[str, int] = {}  # ticket -> successful claims
        self.levels: dict[str, int] = {}  # agent -> proficiency in the tickets' skill
        self.reopened: set[str] = set()  # tickets that came back to their assignee beyond capacity
        self.reactive = False  # once an event-driven rule ran, the stack's own decisions are in play

    @initialize(
        specs=st.lists(
            st.tuples(
                st.sets(st.integers(0, 1), min_size=1),  # teams
                st.integers(1, 5),  # proficiency in the tickets' skill
                st.integers(0, 3),  # chat capacity
                st.sampled_from(["online", "online", "away"]),
            ),
            min_size=1,
            max_size=4,
        ),
        reactive=st.deferred(lambda: st.sampled_from(ClaimMachine.modes)),
    )
    def make_agents(self, specs: list[tuple[set[int], int, int, str]], reactive: bool) -> None:
        """A run is either the claim's alone (the test decides, at will and racing) or the stack's (after every
        change the stream and the routing function react, and the test decides nothing)."""
        for teams, level, chats, presence in specs:
            agent_id = new_id()
            self.store.agents.put(Agent(id=agent_id, presence=presence))
            team_names = [self.teams[i] for i in sorted(teams)]
            routing.save_profile(
                self.store,
                agent_id,
                teams=team_names,
                skills={"consultation": level},
                capacity={"chat": chats, "ticket": 0},
            )
            self.agents[agent_id] = {"teams": team_names, "chats": chats, "presence": presence}
            self.held[agent_id] = []
            self.levels[agent_id] = level
        if reactive:
            self.react()

    @rule(
        team=st.integers(0, 1),
        priority=st.sampled_from(list(Priority)),
        tier=st.sampled_from(list(Tier)),
        minutes_old=st.integers(0, 30),
        dedicated=st.none() | st.integers(0, 3),
    )
    def ticket_starts_waiting(
        self, team: int, priority: Priority, tier: Tier, minutes_old: int, dedicated: int | None
    ) -> None:
        """A ticket of some team, sometimes with a dedicated agent (who may not be in that team at all)."""
        agents = sorted(self.agents)
        own = agents[dedicated % len(agents)] if dedicated is not None and agents else None
        created = iso(now() - timedelta(minutes=minutes_old))
        ticket = Ticket(
            id=new_id(),
            channel="web",
            inbox="web",
            customer_id=new_id(),
            conversation_key=new_id(),
            priority=priority,
            customer_tier=tier,
            team=self.teams[team],
            dedicated_agent=own,
            sla=Sla(first_response_due_at=iso(now() + timedelta(minutes=5 if tier == Tier.VIP else 15))),
            created_at=created,
            updated_at=created,
        )
        tx = Transaction()
        routing.requeue(self.store, tx, None, ticket, created)
        self.store.tickets.add_ticket(tx, ticket, expected_version=None)
        self.store.tickets.commit(tx)
        self.tickets[ticket.id] = ticket.team or ""
        self.settle()

    @rule(team=st.integers(0, 1))
    @precondition(lambda self: not self.reactive)
    def one_decision(self, team: int) -> None:
        assigned = routing.assign_next(self.store, self.teams[team], "chat", at=now() + LATER)
        if assigned is not None:
            self._record(assigned)

    @rule(team=st.integers(0, 1), racers=st.integers(2, 4))
    @precondition(lambda self: not self.reactive)
    def deciders_race_from_the_same_reads(self, team: int, racers: int) -> None:
        name = self.teams[team]
        moment = now() + LATER
        entries = self.store.routing.queue_head(name, "chat", routing.QUEUE_READ)
        agents = self.store.routing.pool(name, "chat", routing.POOL_READ)
        decision = routing.next_assignment(entries, agents, list(DEFAULT_RELAXATION), moment)
        if decision is None:
            return
        # every racer reads and builds its claim before any commits: only the conditions can stop them
        prepared = [routing.prepare_claim(self.store, decision, moment) for _ in range(racers)]
        wins = 0
        for claim in prepared:
            try:
                self._record(routing.commit_claim(self.store, claim))
                wins += 1
            except ConcurrentUpdate:
                pass
        assert wins == 1

    @rule(data=st.data())
    @precondition(lambda self: any(self.held.values()))
    def capacity_frees(self, data: st.DataObject) -> None:
        agent_id = data.draw(st.sampled_from(sorted(a for a, held in self.held.items() if held)))
        ticket_id = self.held[agent_id].pop(0)
        ticket = self.store.tickets.get(ticket_id)
        tx = Transaction()
        expected, ticket.version, ticket.status = ticket.version, ticket.version + 1, TicketStatus.RESOLVED
        ticket.load_holder = None  # as a resolve does: the load is given back once (below)
        self.store.tickets.add_ticket(tx, ticket, expected_version=expected)
        self.store.tickets.commit(tx)
        self.reopened.discard(ticket_id)
        if self.reactive:
            routing.release_quietly(self.store, agent_id, ticket.channel)  # as a resolve does: room used at once
            self.settle()
        else:
            routing.release(self.store, agent_id, "chat")

    @rule(data=st.data(), presence=st.sampled_from(["online", "away", "offline"]))
    @precondition(lambda self: bool(self.agents))
    def presence_changes(self, data: st.DataObject, presence: str) -> None:
        agent_id = data.draw(st.sampled_from(sorted(self.agents)))
        was = self.agents[agent_id]["presence"]
        routing.set_presence(self.store, agent_id, presence)
        self.agents[agent_id]["presence"] = presence
        if self.reactive:  # what PUT /me/presence does after it (kefu.services.agents)
            if presence == "online" and was != "online":
                routing.assign_waiting(self.store, agent_id)
            elif presence == "offline":
                routing.return_to_queue(self.store, agent_id, "assignee_offline")
                self.reopened -= set(self.held[agent_id])
            self.settle()

    @rule(team=st.integers(0, 1))
    @precondition(lambda self: not self.reactive)
    def drain(self, team: int) -> None:
        name = self.teams[team]
        drained: list[Ticket] = []
        while (assigned := routing.assign_next(self.store, name, "chat", at=now() + LATER)) is not None:
            self._record(assigned)
            drained.append(assigned)
        waiting = [self.store.tickets.get(t) for t, owner in self.tickets.items() if owner == name]
        waiting = [t for t in waiting if t.assignee is None and t.status == TicketStatus.PENDING]
        room = [
            a
            for a, spec in self.agents.items()
            if name in spec["teams"] and spec["presence"] == "online" and len(self.held[a]) < spec["chats"]  # type: ignore[operator]
        ]
        for ticket in waiting:  # not the agent it came back from unanswered
            assert not set(room) - {ticket.passed_over}, "a ticket waits while an online agent of its team has room"
        last_taken = max((rank_of(t) for t in drained), default=None)
        for ticket in waiting:
            entry = routing.entry_for(ticket)
            assert entry is not None and (last_taken is None or rank(entry) >= last_taken)

    # ------------------------------------------------------------ the event-driven rules

    def react(self) -> None:
        """What the stack does after a change: the stream mapping, then the routing queue's mapping, until
        neither has anything left (no decision is made by the test)."""
        quiet = 0
        for _ in range(200):  # the stream may hold a long backlog (every earlier example writes to it)
            records = self._pump_stream()
            assert self.cloud.run_sqs(routing_function, self.cloud.routing_url) == {"batchItemFailures": []}
            quiet = quiet + 1 if records == 0 else 0
            if quiet == 2:  # nothing came out of the stream, even after the routing function ran
                break
        else:
            raise AssertionError("the stack did not settle")
        self.reactive = True
        self._sync_from_store()

    def _pump_stream(self) -> int:
        """One read of the table's stream handed to the stream function, as its mapping does; how many records."""
        cloud = self.cloud
        if cloud.shard_iterator is None:
            shard = cloud.streams.describe_stream(StreamArn=cloud.stream_arn)["StreamDescription"]["Shards"][0]
            cloud.shard_iterator = cloud.streams.get_shard_iterator(
                StreamArn=cloud.stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        resp = cloud.streams.get_records(ShardIterator=cloud.shard_iterator)
        cloud.shard_iterator = resp.get("NextShardIterator")
        records = resp.get("Records", [])
        if records:
            result = stream(stream_event(records, cloud.stream_arn), FakeContext())
            assert result == {"batchItemFailures": []}
        return len(records)

    def settle(self) -> None:
        """Once the stack decides too, every change is followed by its reactions."""
        if self.reactive:
            self.react()

    def _sync_from_store(self) -> None:
        """The stack assigned and sent back tickets on its own: read who holds what back into the model."""
        for agent_id in self.held:
            self.held[agent_id] = []
        for ticket_id in self.tickets:
            ticket = self.store.tickets.get(ticket_id)
            if ticket.load_holder is not None and ticket.status == TicketStatus.IN_PROGRESS:
                self.held[ticket.load_holder].append(ticket_id)

    @rule()
    @precondition(lambda self: self.reactive)
    def the_stack_reacts(self) -> None:
        self.react()

    @rule(data=st.data())
    @precondition(lambda self: self.reactive and any(self.held.values()))
    def an_assignment_goes_unanswered(self, data: st.DataObject) -> None:
        agent_id = data.draw(st.sampled_from(sorted(a for a, held in self.held.items() if held)))
        ticket_id = data.draw(st.sampled_from(sorted(self.held[agent_id])))
        assert routing.send_back(self.store, ticket_id, agent_id, "no_answer", pass_over=True) is not None
        self.reopened.discard(ticket_id)
        self.react()

    @rule(data=st.data())
    @precondition(lambda self: self.reactive and bool(self.agents))
    def presence_expires(self, data: st.DataObject) -> None:
        agent_id = data.draw(st.sampled_from(sorted(self.agents)))
        profile = self.store.routing.profile(agent_id)
        assert profile is not None
        job = RoutingJob(kind=JobKind.CHECK_PRESENCE, agent_id=agent_id, since=profile.seen_at or "never")
        outcome = routing_jobs.run(self.store, job)
        if profile.presence == "online" and profile.seen_at is not None:
            assert outcome == "expired"
            self.agents[agent_id]["presence"] = "offline"
            self.reopened -= set(self.held[agent_id])
        else:
            assert outcome in ("not_online", "heartbeat_since")
        self.react()

    @rule(data=st.data())
    @precondition(lambda self: self.reactive and bool(self.resolved()))
    def a_resolved_ticket_is_reopened(self, data: st.DataObject) -> None:
        ticket_id = data.draw(st.sampled_from(sorted(self.resolved())))
        ticket = self.store.tickets.get(ticket_id)
        tx = Transaction()
        expected, ticket.version, ticket.status = ticket.version, ticket.version + 1, TicketStatus.IN_PROGRESS
        self.store.tickets.add_ticket(tx, ticket, expected_version=expected)
        self.store.tickets.commit(tx)
        assert routing.count_reopened(self.store, ticket_id) is not None
        self.reopened.add(ticket_id)
        self.react()

    def resolved(self) -> list[str]:
        return [t for t in self.tickets if self.store.tickets.get(t).status == TicketStatus.RESOLVED]

    @rule(data=st.data())
    @precondition(lambda self: self.reactive and bool(self.tickets))
    def a_waiting_ticket_moves_to_the_other_team(self, data: st.DataObject) -> None:
        ticket_id = data.draw(st.sampled_from(sorted(self.tickets)))
        ticket = self.store.tickets.get(ticket_id)
        if not routing.is_waiting(ticket):
            return
        other = self.teams[1 - self.teams.index(self.tickets[ticket_id])]
        supervisor = Caller(id="sup", roles=["supervisor"])
        ticket_use_cases.assign(self.store, supervisor, ticket_id, None, other)
        self.tickets[ticket_id] = other
        self.react()

    @invariant()
    def no_ticket_waits_while_an_eligible_online_agent_has_room(self) -> None:
        if not self.reactive:
            return  # the claim's runs: the test decides alone (the drain checks the same after each drain)
        moment = now()
        for ticket_id, team in self.tickets.items():
            ticket = self.store.tickets.get(ticket_id)
            if not routing.is_waiting(ticket) or ticket.queued_at is None:
                continue
            waited = (moment - parse_iso(ticket.queued_at)).total_seconds()
            if 50 <= waited <= 70 or 290 <= waited <= 310:
                continue  # a relaxation step passes about now: either answer is right
            needed = needed_proficiency(waited)
            for agent_id, spec in self.agents.items():
                profile = self.store.routing.profile(agent_id)
                assert profile is not None
                eligible = (
                    team in spec["teams"]  # type: ignore[operator]
                    and profile.presence == "online"
                    and profile.load["chat"] < spec["chats"]  # type: ignore[operator]
                    and agent_id != ticket.passed_over
                    and (needed is None or self.levels[agent_id] >= needed)
                )
                assert not eligible, f"ticket {ticket_id} waits while {agent_id} could take it"

    @invariant()
    def the_queue_claims_a_ticket_once_per_time_it_entered(self) -> None:
        if not self.reactive:
            return
        for ticket_id in self.tickets:
            events = self.store.tickets.thread(ticket_id)[1]
            claims = sum(1 for e in events if e.type == "assigned" and e.data.get("by") == "queue")
            entered = 1 + sum(1 for e in events if e.type == "unassigned")
            assert claims <= entered

    def _record(self, ticket: Ticket) -> None:
        assert ticket.assignee is not None
        self.assignments[ticket.id] = self.assignments.get(ticket.id, 0) + 1
        self.held[ticket.assignee].append(ticket.id)

    @invariant()
    def nobody_is_assigned_twice_and_nobody_is_over_capacity(self) -> None:
        if not self.reactive:  # once the stack decides too, the per-entry count above is the check
            assert all(count == 1 for count in self.assignments.values())
        for agent_id, spec in self.agents.items():
            profile = self.store.routing.profile(agent_id)
            assert profile is not None
            assert profile.load["chat"] == len(self.held[agent_id])
            beyond = len(self.reopened & set(self.held[agent_id]))  # reopened tickets count even beyond it
            assert profile.load["chat"] <= spec["chats"] + beyond  # type: ignore[operator]

    @invariant()
    def waiting_tickets_have_one_entry_assigned_ones_none(self) -> None:
        for team in self.teams:
            entries = self.store.routing.queue_head(team, "chat", 1000)
            ids = [e.ticket_id for e in entries]
            assert len(ids) == len(set(ids))
            for entry in entries:
                ticket = self.store.tickets.get(entry.ticket_id)
                assert ticket.assignee is None and routing.entry_for(ticket) == entry
            waiting = {t for t, owner in self.tickets.items() if owner == team}
            waiting = {t for t in waiting if routing.is_waiting(self.store.tickets.get(t))}
            assert set(ids) == waiting


def run_machine(cloud: Cloud, modes: tuple[bool, ...], *, shrink: bool = True) -> None:
    ClaimMachine.store = cloud.store
    ClaimMachine.cloud = cloud
    ClaimMachine.modes = modes
    machine = ClaimMachine.TestCase
    machine.settings = settings(
        max_examples=20,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        phases=list(Phase) if shrink else [Phase.explicit, Phase.reuse, Phase.generate],
    )
    machine().runTest()


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_the_claim_keeps_its_invariants(cloud: Cloud) -> None:
    run_machine(cloud, (False,))


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_the_stack_leaves_no_ticket_waiting_for_an_eligible_agent(cloud: Cloud) -> None:
    run_machine(cloud, (True,))
