"""What the email adapter is wired with (S3 reads, the raw-email stash, SES sending and identity checks).

Kept apart from ``kefu.channels.email`` so that a function wiring them at init (kefu.services.media.wire_email)
does not import the email adapter itself: only an email delivery, or an email reply, loads it.
"""

from __future__ import annotations

from typing import Any

WIRING: dict[str, Any] = {"fetch_object": None, "send_raw": None, "store_raw": None, "verify_identity": None}
