"""The documented shapes of ids, teams, types and tags (kefu.identifiers), as the use cases check them."""

from __future__ import annotations

import pytest

from kefu import identifiers
from kefu.clock import new_id
from kefu.errors import InvalidInput


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (
            identifiers.ULID,
            [new_id(), "01ARZ3NDEKTSV4RRFFQ69G5FAV"],
            [
                "01ARZ3NDEKTSV4RRFFQ69G5FA\u0410",
                "01ARZ3NDEKTSV4RRFFQ69G5FAV\n",
                "nobody",
                "01arz3ndektsv4rrffq69g5fav",
                "",
            ],
        ),
        (identifiers.TEAM, ["sales", "after_sales", "tier-2"], ["0", "Sales", "sales team", "s" * 33, "ѕales", ""]),
        (identifiers.TICKET_TYPE, ["consultation", "after_sales"], ["x" * 50, "Complaint", "after-sales", "1st"]),
        (
            identifiers.TAG,
            ["vip", "退款", "after-sales", "order 10086", "v1.2", "a"],
            ["", " vip", "vip\u202e", "🔥", "a" * 33, "x;y"],
        ),
        (identifiers.INBOX_ID, ["web", "shop-wechat", "line_2"], ["w\u0435b", "Web", "-web", "../web"]),
        (
            identifiers.AGENT_ID,
            ["0f8fad5b-d9cb-469f-a165-70867728950e"],
            ["admin", "0F8FAD5B-D9CB-469F-A165-70867728950E"],
        ),
    ],
)
def test_patterns_accept_real_values_and_refuse_lookalikes(pattern: str, good: list[str], bad: list[str]) -> None:
    for value in good:
        assert identifiers.check(value, pattern, "value") == value
    for value in bad:
        with pytest.raises(InvalidInput, match="does not match the pattern"):
            identifiers.check(value, pattern, "value")
