"""Masking of personal data for roles that may not see it, and for logs."""

from __future__ import annotations

import re


def mask_phone(phone: str | None) -> str | None:
    """Keep the first 3 and last 4 digits: 13812345678 -> 138****5678 (+8613812345678 -> +86138****5678)."""
    if not phone:
        return phone
    prefix = ""
    digits = phone
    if phone.startswith("+86") and len(phone) == 14:
        prefix, digits = "+86", phone[3:]
    elif phone.startswith("+"):
        prefix, digits = "+", phone[1:]
    if len(digits) <= 7:
        return prefix + "*" * len(digits)
    return prefix + digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


# An email address anywhere in a text.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A phone number anywhere in a text: 7 to 15 digits, optionally after "+", with single spaces, hyphens or a
# bracketed area code between them; never part of a longer word, id, decimal or path (a number between
# colons is masked too: conversation keys carry phone numbers that way).
_PHONE = re.compile(r"(?<![\w+./-])\+?(?:\(\d{1,4}\)[ -]?)?\d(?:[ -]?\d){6,14}(?![\w/]|[.-]\d)")
# Dotted groups (01.23.45.67.89, 138.1234.5678): groups of 2-4 digits only, so decimals and IP addresses
# (a group of one digit, or one long run) are left alone.
_DOTTED_PHONE = re.compile(r"(?<![\w+./-])\+?\d{2,4}(?:\.\d{2,4}){2,5}(?![\w/]|[.-]\d)")
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}")


def _masked_phone(match: re.Match[str]) -> str:
    found = match.group(0)
    if _DATE.fullmatch(found):
        return found  # 2026-12-01 is a date, not a number to hide
    digits = re.sub(r"\D", "", found)
    return mask_phone(("+" if found.startswith("+") else "") + digits) or found


def mask_personal_data(text: str) -> str:
    """Every email address and phone number in ``text`` masked (the log formatter runs every value through
    this): ``call +8613812345678 or li@example.com`` -> ``call +86138****5678 or l***@example.com``."""
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)) or "", text)
    text = _PHONE.sub(_masked_phone, text)
    return _DOTTED_PHONE.sub(_masked_phone, text)
