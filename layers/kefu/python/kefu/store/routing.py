"""Routing's records: the rule set and each rule's past versions, teams, agents' routing profiles, the
waiting queues and the pools of available agents (access patterns 20-25 in ``keys``).

- The rule set is one item, so ingest can fetch it inside the batch read it makes anyway, and a container
  keeps it for ``RULES_CACHE_SECONDS``; every saved version of a rule is also kept in its own item (audit,
  and what a ticket event's ``rule_version`` refers to).
- A queue partition holds a team's waiting tickets of one kind in queue order; a pool partition holds that
  team's online agents with room for that kind, least loaded first. A decision reads the head of each with
  a ``Limit``, so its cost does not grow with the number of tickets or agents.
- A pool item is a copy of the agent's profile, written in the same transaction as the profile (which is
  conditional on the profile's ``version``): a copy can be read stale, but a claim made from a stale copy
  is refused, never committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kefu import cursor as cursors
from kefu.errors import ConcurrentUpdate
from kefu.routing.queue import KINDS, Organization, QueueEntry, RoutingProfile, Team, rank
from kefu.routing.rules import Rule, RuleSet, default_rule_set, upgraded
from kefu.store import counters, keys
from kefu.store.cache import TtlCache
from kefu.store.table import Read, Table, Transaction, from_av, to_av

RULES_CACHE_SECONDS = 30.0
TEAMS_CACHE_SECONDS = 60.0
_RULES = "rules"
QUEUE_ENTRY = "queue_entry"  # the entity of a queue entry (what the stream reacts to)
ONLINE_READ = 500  # online agents the live figures list at most
ORGANIZATIONS_PAGE = 50  # the admin list of organizations: a page by default, and at most
MAX_ORGANIZATIONS_PAGE = 100
# upper bounds (seconds) of the buckets of time-to-assignment counters; the last bucket is open-ended
WAIT_BUCKETS = (5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400)


def _rule_set_item(rule_set: RuleSet) -> dict[str, Any]:
    schedules = {team: schedule.model_dump(mode="json") for team, schedule in rule_set.schedules.items()}
    return {
        **keys.rule_set().as_dict(),
        keys.ENTITY: "rule_set",
        **rule_set.model_dump(mode="json"),
        "schedules": schedules,  # not in the API's view of the rule set, but stored with it
        "builtins": rule_set.builtins,  # the edition of the built-in rules it has taken in
    }


def _decode_rule_set(item: dict[str, Any]) -> RuleSet:
    """The stored set, brought up to the current edition of the built-in rules (stored at its next save); a set
    stored before editions were recorded has taken in edition 1."""
    fields = ("revision", "rules", "business_hours", "schedules", "builtins")
    return upgraded(RuleSet.model_validate({"builtins": 1, **{k: item[k] for k in fields if k in item}}))


def _profile_item(profile: RoutingProfile) -> dict[str, Any]:
    # online agents carry the keys of the online list (sparse), so the live figures read them, not all agents
    online = keys.online_index_keys(profile.agent_id) if profile.presence == "online" else {}
    return {
        **keys.routing_profile(profile.agent_id).as_dict(),
        **online,
        keys.ENTITY: "routing_profile",
        **_plain(profile),
    }


def _plain(model: Any) -> dict[str, Any]:
    return dict(model.model_dump(mode="json"))


def _pool_keys(profile: RoutingProfile) -> dict[keys.Key, str]:
    """The pool places an agent holds: each team, each kind the agent has room for while online."""
    return {
        keys.pool_entry(team, kind, profile.load_share(kind), profile.agent_id): kind
        for team in profile.teams
        for kind in KINDS
        if profile.available(kind)
    }


def _decode_profile(item: dict[str, Any]) -> RoutingProfile:
    return RoutingProfile.model_validate({k: item[k] for k in RoutingProfile.model_fields if k in item})


def _changed_profile() -> ConcurrentUpdate:
    return ConcurrentUpdate("the agent's routing profile was changed at the same time; try again")


def _claimed() -> ConcurrentUpdate:
    return ConcurrentUpdate("the ticket left the queue at the same time (claimed or changed); try again")


@dataclass(frozen=True)
class OrganizationPage:
    items: list[Organization]
    next_cursor: str | None  # None on the last page


class RoutingRepository:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._rules: TtlCache[str, RuleSet] = TtlCache(RULES_CACHE_SECONDS, 1)
        self._teams: TtlCache[str, Team] = TtlCache(TEAMS_CACHE_SECONDS, 256)
        self._unconfigured: TtlCache[str, bool] = TtlCache(TEAMS_CACHE_SECONDS, 256)
        self._organizations: TtlCache[str, Organization | bool] = TtlCache(TEAMS_CACHE_SECONDS, 1024)

    # ------------------------------------------------------------ rules (20, 21)

    def cached_rule_set(self) -> RuleSet | None:
        """The rule set if this container read it lately (no request made)."""
        return self._rules.get(_RULES)

    def rule_set_read(self) -> Read[RuleSet]:
        """For a batch (``Table.read``); hand the result (or None: never saved) to ``remember_rule_set``."""
        return Read(keys.rule_set(), _decode_rule_set)

    def remember_rule_set(self, found: RuleSet | None) -> RuleSet:
        """What was read, or the defaults when no admin ever saved a rule; cached either way."""
        rule_set = found if found is not None else default_rule_set()
        self._rules.put(_RULES, rule_set)
        return rule_set

    def rule_set(self, *, fresh: bool = False) -> RuleSet:
        cached = None if fresh else self.cached_rule_set()
        if cached is not None:
            return cached
        item = self.table.get(keys.rule_set())
        return self.remember_rule_set(_decode_rule_set(item) if item else None)

    def save_rule_set(self, rule_set: RuleSet, changed: list[Rule], team: Team | None = None) -> None:
        """Write the set at ``revision`` (one more than the stored one, or 1 for the first) and each changed
        rule's version item (and the ``team`` whose schedule the set copies), together, with the version items
        of the built-in rules an upgrade brought in since the last save; ConcurrentUpdate when another admin
        saved in between."""
        tx = Transaction()
        if team is not None:
            self._teams.pop(team.id)
            self._unconfigured.pop(team.id)
            tx.put(self._team_item(team))
        if rule_set.revision <= 1:
            tx.put(_rule_set_item(rule_set), condition="attribute_not_exists(PK)", refused=_rules_changed())
        else:
            tx.put(
                _rule_set_item(rule_set),
                condition="revision = :r",
                values={":r": rule_set.revision - 1},
                refused=_rules_changed(),
            )
        versions = {(rule.id, rule.version): rule for rule in [*rule_set.unsaved, *changed]}
        for rule in versions.values():
            tx.put(
                {
                    **keys.rule_version(rule.id, rule.version).as_dict(),
                    keys.ENTITY: "rule_version",
                    **_plain(rule),
                    "revision": rule_set.revision,
                },
                condition="attribute_not_exists(PK)",
                refused=_rules_changed(),
            )
        self._rules.pop(_RULES)
        self.table.commit(tx, default_refusal=_rules_changed())

    def rule_history(self, rule_id: str) -> list[Rule]:
        partition, prefix = keys.rule_versions(rule_id)
        return [
            Rule.model_validate({k: item[k] for k in Rule.model_fields if k in item})
            for item in self.table.query(
                KeyConditionExpression="PK = :pk AND begins_with(SK, :v)",
                ExpressionAttributeValues=to_av({":pk": partition, ":v": prefix}),
            )
        ]

    # ------------------------------------------------------------ teams (22)

    @staticmethod
    def _team_item(team: Team) -> dict[str, Any]:
        return {**keys.team(team.id).as_dict(), **keys.team_list_keys(team.id), keys.ENTITY: "team", **_plain(team)}

    def put_team(self, team: Team) -> None:
        self._teams.pop(team.id)
        self._unconfigured.pop(team.id)
        self.table.put(self._team_item(team))

    def team(self, team_id: str) -> Team | None:
        """The team, from this container's cache when fresh; None when it was never configured."""
        cached = self._teams.get(team_id)
        if cached is not None:
            return cached
        if self._unconfigured.get(team_id):
            return None
        item = self.table.get(keys.team(team_id), consistent=False)
        if item is None:
            self._unconfigured.put(team_id, True)  # a team nobody configured: not asked again for a while
            return None
        team = Team.model_validate({k: item[k] for k in Team.model_fields if k in item})
        self._teams.put(team_id, team)
        return team

    def all_teams(self) -> list[Team]:
        index = keys.BY_STATUS
        return [
            Team.model_validate({k: item[k] for k in Team.model_fields if k in item})
            for item in self.table.query(
                IndexName=index.name,
                KeyConditionExpression=f"{index.partition} = :pk",
                ExpressionAttributeValues=to_av({":pk": keys.ALL_TEAMS}),
            )
        ]

    # ------------------------------------------------------------ organizations (26)

    def put_organization(self, organization: Organization) -> None:
        self._organizations.pop(organization.id)
        item = {
            **keys.organization(organization.id).as_dict(),
            **keys.organization_list_keys(organization.id),
            keys.ENTITY: "organization",
            **_plain(organization),
        }
        self.table.put(item)

    def organization(self, organization_id: str) -> Organization | None:
        """The organization, from this container's cache when fresh (ingest reads it for each new ticket of
        a B2B contact); None when there is none by that id."""
        cached = self._organizations.get(organization_id)
        if cached is not None:
            return cached if isinstance(cached, Organization) else None
        item = self.table.get(keys.organization(organization_id), consistent=False)
        found = (
            Organization.model_validate({k: item[k] for k in Organization.model_fields if k in item}) if item else None
        )
        self._organizations.put(organization_id, found or False)
        return found

    # ------------------------------------------------------------ routing profiles and pools (23, 25)

    def profile(self, agent_id: str) -> RoutingProfile | None:
        item = self.table.get(keys.routing_profile(agent_id))
        return _decode_profile(item) if item else None

    def profiles(self, agent_ids: list[str]) -> list[RoutingProfile]:
        """Several agents' profiles in one batch read (the dedicated agents of a queue's head)."""
        found = self.table.read([Read(keys.routing_profile(agent_id), _decode_profile) for agent_id in agent_ids])
        return [profile for profile in found if profile is not None]

    def add_profile(self, tx: Transaction, old: RoutingProfile | None, new: RoutingProfile) -> None:
        """Write ``new`` (its version one past ``old``'s) and move its pool places, only if the stored profile
        is still ``old``. The caller sets ``new.version``."""
        if old is None:
            tx.put(_profile_item(new), condition="attribute_not_exists(PK)", refused=_changed_profile())
        else:
            tx.put(_profile_item(new), condition="version = :v", values={":v": old.version}, refused=_changed_profile())
        kept = _pool_keys(new)
        for key in _pool_keys(old) if old else {}:
            if key not in kept:
                tx.delete(key)
        snapshot = _plain(new)
        for key in kept:
            tx.put({**key.as_dict(), keys.ENTITY: "pool", **snapshot})

    def save_profile(self, old: RoutingProfile | None, new: RoutingProfile) -> None:
        tx = Transaction()
        self.add_profile(tx, old, new)
        self.table.commit(tx, default_refusal=_changed_profile())

    def pool(self, team_id: str, kind: str, limit: int) -> list[RoutingProfile]:
        """The ``limit`` least-loaded available agents of a team for a kind (copies; see the module doc)."""
        return [_decode_profile(item) for item in self._head(keys.pool_partition(team_id, kind), limit)]

    # ------------------------------------------------------------ queues (24)

    def add_to_queue(self, tx: Transaction, entry: QueueEntry) -> None:
        key = keys.queue_entry(entry.team, entry.kind, rank(entry), entry.ticket_id)
        by_age = keys.waiting_index_keys(entry.team, entry.kind, entry.entered_at, entry.ticket_id)
        tx.put({**key.as_dict(), **by_age, keys.ENTITY: QUEUE_ENTRY, **entry.model_dump(mode="json")})

    def remove_from_queue(self, tx: Transaction, entry: QueueEntry, *, must_exist: bool = False) -> None:
        key = keys.queue_entry(entry.team, entry.kind, rank(entry), entry.ticket_id)
        if must_exist:
            tx.delete(key, condition="attribute_exists(PK)", refused=_claimed())
        else:
            tx.delete(key)

    def queue_head(self, team_id: str, kind: str, limit: int) -> list[QueueEntry]:
        """The first ``limit`` waiting tickets of a team and kind, in queue order."""
        return [
            QueueEntry.model_validate({k: item[k] for k in QueueEntry.model_fields if k in item})
            for item in self._head(keys.queue_partition(team_id, kind), limit)
        ]

    def _head(self, partition: str, limit: int) -> list[dict[str, Any]]:
        return self.table.first(
            limit, KeyConditionExpression="PK = :pk", ExpressionAttributeValues=to_av({":pk": partition})
        )

    def commit(self, tx: Transaction) -> None:
        """A claim or a queue move: any refused condition means someone else got there first."""
        self.table.commit(tx, default_refusal=_claimed())

    # ------------------------------------------------------------ live figures (23b, 24b, 31, 32)

    def oldest_waiting(self, team_id: str, kind: str) -> QueueEntry | None:
        """The entry of a queue that has waited longest (its own index, one item read)."""
        index = keys.BY_STATUS
        for item in self.table.query(
            IndexName=index.name,
            KeyConditionExpression=f"{index.partition} = :pk",
            ExpressionAttributeValues=to_av({":pk": keys.waiting_index(team_id, kind)}),
            Limit=1,
        ):
            return QueueEntry.model_validate({k: item[k] for k in QueueEntry.model_fields if k in item})
        return None

    def online_profiles(self, limit: int = ONLINE_READ) -> list[RoutingProfile]:
        index = keys.BY_STATUS
        return [
            _decode_profile(item)
            for item in self.table.first(
                limit,
                IndexName=index.name,
                KeyConditionExpression=f"{index.partition} = :pk",
                ExpressionAttributeValues=to_av({":pk": keys.ONLINE_AGENTS}),
            )
        ]

    def count_waiting(self, team_id: str, kind: str, delta: int) -> None:
        """The stream's counter of a queue's length: +1 when an entry appears, -1 when one goes."""
        counters.add(self.table, keys.queue_counter(team_id, kind), "routing_counter", {"waiting": delta})

    def waiting_counts(self) -> dict[tuple[str, str], int]:
        """(team, kind) -> tickets waiting, for every queue that ever had one (one partition, one item each)."""
        counts: dict[tuple[str, str], int] = {}
        for item in self.table.query(
            KeyConditionExpression="PK = :pk", ExpressionAttributeValues=to_av({":pk": keys.QUEUE_COUNTERS})
        ):
            counts[keys.parse_queue_counter(str(item[keys.SK]))] = max(0, int(item.get("waiting", 0)))
        return counts

    def count_assignment(self, day: str, team_id: str, waited_seconds: float) -> None:
        """The stream's counters of a day's assignments by the queue: how many, the total wait, and a
        histogram of waits (``WAIT_BUCKETS``) the median is read from."""
        bucket = next((i for i, bound in enumerate(WAIT_BUCKETS) if waited_seconds <= bound), len(WAIT_BUCKETS))
        counters.add(
            self.table,
            keys.assignment_counter(day, team_id),
            "routing_counter",
            {"assigned": 1, "waited_ms": int(waited_seconds * 1000), f"b{bucket}": 1},
        )

    def assignment_counts(self, day: str) -> dict[str, dict[str, int]]:
        """team -> {"assigned", "waited_ms", "b0" ...} for one day."""
        out: dict[str, dict[str, int]] = {}
        for item in self.table.query(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues=to_av({":pk": keys.assignment_counters(day)}),
        ):
            out[str(item[keys.SK])] = {
                name: int(value)
                for name, value in item.items()
                if name in ("assigned", "waited_ms") or (name[:1] == "b" and name[1:].isdigit())
            }
        return out

    def organizations(self, *, limit: int, cursor: str | None) -> OrganizationPage:
        """A page of organizations, by id, from where ``cursor`` (one this method issued) stopped: pattern 26's
        list, one Query on its index partition asking for one item past the page, so a full last page has no
        cursor. The admin list reads it, never ingest, so it skips the cache. A cursor that is not one of this
        list's is ``InvalidCursor`` (400)."""
        index = keys.BY_STATUS
        query = cursors.query_fingerprint(list="organizations")
        start: dict[str, Any] = {}
        if cursor:  # signed and bound to this list: another list's cursor, or a changed one, is refused
            start["ExclusiveStartKey"] = to_av(cursors.decode(cursor, query))
        rows = self.table.first(
            limit + 1,
            IndexName=index.name,
            KeyConditionExpression=f"{index.partition} = :pk",
            ExpressionAttributeValues=to_av({":pk": keys.ALL_ORGANIZATIONS}),
            **start,
        )
        items = [
            Organization.model_validate({k: item[k] for k in Organization.model_fields if k in item})
            for item in rows[:limit]
        ]
        if len(rows) <= limit:
            return OrganizationPage(items, None)
        last = rows[limit - 1]
        position = {k: last[k] for k in (keys.PK, keys.SK, index.partition, index.sort)}
        return OrganizationPage(items, cursors.encode(position, query))


