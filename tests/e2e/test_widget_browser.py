"""The customer's chat widget in a real browser, embedded with one tag in a page of another origin.

The customer opens the chat and writes; the agent answers through the agent API and the answer appears in
the widget; the customer goes offline, writes, comes back, and the message arrives exactly once; a reload
keeps the conversation; a Chinese browser gets the Chinese widget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e import test_spa_browser as spa
from tests.e2e.conftest import LocalCloudProcess
from tests.support.widget_site import WidgetSite, serving, widget_ticket

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
AGENT_EMAIL, AGENT_PASSWORD, WAIT_MS = spa.AGENT_EMAIL, spa.AGENT_PASSWORD, spa.WAIT_MS
# the browser test's fixtures, shared (Chromium started once per module)
browser = spa.browser
page_errors = spa.page_errors

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<style>body {{ font-family: serif; }} * {{ color: green !important; }}</style></head>
<body><h1>A customer's shop</h1>
<script src="{gateway}/widget.js" data-inbox="web" data-name="Widget Test 访客" {locale} async></script>
</body></html>
"""


@pytest.fixture(scope="module")
def site(local_cloud: LocalCloudProcess) -> Iterator[WidgetSite]:
    gateway = local_cloud.url.rstrip("/")
    with serving(
        {
            "/": PAGE.format(gateway=gateway, locale='data-locale="en"'),
            "/zh": PAGE.format(gateway=gateway, locale=""),
        }
    ) as server:
        yield server


def _customer_bodies(api: httpx.Client, ticket_id: str, marker: str, at_least: int) -> list[str]:
    """The customer messages of the ticket that carry ``marker``, once at least ``at_least`` are stored."""
    deadline = time.monotonic() + WAIT_MS / 1000
    bodies: list[str] = []
    answer = None
    while time.monotonic() < deadline:
        answer = api.get(f"/api/v1/tickets/{ticket_id}")
        if answer.status_code == 200:
            bodies = [
                m["body"] for m in answer.json()["messages"] if m["author_type"] == "customer" and marker in m["body"]
            ]
            if len(bodies) >= at_least:
                return bodies
        time.sleep(0.3)
    last = f"{answer.status_code} {answer.text[:300]}" if answer is not None else "no answer"
    pytest.fail(f"ticket {ticket_id} holds {bodies}, expected {at_least} messages with {marker}; last: {last}")


def test_a_customer_chats_from_the_widget_and_an_offline_message_arrives_once(
    local_cloud: LocalCloudProcess,
    site: WidgetSite,
    browser: Any,
    page_errors: list[str],
) -> None:
    from playwright.sync_api import expect

    marker = f"w{int(time.time() * 1000) % 10**8}"
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    api = httpx.Client(
        base_url=local_cloud.url.rstrip("/"),
        headers={"Authorization": f"Bearer {local_cloud.login(AGENT_EMAIL, AGENT_PASSWORD)}"},
        timeout=10,
    )
    try:
        page.goto(site.url + "/")
        launcher = page.get_by_test_id("kefu-launcher")
        expect(launcher).to_have_attribute("aria-label", "Open the chat")
        launcher.click()
        expect(page.get_by_test_id("kefu-panel")).to_be_visible()
        expect(page.get_by_test_id("kefu-log")).to_contain_text("Ask us anything")

        first = f"Where is my parcel? 我的包裹在哪 [{marker}-1]"
        page.get_by_test_id("kefu-input").fill(first)
        page.get_by_test_id("kefu-input").press("Enter")
        customer = page.locator('[data-testid="kefu-message"][data-author-type="customer"]')
        # stored: the pending copy (data-state) gives way to the server's
        expect(customer.filter(has_text=first).and_(page.locator(":not([data-state])"))).to_have_count(1)
        ticket_id = widget_ticket(page)
        assert _customer_bodies(api, ticket_id, marker, 1) == [first]

        reply = f"It left our warehouse today. 今天已发货 [{marker}]"
        sent = api.post(f"/api/v1/tickets/{ticket_id}/messages", json={"body": reply})
        assert sent.status_code == 201, sent.text
        agent = page.locator('[data-testid="kefu-message"][data-author-type="agent"]')
        expect(agent.filter(has_text=reply)).to_have_count(1)

        # Offline: the message waits (shown as waiting), and goes out when the connection returns.
        context.set_offline(True)
        expect(page.get_by_test_id("kefu-status")).to_contain_text("You are offline")
        second = f"And can I change the address? [{marker}-2]"
        page.get_by_test_id("kefu-input").fill(second)
        page.get_by_test_id("kefu-send").click()
        waiting = customer.filter(has_text=second)
        expect(waiting).to_have_attribute("data-state", "queued")
        page.wait_for_timeout(1500)  # time for a retry that must not happen while offline
        expect(waiting).to_have_attribute("data-state", "queued")
        context.set_offline(False)
        expect(customer.filter(has_text=second).and_(page.locator(":not([data-state])"))).to_have_count(1)
        assert _customer_bodies(api, ticket_id, marker, 2) == [first, second]
        expect(page.get_by_test_id("kefu-status")).to_be_hidden()

        # A reload keeps the conversation, each message once.
        page.reload()
        page.get_by_test_id("kefu-launcher").click()
        expect(customer.filter(has_text=marker)).to_have_count(2)
        expect(agent.filter(has_text=reply)).to_have_count(1)
        page.wait_for_timeout(2500)  # at least one more poll: nothing is added twice
        expect(customer.filter(has_text=marker)).to_have_count(2)
        assert _customer_bodies(api, ticket_id, marker, 2) == [first, second]
        page.screenshot(path=str(_artifacts() / "widget-en.png"))
        assert page_errors == [], f"the widget threw: {page_errors}"
    finally:
        api.close()
        context.close()


def test_a_chinese_browser_gets_the_chinese_widget(site: WidgetSite, browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        page.goto(site.url + "/zh")
        launcher = page.get_by_test_id("kefu-launcher")
        expect(launcher).to_have_attribute("aria-label", "打开客服对话")
        launcher.click()
        expect(page.get_by_test_id("kefu-input")).to_have_attribute("placeholder", "请输入消息…")
        expect(page.get_by_test_id("kefu-send")).to_have_text("发送")
        expect(page.get_by_test_id("kefu-log")).to_contain_text("有什么可以帮您")
        page.screenshot(path=str(_artifacts() / "widget-zh.png"))
    finally:
        context.close()


def _artifacts() -> Any:
    from pathlib import Path

    folder = Path(__file__).parent / "artifacts"
    folder.mkdir(exist_ok=True)
    return folder
