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
    ("运单号", "快递单号", "物流单号", "物流"),
    ("破损", "摔碎", "碎了", "坏了", "裂了"),
    ("降价", "便宜", "差价", "价保"),
    ("专票", "增值税专用发票", "发票"),
    ("恢复码", "两步验证", "验证器"),
    ("开账号", "邀请成员", "添加成员"),
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
    ("went on sale", "price drop", "cheaper", "price protection"),
    ("dispatch", "dispatched", "ship", "shipped"),
    ("token", "api key"),
    ("amex", "american express", "credit card"),
    ("locked out", "forgot password", "can't log in"),
    ("recovery code", "two-factor", "2fa"),
    ("damaged", "broken", "cracked", "faulty"),
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
