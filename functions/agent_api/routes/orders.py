"""A customer's orders in the installation's order system (/api/v1/customers/{id}/orders), for the customer
panel. Any agent may ask, as for the profile; emails and phones come masked and no address, for every role."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import Field

from agent_api.routes.common import caller_of, store
from agent_api.schemas import CustomerId
from kefu.modelbase import LazyModel
from kefu.services import orders

router = APIGatewayRouter()

MESSAGES = {
    orders.OK: None,
    orders.NOT_CONFIGURED: "no order system is configured for this installation",
    orders.UNAVAILABLE: "the order system is unavailable right now",
}


class OrderItemOut(LazyModel):
    name: str
    quantity: int
    sku: str | None = None


class OrderTotalOut(LazyModel):
    amount: str = Field(description="a decimal number as text, e.g. 299.00")
    currency: str


class OrderCustomerOut(LazyModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class OrderOut(LazyModel):
    order_number: str
    status: str = Field(
        description="pending, paid, processing, shipped, in_transit, out_for_delivery, delivered, "
        "cancelled, returned, refunded, or unknown (the system's own word is then in status_label)"
    )
    status_label: str | None = None
    placed_at: datetime
    updated_at: datetime | None = None
    total: OrderTotalOut | None = None
    items: list[OrderItemOut]
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    estimated_delivery: date | None = None
    delivered_at: datetime | None = None
    customer: OrderCustomerOut | None = None
    shipping_address: str | None = Field(default=None, description="never shown (personal data): always null")


class OrderListOut(LazyModel):
    """The customer's latest orders, newest first. ``status`` says whether the order system answered:
    ``not_configured`` (the installation has none) and ``unavailable`` (down or slow) come with no items."""

    status: Literal["ok", "not_configured", "unavailable"]
    message: str | None = None
    items: list[OrderOut]
    next_cursor: str | None = None


@router.get("/customers/<customer_id>/orders", summary="The customer's latest orders in the order system")
def get_customer_orders(
    customer_id: CustomerId,
    limit: Annotated[int, Query(ge=1, le=20, description="how many orders (newest first)")] = orders.AGENT_LIMIT,
) -> OrderListOut:
    caller_of(router)  # a caller in none of the agent roles is refused (401/403), as on every route
    found = orders.customer_orders(store(), customer_id, limit=limit)
    return OrderListOut(
        status=found.status,
        message=MESSAGES[found.status],
        items=[
            OrderOut.model_validate(
                {
                    **o.model_dump(mode="json"),
                    "total": o.total and {"amount": str(o.total.amount), "currency": o.total.currency},
                }
            )
            for o in found.orders
        ],
    )
