"""Who is calling the agent API, from the Cognito claims API Gateway's authorizer passes on."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from kefu.errors import Forbidden, Unauthenticated

ROLES = ("agent", "supervisor", "admin")


class Caller(BaseModel):
    id: str
    email: str | None = None
    name: str | None = None  # the user pool's ``name`` attribute, when the user has one
    roles: list[str]

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def sees_pii(self) -> bool:
        """Agents see masked phone numbers and emails; supervisors and admins see them whole."""
        return self.has("supervisor") or self.has("admin")

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
