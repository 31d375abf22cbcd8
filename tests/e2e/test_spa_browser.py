"""The agent SPA in a real browser against the local cloud.

A customer starts a web chat over HTTP; an agent signs in to the SPA, finds the ticket in the inbox, reads the
customer's message, replies, and the reply reaches the customer's chat; then the agent resolves the ticket.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AGENT_EMAIL = "agent1@example.com"
AGENT_PASSWORD = "Kefu-demo-1"
WAIT_MS = 30_000  # upper bound for anything the UI waits on (polling every 3-5 s, async ingest)
SCREENSHOT_DIR = Path(os.environ.get("KEFU_SCREENSHOT_DIR", "/tmp"))


def _require_browser() -> None:
    """Skip where no browser is installed, unless the run demands one (CI sets KEFU_REQUIRE_BROWSER)."""
    required = bool(os.environ.get("KEFU_REQUIRE_BROWSER"))
    if not (CHROMIUM.exists() or shutil.which(str(CHROMIUM))):
        if required:
            pytest.fail(f"KEFU_REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium); set KEFU_REQUIRE_BROWSER to fail")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught exceptions thrown by the app while a test drives it."""
    return []


@pytest.fixture
def page(browser: Any, page_errors: list[str]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()


def _start_chat(base_url: str, text: str) -> tuple[str, str | None]:
    """A customer opens the web chat and says something; returns (session token, ticket id)."""
    with httpx.Client(base_url=base_url, timeout=10) as http:
        started = http.post("/chat/web/sessions", json={"name": "Browser Test 测试客户", "locale": "zh-CN"})
        assert started.status_code in (200, 201), started.text
        session = started.json()
        token = session["session_token"]
        sent = http.post(
            "/chat/web/messages",
            json={"text": text, "client_message_id": str(uuid.uuid4())},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert sent.status_code in (200, 201, 202), sent.text
        return token, session.get("ticket_id")


def _wait_for_agent_message(base_url: str, token: str, body: str) -> dict[str, Any]:
    """Polls the customer's side of the chat until the agent's reply shows up (bounded, not timed)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    seen: list[dict[str, Any]] = []
    with httpx.Client(base_url=base_url, timeout=10) as http:
        while time.monotonic() < deadline:
            answer = http.get("/chat/web/messages", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, answer.text
            seen = answer.json()["items"]
            for item in seen:
                if item["author_type"] == "agent" and item["body"] == body:
                    return item
            time.sleep(0.5)
    pytest.fail(f"the agent's reply never reached the customer's chat; the chat holds: {seen}")


def _find_ticket_row(page: Any, ticket_id: str | None, marker: str) -> Any:
    """Finds the new ticket in the inbox (the list refreshes itself; older pages load on demand)."""
    rows = page.get_by_test_id("ticket-row")
    row = rows.and_(page.locator(f'[data-ticket-id="{ticket_id}"]')) if ticket_id else rows.filter(has_text=marker)
    deadline = time.monotonic() + WAIT_MS / 1000
    while row.count() == 0 and time.monotonic() < deadline:
        load_more = page.get_by_test_id("load-more")
        if load_more.is_visible() and load_more.is_enabled():
            load_more.click()
        page.wait_for_timeout(500)
    assert row.count() == 1, f"ticket {ticket_id or marker} did not appear in the inbox"
    return row


def test_agent_answers_a_web_chat_and_resolves_it(local_cloud: Any, page: Any, page_errors: list[str]) -> None:
    from playwright.sync_api import expect

    base_url = local_cloud.url.rstrip("/")
    marker = uuid.uuid4().hex[:8]
    question = f"你好 我的订单还没到 - where is my order? [{marker}]"
    reply = f"Sorry for the wait! 您的包裹明天送达。 [{marker}]"
    token, ticket_id = _start_chat(base_url, question)

    page.goto(f"{base_url}/app/")

    # A wrong password shows Cognito's own message and keeps the agent on the login form.
    page.get_by_test_id("login-email").fill(AGENT_EMAIL)
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("Incorrect username or password")

    page.get_by_test_id("login-password").fill(AGENT_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("current-user")).to_contain_text(AGENT_EMAIL)
    page.get_by_test_id("presence-select").select_option("online")
    expect(page.get_by_test_id("presence-select")).to_be_enabled()

    page.get_by_test_id("status-tab-all").click()
    expect(page.get_by_test_id("ticket-table")).to_be_visible()
    row = _find_ticket_row(page, ticket_id, marker)
    expect(row.get_by_test_id("ticket-status")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT_DIR / "kefu-spa-inbox.png"))
    row.click()

    view = page.get_by_test_id("ticket-view")
    expect(view).to_be_visible()
    if ticket_id:
        expect(view).to_have_attribute("data-ticket-id", ticket_id)
    customer_message = page.locator('[data-testid="message-item"][data-author-type="customer"]')
    expect(customer_message.filter(has_text=marker)).to_have_count(1)

    page.get_by_test_id("reply-box").fill(reply)
    page.get_by_test_id("send-button").click()
    agent_message = page.locator('[data-testid="message-item"][data-author-type="agent"]').filter(has_text=reply)
    expect(agent_message).to_have_count(1)
    expect(agent_message).to_have_attribute("data-internal", "false")
    expect(page.get_by_test_id("reply-box")).to_have_value("")

    delivered = _wait_for_agent_message(base_url, token, reply)
    assert delivered["body"] == reply

    header_status = view.locator(".ticket-header").get_by_test_id("ticket-status")
    page.get_by_test_id("status-select").select_option("resolved")
    expect(header_status).to_have_text("Resolved")
    expect(page.get_by_test_id("status-select")).to_have_value("resolved")
    expect(page.get_by_test_id("ticket-update-error")).to_have_count(0)

    # Resolved is stored, not just shown: a reload reads it back from the API.
    page.reload()
    expect(view.locator(".ticket-header").get_by_test_id("ticket-status")).to_have_text("Resolved")
    expect(page.get_by_test_id("presence-select")).to_have_value("online")  # read back from GET /me
    page.screenshot(path=str(SCREENSHOT_DIR / "kefu-spa-ticket.png"), full_page=True)

    assert page_errors == [], f"the app threw: {page_errors}"
