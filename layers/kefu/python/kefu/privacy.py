"""Masking of personal data for roles that may not see it, and for logs."""

from __future__ import annotations


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
