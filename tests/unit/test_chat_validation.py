from __future__ import annotations

import pytest

from kefu.errors import InvalidInput
from kefu.services.chat import ChatSession, customer_message


def session() -> ChatSession:
    return ChatSession(inbox="web", visitor_id="V1", ticket_id="T1", name="Li", email=None, phone=None, locale="zh-CN")


def test_a_chat_message_is_keyed_by_visitor_and_client_id() -> None:
    message = customer_message(session(), "  你好  ", "m-1")
    assert message.text == "你好"
    assert message.provider_message_id == "V1:m-1"
    assert message.dedupe_key == "web#web#V1:m-1"
    assert message.conversation_key == "web:web:V1"
    assert message.ticket_hint == "T1"
    assert len(message.dedupe_hash) == 64 and len(message.message_group) <= 128


def test_without_a_client_id_every_message_is_distinct() -> None:
    a = customer_message(session(), "same", None)
    b = customer_message(session(), "same", None)
    assert a.provider_message_id != b.provider_message_id


@pytest.mark.parametrize(
    ("text", "client_id"), [("", None), ("   ", None), ("x" * 5001, None), ("ok", "has space"), ("ok", "x" * 129)]
)
def test_bad_chat_messages_are_refused(text: str, client_id: str | None) -> None:
    with pytest.raises(InvalidInput):
        customer_message(session(), text, client_id)
