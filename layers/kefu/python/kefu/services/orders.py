"""A customer's orders in the installation's order system, for the bot and for agents (docs/orders.md).

Whose orders: those placed with one of the customer's contact keys, the profile's email and phone and the
identities that are emails or phone numbers (merged customers' included). An order asked for by its number
is shown only when it was placed with one of those keys, so knowing somebody's order number is not enough to
learn about it. At most ``MAX_KEYS`` keys are asked about, each one request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kefu.errors import OrderSystemUnavailable
from kefu.models import Customer
from kefu.orders.connector import OrderConnector
from kefu.orders.models import Order, OrderCustomer
from kefu.phone import to_e164
from kefu.privacy import mask_email, mask_phone
from kefu.store import Store

MAX_KEYS = 3
AGENT_LIMIT = 10
BOT_LIMIT = 3
EMAIL_CHANNELS = frozenset({"email", "form"})
PHONE_CHANNELS = frozenset({"phone", "whatsapp", "twilio"})

OK = "ok"
NOT_CONFIGURED = "not_configured"
UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Lookup:
    status: str  # ok | not_configured | unavailable
    orders: list[Order] = field(default_factory=list)


@dataclass(frozen=True)
class ContactKeys:
    emails: tuple[str, ...]
    phones: tuple[str, ...]

    def owns(self, order: Order) -> bool:
        who = order.customer or OrderCustomer()
        email = (who.email or "").strip().lower()
        phone = to_e164(who.phone) if who.phone else None
        return bool(email and email in self.emails) or bool(phone and phone in self.phones)


def contact_keys(store: Store, customer: Customer) -> ContactKeys:
    from kefu.services.customers import with_merged_sources

    emails: list[str] = []
    phones: list[str] = []
    people = [customer]
    for other_id in with_merged_sources(store, customer)[1:]:
        other = store.customers.find(other_id)
        if other is not None:
            people.append(other)
    for person in people:
        emails.append((person.email or "").strip().lower())
        phones.append(to_e164(person.phone) or "" if person.phone else "")
        for identity in person.identities:
            value = identity.external_id.removeprefix("whatsapp:")
            if identity.channel in EMAIL_CHANNELS:
                emails.append(value.strip().lower())
            elif identity.channel in PHONE_CHANNELS:
                phones.append(to_e164(value) or "")
    unique_emails = tuple(dict.fromkeys(e for e in emails if "@" in e))
    unique_phones = tuple(dict.fromkeys(p for p in phones if p))
    return ContactKeys(unique_emails, unique_phones)


def lookup(connector: OrderConnector, keys: ContactKeys, numbers: list[str], limit: int) -> list[Order]:
    """The orders asked for by number (those placed with the customer's keys), or else the customer's latest
    orders. Raises ``OrderSystemUnavailable``."""
    if numbers:
        found = [connector.get(number) for number in numbers[:MAX_KEYS]]
        return [order for order in found if order is not None and keys.owns(order)]
    asked: list[tuple[str | None, str | None]] = [(email, None) for email in keys.emails]
    asked += [(None, phone) for phone in keys.phones]
    orders: dict[str, Order] = {}
    for email, phone in asked[:MAX_KEYS]:
        for order in connector.recent(email=email, phone=phone, limit=limit):
            orders.setdefault(order.order_number, order)
    return sorted(orders.values(), key=lambda o: o.placed_at, reverse=True)[:limit]


def customer_orders(store: Store, customer_id: str, limit: int = AGENT_LIMIT) -> Lookup:
    """For the customer panel: the customer's latest orders, their contact data masked for every role (as the
    customer profile's are; docs/orders.md)."""
    from kefu.orders.connector import configured
    from kefu.services.customers import current_customer

    customer = current_customer(store, customer_id)  # 404 for an unknown customer, configured or not
    connector = configured()
    if connector is None:
        return Lookup(NOT_CONFIGURED)
    try:
        orders = lookup(connector, contact_keys(store, customer), [], limit)
    except OrderSystemUnavailable:
        return Lookup(UNAVAILABLE)
    return Lookup(OK, [masked(order) for order in orders])


def masked(order: Order) -> Order:
    """What the agent API shows: the email and phone masked and no shipping address, as on the customer
    profile; the name is kept (agents greet customers by it)."""
    who = order.customer
    return order.model_copy(
        update={
            "customer": who.model_copy(update={"email": mask_email(who.email), "phone": mask_phone(who.phone)})
            if who
            else None,
            "shipping_address": None,
        }
    )
