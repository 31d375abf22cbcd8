"""Phone numbers to E.164 (``+<country code><national number>``), without a phone-number library.

The rules (docs/customers.md) are deliberately few, because a wrong guess would link two people:

- separators are dropped: spaces, dashes, dots, slashes, parentheses; full-width characters count as their
  ASCII twins (``＋８６ １３８…``); a ``tel:`` or ``whatsapp:`` prefix is dropped; a ``(0)`` trunk marker
  after the country code is dropped (``+44 (0)20 …``), and so is a 0 written after +86 (``+86 010 …``);
- ``+<digits>`` and ``00<digits>`` are international;
- 11 digits starting with 13-19 are a Chinese mobile number (``138 1234 5678`` -> ``+8613812345678``);
- any other number without a country code is refused: there is no default region to guess from;
- the result has 8 to 15 digits and its country code does not start with 0; after +86, numbers starting
  with 1 are 11-digit mobiles (1[3-9]…) or 10-digit Beijing landlines (10…), others have 9 to 11 digits;
  +1 (NANP) numbers have 10 digits whose area code and exchange start with 2-9.

Anything else (letters, extensions, two plus signs, too short or too long) is refused with None.
"""

from __future__ import annotations

import re
import unicodedata

MIN_DIGITS = 8  # the shortest numbers in use (small island states) have 7-8 digits with the country code
MAX_DIGITS = 15  # ITU-T E.164
_SEPARATORS = re.compile(r"[\s\-.()/\u2010-\u2015\u2212]")
_PREFIXES = ("tel:", "whatsapp:")
_CHINA_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_NANP = re.compile(r"^[2-9]\d{2}[2-9]\d{6}$")


def to_e164(raw: str | None) -> str | None:
    """The number in E.164, or None when it is not a phone number we can place without guessing."""
    if not raw:
        return None
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    text = text.replace("(0)", "")
    text = _SEPARATORS.sub("", text)
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("00"):
        digits = text[2:]
    elif _CHINA_MOBILE.match(text):
        digits = "86" + text
    else:
        return None
    if not digits.isascii() or not digits.isdigit():
        return None
    if digits.startswith("860"):
        digits = "86" + digits[3:]  # "+86 010 …": a Chinese trunk 0 written after the country code
    return "+" + digits if _plausible(digits) else None


def wa_id_to_e164(wa_id: str | None) -> str | None:
    """WhatsApp's ``wa_id`` is the international number without the plus: always country code first."""
    if not wa_id:
        return None
    return to_e164("+" + wa_id.strip().removeprefix("+"))


def _plausible(digits: str) -> bool:
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS or digits[0] == "0":
        return False
    if digits.startswith("86"):
        national = digits[2:]
        if national.startswith("0"):
            return False
        if national.startswith("10"):
            return len(national) == 10  # Beijing: area code 10 + 8 digits
        if national.startswith("1"):
            return bool(_CHINA_MOBILE.match(national))
        return 9 <= len(national) <= 11  # other landlines: area code 2-3 digits + 7-8 digits
    if digits.startswith("1"):
        return bool(_NANP.match(digits[1:]))
    return True
