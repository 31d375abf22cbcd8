"""Synonyms: groups of words customers use for the same thing, expanded at query time.

Query-time expansion (extra ``should`` clauses at a lower weight) rather than a synonym token filter in the
index: it behaves the same on OpenSearch Service and on the local server (which ignores synonym filters),
and a change to the list takes effect without a reindex. An installation adds its own groups with the
``KEFU_KB_SYNONYMS`` setting: groups separated by ``;`` or new lines, words by ``,``.
"""

from __future__ import annotations

import re

DEFAULT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("退款", "退钱", "返款", "钱退回"),
    ("退货", "退回商品", "寄回"),
    ("换货", "更换商品", "调换"),
    ("快递", "物流", "包裹", "配送"),
    ("发货", "出库", "寄出"),
    ("订单", "单子"),
    ("发票", "开票", "增值税发票"),
    ("优惠券", "券", "红包", "折扣码"),
    ("密码", "登录密码"),
    ("账号", "账户", "帐号"),
    ("会员", "vip"),
    ("客服", "人工", "售后"),
    ("refund", "money back", "reimburse"),
    ("return", "send back"),
    ("parcel", "package", "shipment", "delivery"),
    ("order", "purchase"),
    ("invoice", "receipt", "bill"),
    ("coupon", "voucher", "promo code", "discount code"),
    ("password", "passcode", "login"),
    ("subscription", "plan"),
    ("cancel", "terminate", "stop"),
    ("account", "profile"),
)

_SPLIT_GROUPS = re.compile(r"[;\n]")
_LATIN = re.compile(r"^[a-z0-9 '\-]+$")


def parse(extra: str) -> tuple[tuple[str, ...], ...]:
    """The default groups plus an installation's own (``a, b; c, d``)."""
    groups = list(DEFAULT_GROUPS)
    for raw in _SPLIT_GROUPS.split(extra or ""):
        words = tuple(dict.fromkeys(w.strip().lower() for w in raw.split(",") if w.strip()))
        if len(words) > 1:
            groups.append(words)
    return tuple(groups)


def _contains(text: str, word: str) -> bool:
    if _LATIN.match(word):
        return re.search(rf"\b{re.escape(word)}", text) is not None
    return word in text


def expansions(query: str, groups: tuple[tuple[str, ...], ...]) -> list[str]:
    """Words to search besides the query: the other members of every group the query mentions."""
    text = query.lower()
    found: list[str] = []
    for group in groups:
        if any(_contains(text, word) for word in group):
            found.extend(word for word in group if not _contains(text, word))
    return list(dict.fromkeys(found))
