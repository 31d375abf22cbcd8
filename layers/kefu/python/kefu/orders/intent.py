"""The bot's order questions, as pure functions: does the customer ask where an order is, which order number
did they give, and what to answer in their language.

Deliberately narrow: "where is my order", "我的订单到哪了", "track my package", "查一下物流" are order lookups;
"how much is shipping" or "快递费多少" are not (the knowledge base answers those).
"""

from __future__ import annotations

import re

from kefu.orders.models import Order, OrderStatus

_ZH = (
    re.compile(
        r"(订单|包裹|快递|货|东西|物流).{0,8}(到哪|在哪|到了没|到了吗|什么时候到|啥时候到|几时到|还没到|没收到|没到|状态|进度|发货了吗|发了吗)"
    ),
    re.compile(r"(查|查询|查一下|查下|看看|看一下).{0,4}(订单|物流|快递|包裹)"),
    re.compile(r"物流(信息|进度|状态|到哪)"),
)
_EN = (
    re.compile(r"\bwhere(?:'s| is| are)? (?:my|our|the) (?:order|package|parcel|delivery|shipment|stuff)s?\b", re.I),
    re.compile(r"\b(?:order|package|parcel|shipment|delivery) status\b", re.I),
    re.compile(r"\bstatus of (?:my|our|the) (?:order|package|parcel|delivery|shipment)", re.I),
    re.compile(r"\btrack(?:ing)? (?:my |our |the )?(?:order|package|parcel|shipment|delivery)", re.I),
    re.compile(r"\b(?:has|did|have) (?:my|our) (?:order|package|parcel)s? (?:shipped|been shipped|arrived|left)", re.I),
    re.compile(r"\bwhen (?:will|does|is) (?:my|our) (?:order|package|parcel|delivery)s? (?:arrive|ship|come|be)", re.I),
    re.compile(
        r"\b(?:my|our) (?:order|package|parcel)s? (?:hasn't|has not|haven't|didn't|did not|never) (?:arrived|come|shipped)",
        re.I,
    ),
)
# An order number as customers write it: letters and digits with at least five digits (KF10001, #20261201-88,
# 订单号 123456789), not a phone number (11+ bare digits after +, or 1[3-9] with 11 digits) and not a date.
_NUMBER = re.compile(r"(?<![A-Za-z0-9])#?([A-Za-z]{0,4}-?\d[\d-]{3,22}\d)(?![A-Za-z0-9])")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_ORDER_WORD = re.compile(r"订单|单号|order", re.I)


def order_numbers(text: str) -> list[str]:
    """Order numbers in ``text``, upper-case, in order, without duplicates (at most three)."""
    found: list[str] = []
    for match in _NUMBER.finditer(text):
        value = match.group(1).upper()
        digits = re.sub(r"\D", "", value)
        if (
            len(digits) < 5
            or _DATE.match(value)
            or _CN_MOBILE.match(value)
            or (match.start() > 0 and text[match.start() - 1] == "+")
        ):
            continue
        if value not in found:
            found.append(value)
    return found[:3]


def asks_about_order(text: str) -> bool:
    """Whether the customer asks where an order is (with or without its number)."""
    if any(p.search(text) for p in _ZH) or any(p.search(text) for p in _EN):
        return True
    return bool(_ORDER_WORD.search(text)) and bool(order_numbers(text))


# ------------------------------------------------------------------------------------------- what to say

STATUS = {
    "zh-CN": {
        OrderStatus.PENDING: "待付款",
        OrderStatus.PAID: "已付款，等待发货",
        OrderStatus.PROCESSING: "正在备货",
        OrderStatus.SHIPPED: "已发货",
        OrderStatus.IN_TRANSIT: "运输中",
        OrderStatus.OUT_FOR_DELIVERY: "正在派送",
        OrderStatus.DELIVERED: "已签收",
        OrderStatus.CANCELLED: "已取消",
        OrderStatus.RETURNED: "已退货",
        OrderStatus.REFUNDED: "已退款",
        OrderStatus.UNKNOWN: "状态：{label}",
    },
    "en": {
        OrderStatus.PENDING: "waiting for payment",
        OrderStatus.PAID: "paid, waiting to be shipped",
        OrderStatus.PROCESSING: "being packed",
        OrderStatus.SHIPPED: "shipped",
        OrderStatus.IN_TRANSIT: "on its way",
        OrderStatus.OUT_FOR_DELIVERY: "out for delivery",
        OrderStatus.DELIVERED: "delivered",
        OrderStatus.CANCELLED: "cancelled",
        OrderStatus.RETURNED: "returned",
        OrderStatus.REFUNDED: "refunded",
        OrderStatus.UNKNOWN: "status: {label}",
    },
}

