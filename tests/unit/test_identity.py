"""E.164 normalisation and which sender fields count as proof of identity (docs/customers.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.inbound import Sender
from kefu.models import Customer, Identity
from kefu.phone import to_e164, wa_id_to_e164
from kefu.services.customers import keys_of, mask_identity, visible


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Chinese mobile numbers, with and without the country code, in the ways people write them
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("(138) 1234-5678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("+86-138-1234-5678", "+8613812345678"),
        ("+86 (138) 1234 5678", "+8613812345678"),
        ("0086 138 1234 5678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("＋８６ １３８ １２３４ ５６７８", "+8613812345678"),  # full-width, as typed with a Chinese IME
        ("１３８１２３４５６７８", "+8613812345678"),
        ("+86\u3000138\u30001234\u30005678", "+8613812345678"),  # ideographic spaces
        ("  19912345678  ", "+8619912345678"),
        ("tel:+8613812345678", "+8613812345678"),
        ("whatsapp:+8613812345678", "+8613812345678"),
        # Chinese landlines need the country code; a trunk 0 after +86 is dropped
        ("+86 10 1234 5678", "+861012345678"),
        ("+86 010 1234 5678", "+861012345678"),
        ("+86 (0)755 1234 5678", "+8675512345678"),
        ("0086 21 6123 4567", "+862161234567"),
        # North America
        ("+1 (415) 555-2671", "+14155552671"),
        ("+1 415.555.2671", "+14155552671"),
        ("001 212 555 0199", "+12125550199"),
        # elsewhere
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+49 30 901820", "+4930901820"),
        ("+852 9123 4567", "+85291234567"),
        ("+886 912 345 678", "+886912345678"),
        ("+81 90-1234-5678", "+819012345678"),
        # a trunk 0 written after the country code is dropped: one person, one key
        ("+44 020 7946 0018", "+442079460018"),
        ("+44 20 7946 0018", "+442079460018"),
        ("+33 0 1 23 45 67 89", "+33123456789"),
        ("+33 1 23 45 67 89", "+33123456789"),
    ],
)
def test_numbers_are_normalised_to_e164(raw: str, expected: str) -> None:
    assert to_e164(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "+",
        "abc",
        "call me",
        "138 1234 567x",
        "+86 138 1234 5678 ext 12",
        "+86 138 1234 5678#12",
        "++8613812345678",
        "86+13812345678",
        "+0 123 456 789",
        "+1234",  # too short
        "+1234567890123456",  # 16 digits: longer than E.164 allows
        "12812345678",  # 11 digits but 12x is not a Chinese mobile prefix
        "1381234567",  # 10 digits: no country code, no rule to guess one
        "(415) 555-2671",  # a US number without +1: there is no default region
        "4155552671",
        "0755 1234 5678",  # a Chinese landline without the country code
        "+86 12 3456 7890 1",  # +86 1… must be an 11-digit 1[3-9] mobile
        "+86 1381234567",  # a mobile one digit short
        "+86 00 1234 5678",
        "+1 015 555 2671",  # NANP area codes start with 2-9
        "+1 415 155 2671",  # and so do exchanges
        "+1 415 555 267",
        "+８６ １٣٨ 1234 5678",  # Arabic-Indic digits are not ASCII digits
        "+86 10 1234 567",  # Beijing numbers have 8 digits after the area code
        "+4412345678",  # not a valid UK number (libphonenumber's metadata)
        "0013812345678",  # "00" is the international prefix, and +1 381 is not an assigned area code
        "14012345678",  # 140 is a Chinese data-only (IoT) range, not a phone a person writes from
    ],
)
def test_garbage_is_refused(raw: str | None) -> None:
    assert to_e164(raw) is None


def test_whatsapp_wa_id_is_international_digits() -> None:
    assert wa_id_to_e164("8613812345678") == "+8613812345678"
    assert wa_id_to_e164("14155552671") == "+14155552671"
    # the same 11 digits read as a bare number would be a Chinese mobile: wa_id never is
    assert wa_id_to_e164("15551234567") is None  # +1 555 123 4567: exchange 123 is not valid NANP
    assert to_e164("15551234567") == "+8615551234567"
    assert wa_id_to_e164("") is None
    assert wa_id_to_e164("not-a-number") is None


@given(st.text(max_size=30))
def test_any_text_gives_none_or_valid_e164(text: str) -> None:
    result = to_e164(text)
    if result is not None:
        assert result.startswith("+")
        assert result[1:].isascii() and result[1:].isdigit()
        assert 8 <= len(result) - 1 <= 15
        assert result[1] != "0"
        assert to_e164(result) == result  # normalising twice changes nothing


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", " ", "-", "  "]))
def test_every_chinese_mobile_spelling_gives_one_key(number: str, sep: str) -> None:
    spaced = sep.join([number[:3], number[3:7], number[7:]])
    assert to_e164(number) == to_e164(spaced) == to_e164("+86" + sep + spaced) == to_e164("0086" + spaced)
    assert to_e164(number) in {"+86" + number, None}  # None: a range libphonenumber knows is not in use


def test_proven_and_declared_keys_by_channel() -> None:
    wa = keys_of(Sender(channel="whatsapp", external_id="+8613812345678", phone="+8613812345678"))
    assert wa.strong == (Identity(channel="phone", external_id="+8613812345678"),)
    assert wa.declared == ()

    sms = keys_of(Sender(channel="twilio", external_id="whatsapp:+8613812345678", phone="+8613812345678"))
    assert sms.strong == (Identity(channel="phone", external_id="+8613812345678"),)
    voice_client = keys_of(Sender(channel="twilio", external_id="client:alice"))
    assert voice_client.strong == ()

    # the email channel's own id is the verified email key: nothing extra
    mail = keys_of(Sender(channel="email", external_id="li.lei@example.com", email="Li.Lei@Example.com"))
    assert mail.strong == ()
    assert mail.email == "li.lei@example.com"

    # typed in a web-chat or web-form: stored and indexed, never proof
    web = keys_of(Sender(channel="web", external_id="v1", phone="138 1234 5678", email="A@B.cn"))
    assert web.strong == ()
    assert web.declared == (("phone", "+8613812345678"), ("email", "a@b.cn"))
    assert web.phone == "+8613812345678"
    form = keys_of(Sender(channel="form", external_id="a@b.cn", email="a@b.cn", phone="garbage"))
    assert form.declared == (("email", "a@b.cn"),)
    assert form.phone == "garbage"  # kept on the profile as typed, but never a key

    wechat = keys_of(Sender(channel="wechat", external_id="o-openid-1", union_id=" u-union-1 "))
    assert wechat.strong == (Identity(channel="wechat_union", external_id="u-union-1"),)


def test_every_read_shows_contacts_and_identities_masked() -> None:
    customer = Customer(
        id="c1",
        phone="+8613812345678",
        email="lilei@example.com",
        identities=[
            Identity(channel="whatsapp", external_id="+8613812345678"),
            Identity(channel="twilio", external_id="whatsapp:+8613812345678"),
            Identity(channel="email", external_id="lilei@example.com"),
            Identity(channel="wechat", external_id="o-openid"),
        ],
        created_at="2024-01-01T00:00:00Z",
        updated_at="2024-01-01T00:00:00Z",
    )
    agent = visible(customer)
    assert agent.phone == "+86138****5678"
    assert agent.email == "l***@example.com"
    assert [i.external_id for i in agent.identities] == [
        "+86138****5678",
        "whatsapp:+86138****5678",
        "l***@example.com",
        "o-openid",
    ]
    # no role sees more in a read: the whole values take a reveal (kefu.services.customers.reveal)
    assert "+8613812345678" not in agent.model_dump_json() and "lilei@example.com" not in agent.model_dump_json()
    assert mask_identity(Identity(channel="line", external_id="U123")).external_id == "U123"
