"""SLA policies (patterns 33, 34), in-app notifications (35) and the SLA counters the stream keeps (36, 37)
in ``keys``.

The policy set is one item, versioned as a whole (``revision``, checked on save) with an item per policy
version beside it; containers cache it briefly, as they do the routing rules. The timers themselves are not
in the table: each ticket's due times are on the ticket (``Ticket.sla``) and its one live timer is a Step
Functions execution (kefu.services.sla).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from kefu.clock import epoch_after
from kefu.errors import ConcurrentUpdate
from kefu.sla.policy import PolicySet, SlaPolicy, default_policies
from kefu.store import counters, keys
from kefu.store.cache import TtlCache
from kefu.store.table import Read, Table, Transaction, to_av

POLICIES_CACHE_SECONDS = 10.0
NOTIFICATION_TTL_DAYS = 30
NOTIFICATIONS_PAGE = 50
_POLICIES = "policies"
BACKLOG = "#backlog"  # pattern 37's item for the total backlog (no team id starts with #)


def _changed() -> ConcurrentUpdate:
    return ConcurrentUpdate("the SLA policies were changed at the same time; try again")


def _decode_policies(item: dict[str, Any]) -> PolicySet:
    return PolicySet.model_validate({k: item[k] for k in ("revision", "policies") if k in item})


class SlaRepository:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._policies: TtlCache[str, PolicySet] = TtlCache(POLICIES_CACHE_SECONDS, 1)

    def policies(self, *, fresh: bool = False) -> PolicySet:
        """The saved policy set, or the defaults when no admin ever saved one (cached briefly)."""
        cached = None if fresh else self.cached_policies()
        if cached is not None:
            return cached
        item = self.table.get(keys.sla_policy_set(), consistent=fresh)
        return self.remember_policies(_decode_policies(item) if item else None)

    def cached_policies(self) -> PolicySet | None:
        """The policy set if this container read it lately (no request made)."""
        return self._policies.get(_POLICIES)

    def policies_read(self) -> Read[PolicySet]:
        """For a batch (``Table.read``), so a cold container's first message costs no request of its own;
        hand the result (None: never saved) to ``remember_policies``."""
        return Read(keys.sla_policy_set(), _decode_policies)

    def remember_policies(self, found: PolicySet | None) -> PolicySet:
        policy_set = found if found is not None else default_policies()
        self._policies.put(_POLICIES, policy_set)
        return policy_set

    def save(self, policy_set: PolicySet, changed: SlaPolicy) -> None:
        """The set at ``revision`` (one more than the stored one) and the changed policy's version item,
        together; ConcurrentUpdate when another admin saved in between."""
        tx = Transaction()
        item = {
            **keys.sla_policy_set().as_dict(),
            keys.ENTITY: "sla_policies",
            **policy_set.model_dump(mode="json"),
        }
        if policy_set.revision <= 1:
            tx.put(item, condition="attribute_not_exists(PK)", refused=_changed())
        else:
            tx.put(item, condition="revision = :r", values={":r": policy_set.revision - 1}, refused=_changed())
        tx.put(
            {
                **keys.sla_policy_version(changed.id, changed.version).as_dict(),
                keys.ENTITY: "sla_policy_version",
                **changed.model_dump(mode="json"),
                "revision": policy_set.revision,
            },
            condition="attribute_not_exists(PK)",
            refused=_changed(),
        )
        self._policies.pop(_POLICIES)
        self.table.commit(tx, default_refusal=_changed())

    # ------------------------------------------------------------ notifications (35)

    def add_notification(self, tx: Transaction, recipient: str, notification: dict[str, Any]) -> None:
        key = keys.notification(recipient, str(notification["created_at"]), str(notification["id"]))
        tx.put(
            {
                **key.as_dict(),
                keys.ENTITY: "notification",
                "recipient": recipient,
                **notification,
                keys.TTL_ATTRIBUTE: epoch_after(timedelta(days=NOTIFICATION_TTL_DAYS)),
            }
        )

    def notifications(self, recipient: str, limit: int = NOTIFICATIONS_PAGE) -> list[dict[str, Any]]:
        """A recipient's latest notifications, newest first."""
        return [
            {k: v for k, v in item.items() if k not in (keys.PK, keys.SK, keys.TTL_ATTRIBUTE)}
            for item in self.table.first(
                limit,
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues=to_av({":pk": keys.notifications_of(recipient)}),
                ScanIndexForward=False,
            )
        ]

    # ------------------------------------------------------------ counters (36, 37), the stream's only

    def count_day(self, day: str, team: str, **deltas: int) -> None:
        """Add to one team's figures of one day (``first_responses``, ``first_response_ms``, ``breaches``)."""
        counters.add(self.table, keys.sla_counter(day, team), "sla_counter", deltas)

    def count_risk(self, team: str, delta: int) -> None:
        counters.add(self.table, keys.sla_risk_counter(team), "sla_counter", {"at_risk": delta})

    def count_backlog(self, delta: int, then: Callable[[int], None] | None = None) -> int | None:
        """The tickets waiting for an agent, all teams (one item: the stream alone writes it). ``then`` is
        told the new total once written; so is the caller, unless the write waits for the end of a stream
        batch (``counters.gathered``): then None."""
        total: list[int] = []

        def written(item: dict[str, Any]) -> None:
            total.append(max(0, int(item["waiting"])))
            if then is not None:
                then(total[-1])

        counters.add(self.table, keys.sla_risk_counter(BACKLOG), "sla_counter", {"waiting": delta}, written)
        return total[0] if total else None

    def day_counts(self, day: str) -> dict[str, dict[str, int]]:
        """team -> that day's counters (one partition, one item per team)."""
        out: dict[str, dict[str, int]] = {}
        for item in self.table.query(
            KeyConditionExpression="PK = :pk", ExpressionAttributeValues=to_av({":pk": keys.sla_counters(day)})
        ):
            out[str(item[keys.SK])] = {
                name: int(item.get(name, 0)) for name in ("first_responses", "first_response_ms", "breaches")
            }
        return out

    def risk_counts(self) -> dict[str, int]:
        """team -> open tickets warned and not yet breached (a replayed record cannot take one below 0)."""
        return {
            str(item[keys.SK]): max(0, int(item.get("at_risk", 0)))
            for item in self.table.query(
                KeyConditionExpression="PK = :pk", ExpressionAttributeValues=to_av({":pk": keys.SLA_RISK_COUNTERS})
            )
            if item[keys.SK] != BACKLOG
        }
