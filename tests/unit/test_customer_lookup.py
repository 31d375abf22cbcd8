"""Finding a customer by an exact key (kefu.services.customers.lookup_key): what is read, and what is refused."""

from __future__ import annotations

import pytest

from kefu.errors import InvalidInput
from kefu.models import Identity
from kefu.services.customers import LookupKey, lookup_key

NUMBER = "+8613812345678"


@pytest.mark.parametrize(
    "typed", ["138 1234 5678", "+86 138-1234-5678", "0086 13812345678", "＋８６ １３８１２３４５６７８"]
)
def test_a_phone_is_normalised_as_ingest_stores_it(typed: str) -> None:
    key = lookup_key(phone=typed)
    assert key.contact == ("phone", NUMBER)
    assert Identity(channel="phone", external_id=NUMBER) in key.identities
    assert Identity(channel="whatsapp", external_id=NUMBER) in key.identities
    assert Identity(channel="twilio", external_id="whatsapp:" + NUMBER) in key.identities


def test_an_email_is_trimmed_and_lower_cased() -> None:
    key = lookup_key(email="  Li.Wei@Example.COM ")
    assert key == LookupKey(
        (
            Identity(channel="email", external_id="li.wei@example.com"),
            Identity(channel="form", external_id="li.wei@example.com"),
        ),
        ("email", "li.wei@example.com"),
    )


def test_a_channel_id_is_exact_except_email_addresses() -> None:
    assert lookup_key(channel="line", external_id="U1234abc") == LookupKey(
        (Identity(channel="line", external_id="U1234abc"),)
    )
    assert lookup_key(channel="form", external_id="A@B.example").identities == (
        Identity(channel="form", external_id="a@b.example"),
    )
    assert lookup_key(channel="wechat_union", external_id="o6_b").identities == (
        Identity(channel="wechat_union", external_id="o6_b"),
    )


@pytest.mark.parametrize(
    ("asked", "says"),
    [
        ({}, "give exactly one of phone, email, or channel with external_id"),
        ({"phone": "+8613812345678", "email": "a@b.c"}, "not phone and email together"),
        ({"external_id": "U1"}, "external_id goes with channel"),
        ({"channel": "line"}, "channel goes with external_id"),
        ({"channel": "carrier_pigeon", "external_id": "1"}, "unknown channel 'carrier_pigeon'; known: email,"),
        ({"phone": "12345"}, "phone is not a phone number"),
        ({"phone": "+44 12345678"}, "phone is not a phone number"),  # not valid in the UK
        ({"phone": "   "}, "phone is empty"),
        ({"email": "nobody"}, "email is not an email address"),
        ({"email": "a\x00@b.c"}, "email holds control characters"),
        ({"channel": "line", "external_id": "x" * 513}, "external_id is at most 512 characters"),
        ({"channel": "line", "external_id": "\ud800"}, "external_id is not valid text"),
    ],
)
def test_bad_input_says_what_is_expected(asked: dict[str, str], says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        lookup_key(**asked)
    assert says in refused.value.message


@pytest.mark.parametrize(
    ("asked", "audited"),
    [
        ({"phone": "138 1234 5678"}, {"key": "phone", "value": "+86138****5678"}),
        ({"email": " Li.Wei@Example.COM"}, {"key": "email", "value": "l***@example.com"}),
        (
            {"channel": "whatsapp", "external_id": NUMBER},
            {"key": "channel", "channel": "whatsapp", "value": "+86138****5678"},
        ),
        (
            {"channel": "twilio", "external_id": "whatsapp:" + NUMBER},
            {"key": "channel", "channel": "twilio", "value": "whatsapp:+86138****5678"},
        ),
        (
            {"channel": "form", "external_id": "A@B.example"},
            {"key": "channel", "channel": "form", "value": "a***@b.example"},
        ),
        (
            {"channel": "wechat", "external_id": "oDF3iY9ffA-hqb2vVvbr7qxf6A0Q"},
            {"key": "channel", "channel": "wechat", "value": "oDF***0Q"},
        ),
        ({"channel": "telegram", "external_id": "42"}, {"key": "channel", "channel": "telegram", "value": "***"}),
    ],
)
def test_the_audit_keeps_the_kind_of_key_and_the_value_masked(asked: dict[str, str], audited: dict[str, str]) -> None:
    assert lookup_key(**asked).for_audit() == audited
