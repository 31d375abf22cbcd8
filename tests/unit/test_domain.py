from __future__ import annotations

import itertools

import pytest

from kefu.auth import caller_from_claims
from kefu.clock import new_id, now_iso, parse_iso
from kefu.errors import Conflict, Forbidden, Unauthenticated, http_status_for
from kefu.models import ALLOWED_TRANSITIONS, TicketStatus, check_transition
from kefu.privacy import mask_email, mask_phone
from kefu.store.table import from_av, to_av


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("pending", "in_progress"),
        ("pending", "resolved"),
        ("in_progress", "resolved"),
        ("resolved", "closed"),
        ("resolved", "in_progress"),
        ("resolved", "pending"),
        ("closed", "closed"),
    ],
)
def test_legal_transitions(current: str, target: str) -> None:
    check_transition(TicketStatus(current), TicketStatus(target))


@pytest.mark.parametrize("target", ["pending", "in_progress", "resolved"])
def test_a_closed_ticket_stays_closed(target: str) -> None:
    with pytest.raises(Conflict) as err:
        check_transition(TicketStatus.CLOSED, TicketStatus(target))
    assert http_status_for(err.value) == 409
    assert "closed" in err.value.message


def test_every_status_has_a_rule_and_staying_put_is_legal() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(TicketStatus)
    for status in TicketStatus:
        check_transition(status, status)
    for a, b in itertools.permutations(TicketStatus, 2):
        legal = b in ALLOWED_TRANSITIONS[a]
        if not legal:
            with pytest.raises(Conflict):
                check_transition(a, b)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("+14155550123", "+141****0123"),
        ("12345", "*****"),
        (None, None),
    ],
)
def test_phone_masking_keeps_first_three_and_last_four(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked


def test_email_masking() -> None:
    assert mask_email("zhang.san@example.com") == "z***@example.com"
    assert mask_email("not-an-email") == "not-an-email"


def test_ids_sort_by_creation_and_are_unique() -> None:
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == 2000
    assert all(len(i) == 26 for i in ids)
    assert ids[0][:10] <= ids[-1][:10]


def test_timestamps_are_sortable_iso_utc() -> None:
    stamp = now_iso()
    assert stamp.endswith("Z") and len(stamp) == 24
    assert parse_iso(stamp).tzinfo is not None


def test_items_round_trip_without_nones_and_decimals() -> None:
    item = {"PK": "A", "n": 3, "f": 1.5, "none": None, "nested": {"x": None, "y": [1, "a"]}, "flag": True}
    assert from_av(to_av(item)) == {"PK": "A", "n": 3, "f": 1.5, "nested": {"y": [1, "a"]}, "flag": True}


@pytest.mark.parametrize(
    ("groups", "roles"),
    [
        ("[agent, supervisor]", ["agent", "supervisor"]),
        ("admin", ["admin"]),
        ("agent,admin", ["agent", "admin"]),
        (["supervisor"], ["supervisor"]),
        ("[agent customers]", ["agent"]),
    ],
)
def test_roles_from_the_authorizer_groups_claim(groups: object, roles: list[str]) -> None:
    assert caller_from_claims({"sub": "u1", "cognito:groups": groups}).roles == roles


def test_claims_without_identity_or_roles_are_refused() -> None:
    with pytest.raises(Unauthenticated):
        caller_from_claims(None)
    with pytest.raises(Forbidden):
        caller_from_claims({"sub": "u1"})
