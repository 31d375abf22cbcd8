"""Which roles each agent route needs, checked before the request is validated.

A caller without the role gets 403 whatever the body holds (an invalid body must not tell an agent what an
admin route accepts). The use cases check the same roles again; this table only makes the answer come
first. Routes under /admin/ not listed here are for admins alone; a route outside /admin/ that needs a
permission (``PERMISSION_RULES``: a customer's contact reveal) takes the roles that hold it from
``kefu.auth.PERMISSIONS``; every other route is open to any of the three roles (``caller_from_claims`` refuses
users in none of them).
"""

from __future__ import annotations

import re
from typing import Any

from kefu.auth import PERMISSIONS, REVEAL_CONTACTS, caller_from_claims

PREFIX = "/api/v1"
ADMIN_PREFIX = f"{PREFIX}/admin/"
ADMIN_ONLY = ("admin",)
SUPERVISION = ("supervisor", "admin")

# (method, path as the routers spell it, roles that may call it)
ROLE_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("GET", "/admin/inboxes", SUPERVISION),
    ("GET", "/admin/inboxes/<inbox_id>", SUPERVISION),
    ("POST", "/admin/inboxes", ADMIN_ONLY),
    ("PUT", "/admin/inboxes/<inbox_id>", ADMIN_ONLY),
    ("POST", "/admin/customers/merge", SUPERVISION),
    ("POST", "/admin/customers/unmerge", SUPERVISION),
    # knowledge-base authors: supervisors and admins (a reindex stays with admins)
    ("GET", "/admin/kb/articles", SUPERVISION),
    ("POST", "/admin/kb/articles", SUPERVISION),
    ("GET", "/admin/kb/articles/<article_id>", SUPERVISION),
    ("PUT", "/admin/kb/articles/<article_id>", SUPERVISION),
    ("DELETE", "/admin/kb/articles/<article_id>", SUPERVISION),
    ("POST", "/admin/kb/articles/<article_id>/publish", SUPERVISION),
    ("POST", "/admin/kb/articles/<article_id>/unpublish", SUPERVISION),
    ("GET", "/admin/kb/articles/<article_id>/versions", SUPERVISION),
    ("POST", "/admin/kb/import", SUPERVISION),
    ("GET", "/admin/kb/unanswered", SUPERVISION),
    ("GET", "/admin/kb/bot/<inbox_id>", SUPERVISION),
)


# (method, path, permission): routes outside /admin/ that need a permission (kefu.auth.PERMISSIONS says which
# roles hold it; the refusal names the permission, not a list of roles)
PERMISSION_RULES: tuple[tuple[str, str, str], ...] = (("POST", "/customers/<customer_id>/reveal", REVEAL_CONTACTS),)


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"<[^>]+>", "[^/]+", re.escape(PREFIX + path)) + "/?$")


_COMPILED = [(method, _pattern(path), roles) for method, path, roles in ROLE_RULES]
_COMPILED_PERMISSIONS = [(method, _pattern(path), permission) for method, path, permission in PERMISSION_RULES]


def permission_for(method: str, path: str) -> str | None:
    """The permission ``method path`` needs, if any."""
    for rule_method, pattern, permission in _COMPILED_PERMISSIONS:
        if rule_method == method and pattern.match(path):
            return permission
    return None


def roles_for(method: str, path: str) -> tuple[str, ...] | None:
    """The roles that may call ``method path``; None when any agent may."""
    permission = permission_for(method, path)
    if permission is not None:
        return PERMISSIONS[permission]
    for rule_method, pattern, roles in _COMPILED:
        if rule_method == method and pattern.match(path):
            return roles
    if path.startswith(ADMIN_PREFIX):
        return ADMIN_ONLY
    return None


def authorize(event: dict[str, Any]) -> None:
    """Forbidden (403) when the caller lacks the route's role; a request outside /api/v1 is not ours to judge."""
    path = str(event.get("path") or "")
    if not path.startswith(PREFIX + "/") or event.get("httpMethod") == "OPTIONS":
        return
    method = str(event.get("httpMethod") or "")
    roles = roles_for(method, path)
    if roles is None:
        return
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims")
    caller = caller_from_claims(claims)
    permission = permission_for(method, path)
    if permission is not None:
        caller.require_permission(permission)
    else:
        caller.require(*roles)
