"""What an order system answers (Kefu's order API, docs/orders.md), validated with pydantic.

Anything the connector receives goes through these models before anyone reads it: a field of the wrong type,
an order without its number or status, or more items than an order can hold makes the whole answer invalid
(the connector then says "order system unavailable"); fields Kefu does not know are ignored. A status Kefu
does not know is kept as ``unknown`` with the system's own word in ``status_label``.

Personal data (the customer's name, email, phone, the shipping address) is part of the model because agents
may see it; ``log_view()`` is what logs get (no personal data at all).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ORDER_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
MAX_ITEMS = 100
MAX_ORDERS = 50


class OrderStatus(StrEnum):
    PENDING = "pending"  # placed, not paid
    PAID = "paid"  # paid, waiting to be packed
    PROCESSING = "processing"  # being packed
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"
    UNKNOWN = "unknown"  # a status of the order system's own (its word is in status_label)


_STATUSES = frozenset(status.value for status in OrderStatus)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Money(_Model):
    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class OrderItem(_Model):
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=1, ge=1, le=100_000)
    sku: str | None = Field(default=None, max_length=64)


class OrderCustomer(_Model):
    """Who placed the order, as the order system knows them (personal data)."""

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)


class Order(_Model):
    order_number: str = Field(pattern=ORDER_NUMBER_PATTERN)
    status: OrderStatus
    status_label: str | None = Field(default=None, max_length=64)
    placed_at: datetime
    updated_at: datetime | None = None
    total: Money | None = None
    items: list[OrderItem] = Field(default_factory=list, max_length=MAX_ITEMS)
    carrier: str | None = Field(default=None, max_length=64)
    tracking_number: str | None = Field(default=None, max_length=64)
    tracking_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    estimated_delivery: date | None = None
    delivered_at: datetime | None = None
    customer: OrderCustomer | None = None
    shipping_address: str | None = Field(default=None, max_length=500)

    @model_validator(mode="before")
    @classmethod
    def _unknown_status(cls, data: Any) -> Any:
        """A status the order system has and Kefu does not: ``unknown``, with its own word kept as the label."""
        if isinstance(data, dict) and isinstance(data.get("status"), str):
            word = data["status"].strip().lower()
            if word not in _STATUSES:
                return {**data, "status": OrderStatus.UNKNOWN.value, "status_label": data.get("status_label") or word}
            return {**data, "status": word}
        return data

    @field_validator("order_number")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    def log_view(self) -> dict[str, Any]:
        """What may be logged about an order: no name, email, phone, address or item names."""
        return {"order_number": self.order_number, "status": self.status.value, "items": len(self.items)}


class OrderList(_Model):
    orders: list[Order] = Field(max_length=MAX_ORDERS)
