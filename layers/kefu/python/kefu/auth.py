"""Who is calling the agent API, from the Cognito claims API Gateway's authorizer passes on."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from kefu.errors import Forbidden, Unauthenticated

ROLES = ("agent", "supervisor", "admin")

# What a role may do beyond reading and working tickets, by permission (checked where it is used, and by the
# agent API's route table before the body is read). One map: no scattered ``if role == ...``.
REVEAL_CONTACTS = "customer.reveal_contacts"  # see a customer's phone number, email and identities whole
PERMISSIONS: dict[str, tuple[str, ...]] = {
    REVEAL_CONTACTS: ("supervisor", "admin"),
}
# the sentence a caller without the permission reads (403)
REFUSALS: dict[str, str] = {
    REVEAL_CONTACTS: (
        "revealing a customer's phone number, email or identities needs the reveal permission "
        "(supervisors and admins); everyone else sees them masked"
    ),
}


def permissions_of(roles: list[str]) -> list[str]:
    """Every permission one of ``roles`` grants, sorted."""
    return sorted(permission for permission, holders in PERMISSIONS.items() if set(holders) & set(roles))


class Caller(BaseModel):
    id: str
    email: str | None = None
    name: str | None = None  # the user pool's ``name`` attribute, when the user has one
    roles: list[str]

    def has(self, role: str) -> bool:
        return role in self.roles

    def may(self, permission: str) -> bool:
        return permission in permissions_of(self.roles)

    def require_permission(self, permission: str) -> None:
        if not self.may(permission):
            raise Forbidden(REFUSALS.get(permission) or f"this needs the permission {permission}")

    def require(self, *roles: str) -> None:
        if not any(self.has(role) for role in roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")


MAX_NAME = 200


def _groups(value: Any) -> list[str]:
    # API Gateway renders the groups array as a string such as "[agent, supervisor]" or "agent,supervisor".
    if isinstance(value, list):
        return [str(v) for v in value]
    if not value:
        return []
    return [part for part in re.split(r"[\s,\[\]]+", str(value)) if part]


def caller_from_claims(claims: dict[str, Any] | None) -> Caller:
    if not claims or not claims.get("sub"):
        raise Unauthenticated("no verified identity on the request")
    roles = [group for group in _groups(claims.get("cognito:groups")) if group in ROLES]
    if not roles:
        raise Forbidden("the user belongs to none of the groups agent, supervisor, admin")
    raw_name = claims.get("name")
    name = (raw_name.strip()[:MAX_NAME] or None) if isinstance(raw_name, str) else None
    return Caller(id=str(claims["sub"]), email=claims.get("email"), name=name, roles=roles)
