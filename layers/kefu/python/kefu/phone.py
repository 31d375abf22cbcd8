"""Phone numbers to E.164 (``+<country code><national number>``): the one function every channel uses.

Parsing and validity are Google's libphonenumber rules (the ``phonenumbers`` package, ``phonenumberslite``
distribution); what we add is deliberately little, because a wrong guess would link two people
(docs/customers.md):

- separators are dropped: spaces, dashes, dots, slashes, parentheses; full-width characters count as their
  ASCII twins (``＋８６ １３８…``); a ``tel:`` or ``whatsapp:`` prefix is dropped; a ``(0)`` trunk marker
  after the country code is dropped (``+44 (0)20 …``);
- ``+<digits>`` and ``00<digits>`` are international; a trunk 0 written after the country code is dropped
  (``+44 020 …`` and ``+44 20 …`` are one number, so are ``+33 0 1 …`` and ``+33 1 …``);
- 11 digits starting with 13-19 are a Chinese mobile number (``138 1234 5678`` -> ``+8613812345678``);
- any other number without a country code is refused: there is no default region to guess from;
- the number must be valid for its country (libphonenumber's metadata): ``+44 12345678`` is refused.

Anything else (letters, extensions, two plus signs, too short or too long) is refused with None.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SEPARATORS = re.compile(r"[\s\-.()/\u2010-\u2015\u2212]")
_PREFIXES = ("tel:", "whatsapp:")
_CHINA_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_DIGITS = re.compile(r"^[0-9]+$")
MAX_DIGITS = 15  # ITU-T E.164


def to_e164(raw: str | None) -> str | None:
    """The number in E.164, or None when it is not a valid phone number we can place without guessing."""
    if not raw:
        return None
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    text = _SEPARATORS.sub("", text.replace("(0)", ""))
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("00"):
        digits = text[2:]
    elif _CHINA_MOBILE.match(text):
        digits = "86" + text
    else:
        return None
    if not _DIGITS.match(digits) or len(digits) > MAX_DIGITS + 2 or digits.startswith("0"):
        return None
    return _international(digits)


def wa_id_to_e164(wa_id: str | None) -> str | None:
    """WhatsApp's ``wa_id`` is the international number without the plus: always country code first."""
    if not wa_id:
        return None
    return to_e164("+" + wa_id.strip().removeprefix("+"))


@lru_cache(maxsize=4096)
def _international(digits: str) -> str | None:
    # imported here: most deliveries carry no phone number, and the metadata costs ~35 ms to import
    import phonenumbers

    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if number.extension or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
