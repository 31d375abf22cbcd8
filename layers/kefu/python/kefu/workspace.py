"""What agents keep for their own work: canned replies with variables, saved inbox views, notes on customers.

Canned replies are shared (every agent sees them; supervisors and admins keep them) or personal (one agent's
own). Their bodies may name variables, ``{{customer.name}}`` or ``{{customer.name | 您}}`` with a fallback,
filled from the ticket the agent is answering; a variable Kefu does not know is refused when the reply is
saved, never discovered by a customer reading ``{{custmer.name}}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import Field

from kefu.errors import InvalidInput
from kefu.models import LazyModel

MAX_BODY = 5_000
# A shortcut is what an agent types after "/" in the composer.
SHORTCUT = r"^[a-z0-9][a-z0-9_-]{0,31}$"
LOCALE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"

# Every variable a canned reply may use, and what it means (docs/workspace.md lists them).
VARIABLES: Mapping[str, str] = {
    "customer.name": "the customer's name",
    "customer.email": "the customer's email address",
    "customer.phone": "the customer's phone number",
    "agent.name": "the name of the agent who sends the reply",
    "agent.email": "the email address of the agent who sends the reply",
    "ticket.id": "the ticket's id",
    "ticket.subject": "the ticket's subject",
    "ticket.channel": "the channel the ticket came in on",
    "ticket.team": "the ticket's team",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_.]+)\s*(?:\|\s*([^{}]*?)\s*)?\}\}")
_BRACES = re.compile(r"\{\{[^{}]*\}\}")


class CannedScope(StrEnum):
    SHARED = "shared"
    PERSONAL = "personal"


class CannedReply(LazyModel):
    id: str
    scope: CannedScope
    owner_id: str | None = None  # the agent a personal reply belongs to
    shortcut: str
    title: str
    body: str
    locale: str | None = None
    tags: list[str] = Field(default_factory=list)
    created_by: str
    created_at: str
    updated_at: str


class ViewFilters(LazyModel):
    """The inbox filters a saved view applies (the same names as GET /api/v1/tickets takes)."""

    status: str | None = None
    assignee: str | None = None  # "me", "unassigned" or an agent id
    team: str | None = None
    priority: str | None = None
    channel: str | None = None
    tier: str | None = None
    tag: str | None = None
    q: str | None = None


class SavedView(LazyModel):
    id: str
    owner_id: str
    name: str
    filters: ViewFilters = Field(default_factory=ViewFilters)
    position: int = 0
    created_at: str
    updated_at: str


class CustomerNote(LazyModel):
    """A note agents keep on a customer (never shown to the customer)."""

    id: str
    customer_id: str
    body: str
    author_id: str
    author_email: str | None = None
    created_at: str


def check_template(body: str) -> None:
    """Refuse a body that names a variable Kefu cannot fill, writes one in a form it does not read, or opens
    ``{{`` without closing it."""
    unknown: set[str] = set()
    for span in _BRACES.finditer(body):
        placeholder = _PLACEHOLDER.fullmatch(span.group(0))
        if placeholder is None:
            raise InvalidInput(f"'{span.group(0)}' is not a variable (write them as {{{{customer.name}}}})")
        if placeholder.group(1) not in VARIABLES:
            unknown.add(placeholder.group(1))
    if unknown:
        raise InvalidInput(f"unknown variable(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(VARIABLES))}")
    if "{{" in _BRACES.sub("", body):
        raise InvalidInput("a '{{' is not closed by '}}' (write variables as {{customer.name}})")


@dataclass(frozen=True)
class Rendered:
    body: str
    missing: list[str]  # variables that had no value and no fallback (left empty)


def render(body: str, values: Mapping[str, str | None]) -> Rendered:
    """The body with every variable filled: its value, else its fallback, else nothing (and named in
    ``missing`` so the composer can ask the agent to fill it in before sending)."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name, fallback = match.group(1), match.group(2)
        value = values.get(name)
        if value:
            return value
        if fallback is not None:
            return fallback
        missing.append(name)
        return ""

    text = _PLACEHOLDER.sub(fill, body)
    return Rendered(body=text, missing=sorted(set(missing)))
