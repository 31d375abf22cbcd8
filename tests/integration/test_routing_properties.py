"""Hypothesis state machine over the real claim (moto's conditional writes): random agents, tickets, presence
changes, freed capacity, and deciders racing from the same reads. Whatever the order:

- no ticket is ever assigned twice, and a claim made from stale reads writes nothing;
- no agent ever holds more than its capacity, and its stored load is exactly what it was given;
- a waiting ticket has exactly one queue entry, an assigned one none;
- after the queue is drained, no ticket waits while an online agent of its team has room;
- within a team, no waiting ticket ranks ahead of one that was assigned in the same drain (a VIP never waits
  behind a normal ticket of the same priority that the same agents could take).
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from kefu.clock import iso, new_id, now
from kefu.errors import ConcurrentUpdate
from kefu.models import Agent, Priority, Sla, Ticket, TicketStatus, Tier
from kefu.routing.queue import DEFAULT_RELAXATION, QueueEntry, rank
from kefu.services import routing
from kefu.store import Store, Transaction
from tests.integration.conftest import Cloud

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


class ClaimMachine(RuleBasedStateMachine):
    store: Store

    def __init__(self) -> None:
        super().__init__()
        run = next(RUNS)
        self.teams = [f"t{run}a", f"t{run}b"]  # fresh names per run: one table serves every example
        self.agents: dict[str, dict[str, object]] = {}
        self.held: dict[str, list[str]] = {}  # agent -> tickets it holds (our model)
        self.tickets: dict[str, str] = {}  # ticket -> team
        self.assignments: dict[str, int] = {}  # ticket -> successful claims

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
        )
    )
    def make_agents(self, specs: list[tuple[set[int], int, int, str]]) -> None:
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

    @rule(team=st.integers(0, 1))
    def one_decision(self, team: int) -> None:
        assigned = routing.assign_next(self.store, self.teams[team], "chat", at=now() + LATER)
        if assigned is not None:
            self._record(assigned)

    @rule(team=st.integers(0, 1), racers=st.integers(2, 4))
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
        self.store.tickets.add_ticket(tx, ticket, expected_version=expected)
        self.store.tickets.commit(tx)
        routing.release(self.store, agent_id, "chat")

    @rule(data=st.data(), presence=st.sampled_from(["online", "away", "offline"]))
    @precondition(lambda self: bool(self.agents))
    def presence_changes(self, data: st.DataObject, presence: str) -> None:
        agent_id = data.draw(st.sampled_from(sorted(self.agents)))
        routing.set_presence(self.store, agent_id, presence)
        self.agents[agent_id]["presence"] = presence

    @rule(team=st.integers(0, 1))
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
        assert not (waiting and room), "a ticket waits while an online agent of its team has room"
        last_taken = max((rank_of(t) for t in drained), default=None)
        for ticket in waiting:
            entry = routing.entry_for(ticket)
            assert entry is not None and (last_taken is None or rank(entry) >= last_taken)

    def _record(self, ticket: Ticket) -> None:
        assert ticket.assignee is not None
        self.assignments[ticket.id] = self.assignments.get(ticket.id, 0) + 1
        self.held[ticket.assignee].append(ticket.id)

    @invariant()
    def nobody_is_assigned_twice_and_nobody_is_over_capacity(self) -> None:
        assert all(count == 1 for count in self.assignments.values())
        for agent_id, spec in self.agents.items():
            profile = self.store.routing.profile(agent_id)
            assert profile is not None
            assert profile.load["chat"] == len(self.held[agent_id]) <= spec["chats"]  # type: ignore[operator]

    @invariant()
    def waiting_tickets_have_one_entry_assigned_ones_none(self) -> None:
        for team in self.teams:
            entries = self.store.routing.queue_head(team, "chat", 1000)
            ids = [e.ticket_id for e in entries]
            assert len(ids) == len(set(ids))
            for entry in entries:
                ticket = self.store.tickets.get(entry.ticket_id)
                assert ticket.assignee is None and routing.entry_for(ticket) == entry
            expected = {t for t, owner in self.tickets.items() if owner == team and t not in self.assignments}
            assert set(ids) == expected


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_the_claim_keeps_its_invariants(cloud: Cloud) -> None:
    ClaimMachine.store = cloud.store
    machine = ClaimMachine.TestCase
    machine.settings = settings(
        max_examples=20,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    machine().runTest()
