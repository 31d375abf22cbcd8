"""Masked by default, revealed on purpose: the customer panel in a real browser against the local cloud.

A customer starts a web chat with a phone number and an email. An agent opens the ticket and sees both masked
with no Reveal button; a supervisor sees them masked too, reveals them with a reason, sees them whole, and the
audit trail holds exactly one entry for it; once the supervisor leaves the ticket and comes back, they are
masked again. Screenshots go to tests/e2e/artifacts/ (not committed).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kefu.clock import now_iso
from kefu.store import keys
from tests.e2e.test_spa_browser import (
    AGENT_EMAIL,
    AGENT_PASSWORD,
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    _find_ticket_row,
    _new_agent,
    _require_browser,
    _screenshot,
    _sign_in_with_password,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _start_chat_with_contacts(base_url: str, text: str, phone: str, email: str) -> str:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        started = http.post("/chat/web/sessions", json={"name": "Reveal 测试客户", "phone": phone, "email": email})
        assert started.status_code in (200, 201), started.text
        session = started.json()
        sent = http.post(
            "/chat/web/messages",
            json={"text": text, "client_message_id": str(uuid.uuid4())},
            headers={"Authorization": f"Bearer {session['session_token']}"},
        )
        assert sent.status_code in (200, 201, 202), sent.text
        return str(session["ticket_id"])


def _reveals_of(cloud: Any, customer_id: str) -> list[dict[str, Any]]:
    """The audit trail's contact reveals of one customer this month, read from the table itself."""
    dynamodb = cloud.client("dynamodb")
    items = dynamodb.query(
        TableName=cloud.table_name(),
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.audit_month(now_iso()[:7])}},
    )["Items"]
    return [
        item
        for item in items
        if item.get("action", {}).get("S") == "customer.contacts_revealed"
        and item["details"]["M"]["customer_id"]["S"] == customer_id
    ]


def _open_ticket(page: Any, ticket_id: str, marker: str) -> None:
    from playwright.sync_api import expect

    page.get_by_test_id("nav-inbox").click()
    page.get_by_test_id("status-tab-all").click()
    _find_ticket_row(page, ticket_id, marker).click()
    expect(page.get_by_test_id("ticket-view")).to_have_attribute("data-ticket-id", ticket_id)


def test_a_supervisor_reveals_a_phone_number_that_everyone_sees_masked(local_cloud: Any, chromium: Any) -> None:
    from playwright.sync_api import expect

    browser = chromium
    page_errors: list[str] = []  # uncaught exceptions the app throws

    base_url = local_cloud.url.rstrip("/")
    marker = uuid.uuid4().hex[:8]
    digits = "".join(random.choice("0123456789") for _ in range(4))
    phone, masked_phone = f"+86138{digits}5678", "+86138****5678"
    email = f"reveal-{marker}@example.com"
    ticket_id = _start_chat_with_contacts(base_url, f"请给我回电话 call me back [{marker}]", phone, email)

    # An agent: masked, and no way to reveal.
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.goto(f"{base_url}/app/")
        _sign_in_with_password(page, AGENT_EMAIL)
        expect(page.get_by_test_id("current-user")).to_contain_text(AGENT_EMAIL)
        _open_ticket(page, ticket_id, marker)
        panel = page.get_by_test_id("customer-panel")
        expect(panel.get_by_test_id("customer-phone")).to_have_text(masked_phone)
        expect(panel.get_by_test_id("customer-email")).to_have_text("r***@example.com")
        expect(panel.get_by_test_id("reveal-button")).to_have_count(0)
        assert phone not in page.content() and email not in page.content()
    finally:
        context.close()

    # A supervisor: masked too, until they reveal with a reason.
    supervisor = _new_agent(local_cloud, "Lin Mei 林梅")
    local_cloud.client("cognito-idp").admin_add_user_to_group(
        UserPoolId=local_cloud.user_pool_id, Username=supervisor, GroupName="supervisor"
    )
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.goto(f"{base_url}/app/")
        _sign_in_with_password(page, supervisor)
        expect(page.get_by_test_id("current-user")).to_contain_text("Lin Mei 林梅")
        _open_ticket(page, ticket_id, marker)
        panel = page.get_by_test_id("customer-panel")
        expect(panel.get_by_test_id("customer-phone")).to_have_text(masked_phone)
        token = local_cloud.login(supervisor, AGENT_PASSWORD)
        with httpx.Client(base_url=base_url, timeout=10) as http:
            shown = http.get(f"/api/v1/tickets/{ticket_id}", headers={"Authorization": f"Bearer {token}"}).json()
        customer_id = shown["customer"]["id"]
        assert shown["customer"]["phone"] == masked_phone  # the API masks it for a supervisor too
        assert _reveals_of(local_cloud, customer_id) == []

        panel.get_by_test_id("reveal-button").click()
        expect(panel.get_by_test_id("reveal-submit")).to_be_disabled()  # no reason yet
        panel.get_by_test_id("reveal-reason").fill(f"Customer asked for a call back [{marker}]")
        _screenshot(page, "customer-reveal-reason-en")
        panel.get_by_test_id("reveal-submit").click()
        expect(panel.get_by_test_id("customer-phone")).to_have_text(phone)
        expect(panel.get_by_test_id("customer-email")).to_have_text(email)
        expect(panel.get_by_test_id("reveal-done")).to_contain_text("audit log")
        expect(panel.get_by_test_id("reveal-button")).to_have_count(0)
        _screenshot(page, "customer-revealed-en")

        trail = _reveals_of(local_cloud, customer_id)
        assert len(trail) == 1, trail
        details = trail[0]["details"]["M"]
        assert details["reason"]["S"] == f"Customer asked for a call back [{marker}]"
        assert {f["S"] for f in details["fields"]["L"]} == {"phone", "email", "identities"}
        assert details["request_id"]["S"]
        assert trail[0]["actor_email"]["S"] == supervisor
        assert phone not in str(trail[0]) and email not in str(trail[0])

        # Leaving the ticket forgets the values: back on it, they are masked again.
        _open_ticket(page, ticket_id, marker)
        expect(panel.get_by_test_id("customer-phone")).to_have_text(masked_phone)
        expect(panel.get_by_test_id("reveal-button")).to_have_count(1)
        assert len(_reveals_of(local_cloud, customer_id)) == 1
    finally:
        context.close()

    assert page_errors == [], f"the app threw: {page_errors}"