TEXT = {
    "zh-CN": {
        "line": "订单 {number}（{placed} 下单）：{status}",
        "carrier": "，{carrier} 运单号 {tracking}",
        "eta": "，预计 {eta} 送达",
        "delivered": "，{at} 签收",
        "one": "帮您查到了：\n{lines}",
        "many": "帮您查到最近的订单：\n{lines}",
        "ask": "\n\n还有其他问题吗？如已解决请回复“是”。",
        "none": "我没有查到您名下的订单。请告诉我订单号（例如 KF10001），我再帮您查一下。",
        "not_yours": "没有在您的账户下找到订单 {numbers}。请核对订单号，或告诉我下单时用的手机号或邮箱。",
        "unavailable": "抱歉，订单系统暂时无法查询。正在为您转接人工客服，请稍候，客服会看到我们刚才的对话。",
        "unavailable_after_hours": "抱歉，订单系统暂时无法查询。现在是非工作时间，人工客服将在 {back_at} 上班后"
        "为您查询，届时会看到我们刚才的对话。",
    },
    "en": {
        "line": "Order {number} (placed {placed}): {status}",
        "carrier": ", {carrier} tracking {tracking}",
        "eta": ", expected by {eta}",
        "delivered": ", delivered on {at}",
        "one": "Here is what I found:\n{lines}",
        "many": "Here are your latest orders:\n{lines}",
        "ask": '\n\nAnything else? Reply "yes" if this solved it.',
        "none": "I could not find orders under your contact details. Tell me the order number (for example KF10001) "
        "and I will look again.",
        "not_yours": "I could not find order {numbers} under your account. Please check the number, or tell me the "
        "phone number or email you ordered with.",
        "unavailable": "Sorry, the order system is unavailable right now, so I cannot look your order up. I'm "
        "connecting you with a person; they will see our conversation so far.",
        "unavailable_after_hours": "Sorry, the order system is unavailable right now, so I cannot look your order "
        "up. We are outside working hours now; a person will look into it when we are back: {back_at}. They will "
        "see our conversation so far.",
    },
}


def status_text(order: Order, locale: str) -> str:
    words = STATUS[locale][order.status]
    return words.format(label=order.status_label or order.status.value)


def order_line(order: Order, locale: str) -> str:
    text = TEXT[locale]
    line = text["line"].format(
        number=order.order_number, placed=order.placed_at.date().isoformat(), status=status_text(order, locale)
    )
    moving = order.status in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.OUT_FOR_DELIVERY)
    if order.carrier and order.tracking_number and (moving or order.status == OrderStatus.DELIVERED):
        line += text["carrier"].format(carrier=order.carrier, tracking=order.tracking_number)
    if order.status == OrderStatus.DELIVERED and order.delivered_at:
        line += text["delivered"].format(at=order.delivered_at.date().isoformat())
    elif order.estimated_delivery and (moving or order.status in (OrderStatus.PAID, OrderStatus.PROCESSING)):
        line += text["eta"].format(eta=order.estimated_delivery.isoformat())
    return line


def answer(orders: list[Order], locale: str) -> str:
    """The bot's answer: each order's status (no personal data: no name, address, phone or email)."""
    text = TEXT[locale]
    lines = "\n".join(order_line(o, locale) for o in orders)
    return text["one" if len(orders) == 1 else "many"].format(lines=lines) + text["ask"]


def not_found(numbers: list[str], locale: str) -> str:
    if not numbers:
        return TEXT[locale]["none"]
    return TEXT[locale]["not_yours"].format(numbers=", ".join(numbers))


def unavailable(locale: str, back_at: str | None = None) -> str:
    """The handoff when the order system does not answer: a person takes over now, or, ``back_at`` given (the
    team does not work and no rule answered the handoff), when the team is back."""
    if back_at is None:
        return TEXT[locale]["unavailable"]
    return TEXT[locale]["unavailable_after_hours"].format(back_at=back_at)
