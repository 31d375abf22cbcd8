"""The demo order system's orders (local/orders.py serves them): a few customers of the demo shop, each with
orders in different states. Start a web chat with one of these emails (or phones) and ask "where is my order"
or "我的订单到哪了"; agents see the same orders on the customer panel.

Dates are relative to the day the local cloud starts, so the demo never shows orders from a year ago.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

DEMO_CUSTOMERS = {
    "li.lei@example.com": {"name": "李雷", "phone": "+8613800138000"},
    "han.meimei@example.com": {"name": "韩梅梅", "phone": "+8613900139000"},
    "emma.chen@example.com": {"name": "Emma Chen", "phone": "+14155550100"},
}


def demo_orders(now: datetime | None = None) -> list[dict[str, Any]]:
    today = (now or datetime.now(UTC)).replace(hour=10, minute=0, second=0, microsecond=0)

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    def date(offset: int) -> str:
        return (today + timedelta(days=offset)).date().isoformat()

    def who(email: str) -> dict[str, str]:
        return {"email": email, **DEMO_CUSTOMERS[email]}

    return [
        {
            "order_number": "KF10001",
            "status": "in_transit",
            "placed_at": day(-3),
            "updated_at": day(-1),
            "total": {"amount": "299.00", "currency": "CNY"},
            "items": [{"name": "无线蓝牙耳机", "quantity": 1, "sku": "EAR-200"}],
            "carrier": "顺丰速运",
            "tracking_number": "SF1234567890123",
            "estimated_delivery": date(1),
            "customer": who("li.lei@example.com"),
            "shipping_address": "上海市浦东新区世纪大道 100 号 8 楼",
        },
        {
            "order_number": "KF10002",
            "status": "delivered",
            "placed_at": day(-12),
            "updated_at": day(-9),
            "total": {"amount": "89.90", "currency": "CNY"},
            "items": [{"name": "手机壳", "quantity": 2}],
            "carrier": "中通快递",
            "tracking_number": "ZT7788990011",
            "delivered_at": day(-9),
            "customer": who("li.lei@example.com"),
            "shipping_address": "上海市浦东新区世纪大道 100 号 8 楼",
        },
        {
            "order_number": "KF10003",
            "status": "processing",
            "placed_at": day(-1),
            "total": {"amount": "1299.00", "currency": "CNY"},
            "items": [{"name": "智能手表", "quantity": 1}],
            "estimated_delivery": date(3),
            "customer": who("han.meimei@example.com"),
            "shipping_address": "北京市海淀区中关村大街 1 号",
        },
        {
            "order_number": "KF10004",
            "status": "refunded",
            "placed_at": day(-20),
            "updated_at": day(-15),
            "total": {"amount": "59.00", "currency": "CNY"},
            "items": [{"name": "数据线", "quantity": 1}],
            "customer": who("han.meimei@example.com"),
        },
        {
            "order_number": "KF20001",
            "status": "out_for_delivery",
            "placed_at": day(-2),
            "updated_at": day(0),
            "total": {"amount": "45.00", "currency": "USD"},
            "items": [{"name": "USB-C charger", "quantity": 1}],
            "carrier": "UPS",
            "tracking_number": "1Z999AA10123456784",
            "estimated_delivery": date(0),
            "customer": who("emma.chen@example.com"),
            "shipping_address": "500 Market St, San Francisco, CA",
        },
        {
            "order_number": "KF20002",
            "status": "paid",
            "placed_at": day(0),
            "total": {"amount": "120.00", "currency": "USD"},
            "items": [{"name": "Desk lamp", "quantity": 1}, {"name": "LED bulb", "quantity": 2}],
            "estimated_delivery": date(4),
            "customer": who("emma.chen@example.com"),
            "shipping_address": "500 Market St, San Francisco, CA",
        },
    ]
