"""Canned-reply variables: what is refused when a reply is saved, and how a body is filled in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.errors import InvalidInput
from kefu.workspace import VARIABLES, check_template, render


def test_values_fallbacks_and_missing() -> None:
    body = "{{customer.name | 您}}好！工单 {{ ticket.id }}，联系 {{customer.email}}。"
    assert render(body, {"customer.name": "李雷", "ticket.id": "T1"}).body == "李雷好！工单 T1，联系 。"
    filled = render(body, {"ticket.id": "T1"})
    assert filled.body == "您好！工单 T1，联系 。"
    assert filled.missing == ["customer.email"]


@pytest.mark.parametrize(
    "body",
    ["Hi {{custmer.name}}", "Hi {{ }}", "Hi {{Customer.Name}}", "Hi {{customer.name", "Hi {{a}} {{customer.name}}"],
)
def test_a_body_kefu_cannot_fill_is_refused(body: str) -> None:
    with pytest.raises(InvalidInput):
        check_template(body)


@pytest.mark.parametrize("body", ["Hi {{customer.name}}", "{{ agent.name | 客服 }}", "no variables", "a } b { c"])
def test_a_body_kefu_can_fill_is_accepted(body: str) -> None:
    check_template(body)


@given(st.text().filter(lambda text: "{{" not in text and "}}" not in text))
def test_text_without_variables_is_left_as_it_is(text: str) -> None:
    check_template(text)
    assert render(text, {}).body == text


@given(st.sampled_from(sorted(VARIABLES)), st.text(min_size=1).filter(lambda v: "{" not in v and "}" not in v))
def test_every_known_variable_is_filled(name: str, value: str) -> None:
    check_template(f"<{{{{{name}}}}}>")
    assert render(f"<{{{{{name}}}}}>", {name: value}).body == f"<{value}>"
