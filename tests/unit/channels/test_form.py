from __future__ import annotations

import json
import urllib.parse

import pytest

from kefu.channels.base import HttpClient, InboxConfig
from kefu.channels.form import FormAdapter
from kefu.errors import InvalidInput, ProviderError
from kefu.inbound import OutboundMessage

from .conftest import make_request

INBOX = InboxConfig(id="contact", channel="form")
VALID = {"name": " 王 小明 ", "email": "XiaoMing@Example.COM", "subject": "Invoice", "body": "Please send\nmy invoice."}


def form_post(data: dict | bytes, content_type: str = "application/json", **headers: str):
    body = (
        data
        if isinstance(data, bytes)
        else (json.dumps(data).encode() if "json" in content_type else urllib.parse.urlencode(data).encode())
    )
    return make_request(
        "POST",
        "https://kefu.example.com/forms/contact/tickets",
        body,
        headers={"Content-Type": content_type, **headers},
    )


def test_json_and_urlencoded_bodies() -> None:
    adapter = FormAdapter()
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        request = form_post(VALID, content_type)
        adapter.verify(request, INBOX)
        [message] = adapter.parse(request, INBOX)
        assert message.sender.external_id == message.sender.email == "xiaoming@example.com"
        assert message.sender.display_name == "王 小明"
        assert (message.subject, message.text) == ("Invoice", "Please send\nmy invoice.")
        assert message.conversation_key == "form:contact:xiaoming@example.com"
        assert message.provider_message_id.startswith("hash:")
    answer = adapter.answer(form_post(VALID), INBOX, [])
    assert (answer.status, json.loads(answer.body)) == (202, {"status": "received"})


def test_dedupe_keys() -> None:
    adapter = FormAdapter()
    [keyed] = adapter.parse(form_post(VALID, **{"Idempotency-Key": "form-123"}), INBOX)
    assert keyed.provider_message_id == "key:form-123"
    [a] = adapter.parse(form_post(VALID), INBOX)
    [b] = adapter.parse(
        form_post({**VALID, "body": "please  SEND my invoice.", "email": "xiaoming@example.com"}), INBOX
    )
    [c] = adapter.parse(form_post({**VALID, "body": "Something else"}), INBOX)
    assert a.provider_message_id == b.provider_message_id != c.provider_message_id
    [weird_key] = adapter.parse(form_post(VALID, **{"Idempotency-Key": "has spaces and\u00e9"}), INBOX)
    assert weird_key.provider_message_id.startswith("hash:")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"email": "not-an-email"}, "'email' is not an email address"),
        ({"email": "a@b"}, "'email' is not an email address"),
        ({"email": ""}, "'email' is required"),
        ({"subject": "  "}, "'subject' is required"),
        ({"body": ""}, "'body' is required"),
        ({"subject": "x" * 201}, "'subject' is longer than 200"),
        ({"name": "n" * 201}, "'name' is longer than 200"),
        ({"body": ["a"]}, "'body' must be text"),
    ],
)
def test_validation(change: dict, error: str) -> None:
    with pytest.raises(InvalidInput, match=error):
        FormAdapter().parse(form_post({**VALID, **change}), INBOX)


def test_size_limit_and_send() -> None:
    big = form_post({**VALID, "body": "x" * (64 * 1024)})
    with pytest.raises(InvalidInput, match="more than the 65536"):
        FormAdapter().verify(big, INBOX)
    with pytest.raises(InvalidInput, match="JSON"):
        FormAdapter().parse(form_post(b"[1, 2"), INBOX)
    message = OutboundMessage(
        ticket_id="T",
        message_id="M",
        channel="form",
        inbox="contact",
        conversation_key="k",
        recipient="xiaoming@example.com",
        body="hi",
    )
    with pytest.raises(ProviderError, match="answered by email") as refused:
        FormAdapter().send(message, INBOX, HttpClient())
    assert refused.value.retryable is False
