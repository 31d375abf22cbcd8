"""The bot's order questions in both languages, order numbers, and what it answers (no personal data)."""

from __future__ import annotations

import pytest

from kefu.orders.intent import answer, asks_about_order, not_found, order_numbers, unavailable
from kefu.orders.models import Order
from local.demo.orders import demo_orders


@pytest.mark.parametrize(
    "text",
    [
        "我的订单到哪了",
        "我的订单到哪了？订单号 KF10001",
        "包裹什么时候到啊",
        "快递怎么还没到",
        "帮我查一下物流",
        "查询订单",
        "物流信息",
        "订单 KF10001 发货了吗",
        "Where is my order?",
        "where's my package",
        "Hi, where is my order KF20001?",
        "Can I track my order please",
        "order status",
        "When will my parcel arrive?",
        "My order hasn't arrived yet",
        "What about order #KF20001",
    ],
)
def test_order_questions(text: str) -> None:
    assert asks_about_order(text)


@pytest.mark.parametrize(
    "text",
    [
        "快递费多少钱",
        "怎么申请退款",
        "发票怎么开",
        "忘记密码怎么办",
        "How much is shipping to Canada?",
        "How do I get a refund?",
        "I want to talk to an agent",
        "My phone number is 13812345678",
    ],
)
def test_other_questions(text: str) -> None:
    assert not asks_about_order(text)


def test_order_numbers_without_phones_or_dates() -> None:
    assert order_numbers("订单号 kf10001 和 #KF20001，还有 KF10001") == ["KF10001", "KF20001"]
    assert order_numbers("order 2026120100123") == ["2026120100123"]
    assert order_numbers("call me on 13812345678 or +8613812345678, ordered on 2026-11-28") == []
    assert order_numbers("no number here, only 123") == []


def orders() -> list[Order]:
    return [Order.model_validate(o) for o in demo_orders()]


def test_the_answer_in_chinese_and_in_english() -> None:
    first, second = orders()[:2]
    zh = answer([first, second], "zh-CN")
    assert "KF10001" in zh and "运输中" in zh and "顺丰速运 运单号 SF1234567890123" in zh and "预计" in zh
    assert "KF10002" in zh and "已签收" in zh
    en = answer([orders()[4]], "en")
    assert "Order KF20001" in en and "out for delivery" in en and "UPS tracking 1Z999AA10123456784" in en
    for text in (zh, en):
        for personal in ("李雷", "li.lei@", "+86", "世纪大道", "Market St", "Emma"):
            assert personal not in text


def test_not_found_and_unavailable_say_so_in_the_customers_language() -> None:
    assert "订单号" in not_found([], "zh-CN") and "order number" in not_found([], "en")
    assert "KF1" in not_found(["KF1"], "en")
    assert "订单系统暂时无法查询" in unavailable("zh-CN") and "unavailable" in unavailable("en")
