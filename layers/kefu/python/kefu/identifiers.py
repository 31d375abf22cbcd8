"""The documented shapes of the values callers name (docs/security.md): ids, teams, ticket types, tags.

The API's request models and path parameters use these patterns, so a value that cannot exist is a 400
that says so (and the OpenAPI schema shows the pattern), never a lookup that stores or echoes anything.
Patterns are ASCII where the value is an identifier: a homoglyph (a Cyrillic "а" in an id) is refused
rather than looked up.
"""

from __future__ import annotations

import re
from functools import cache

from kefu.errors import InvalidInput

# Ticket, customer, message and merge ids: ULIDs (kefu.clock.new_id), Crockford base32.
ULID = r"^[0-9A-HJKMNP-TV-Z]{26}$"
# Agents are Cognito users: the id is the user's ``sub`` (a UUID).
AGENT_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# Inbox ids name webhook URLs: lower-case letters, digits, "-" and "_".
INBOX_ID = r"^[a-z0-9][a-z0-9_-]{0,62}$"
# Teams and ticket types are slugs that start with a letter ("0" or "Sales Team!" are not teams).
TEAM = r"^[a-z][a-z0-9_-]{0,31}$"
TICKET_TYPE = r"^[a-z][a-z0-9_]{0,31}$"
# Tags are words agents read, in any script (退款, vip, after-sales), without symbols, emoji or
# invisible formatting characters: letters, digits and "_" (\w), with inner spaces, "-", "." or ":".
TAG = r"^\w(?:[\w .:-]{0,30}\w)?$"
MAX_TAGS = 20


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def check(value: str, pattern: str, what: str) -> str:
    """``value`` when it has the documented shape; InvalidInput (400) naming ``what`` and the pattern otherwise."""
    if not _compiled(pattern).fullmatch(value):  # fullmatch: "$" alone lets a trailing newline through
        raise InvalidInput(f"{what} {value[:40]!r} does not match the pattern {pattern}")
    return value