@dataclass(frozen=True)
class RoutingChange:
    """A stream record routing reacts to: a queue entry in or out, or an assignment by the queue."""

    kind: str  # entered_queue | left_queue | assigned | heartbeat | reopened
    team: str = ""
    work_kind: str = ""
    ticket_id: str = ""
    day: str = ""  # assigned: the UTC day of the assignment
    waited_seconds: float = 0.0
    entry: QueueEntry | None = None  # entered_queue: the entry as written
    agent_id: str = ""  # assigned: to whom; heartbeat: whose
    at: str = ""  # assigned: when; heartbeat: the heartbeat's time (seen_at)


def routing_change(
    event_name: str, new_image: dict[str, Any] | None, old_image: dict[str, Any] | None
) -> RoutingChange | None:
    """Routing's reading of a stream record (images in DynamoDB's attribute-value form), None when the item
    is not routing's."""
    if (
        event_name in ("INSERT", "MODIFY")
        and new_image
        and new_image.get(keys.ENTITY, {}).get("S") == "routing_profile"
    ):
        seen_at = new_image.get("seen_at", {}).get("S")
        before = (old_image or {}).get("seen_at", {}).get("S")
        online = new_image.get("presence", {}).get("S") == "online"
        if online and seen_at and seen_at != before:
            return RoutingChange("heartbeat", agent_id=str(new_image.get("agent_id", {}).get("S", "")), at=seen_at)
        return None
    if event_name == "INSERT" and new_image:
        item = from_av(new_image)
        entity = item.get(keys.ENTITY)
        if entity == QUEUE_ENTRY:
            entry = QueueEntry.model_validate({k: item[k] for k in QueueEntry.model_fields if k in item})
            return RoutingChange("entered_queue", entry.team, entry.kind, entry.ticket_id, entry=entry)
        if entity == "event" and item.get("type") == "assigned":
            data = item.get("data") or {}
            if data.get("by") != "queue":
                return None
            return RoutingChange(
                "assigned",
                str(data.get("team") or ""),
                ticket_id=str(item.get("ticket_id", "")),
                day=str(item.get("created_at", ""))[:10],
                waited_seconds=float(data.get("waited_seconds") or 0.0),
                agent_id=str(data.get("to") or ""),
                at=str(item.get("created_at", "")),
            )
        if entity == "event" and item.get("type") == "reopened":
            return RoutingChange("reopened", ticket_id=str(item.get("ticket_id", "")))
        return None
    if event_name == "REMOVE" and old_image:
        place = keys.queue_place(str(old_image.get(keys.PK, {}).get("S", "")))
        if place is not None:
            return RoutingChange("left_queue", place[0], place[1], str(old_image.get("ticket_id", {}).get("S", "")))
    return None


def _rules_changed() -> ConcurrentUpdate:
    return ConcurrentUpdate("the rules were changed by someone else at the same time; reload and try again")
