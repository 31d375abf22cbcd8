"""The thread's media, unread markers and the widget's cards in a real browser against the local cloud.

A customer sends an image from the widget (on a page of another origin); the agent sees the ticket unread in the
inbox, opens it (it is read from then on, also after a reload), sees the image in the thread through its
presigned link, and answers with a file that the customer sees in the widget. On the bot's inbox the widget shows
the "did this solve it?" card under the bot's answer; the customer's click is the answer the bot understands (it
resolves the conversation), and the satisfaction card that follows takes a rating once.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import test_spa_browser as spa
from tests.e2e.conftest import LocalCloudProcess
from tests.support.widget_site import WidgetSite, serving, widget_ticket

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
WAIT_MS = spa.WAIT_MS
browser = spa.browser
page_errors = spa.page_errors

# a 4x4 red PNG: small, but a real image the browser decodes (naturalWidth > 0 proves the link served it)
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEklEQVR4nGP4z8CAB+GTG8HSALfKY52fTcuYAAAAAElFTkSuQmCC"
)
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>A customer's shop</h1>
<script src="{gateway}/widget.js" data-inbox="{inbox}" data-name="Thread Test 访客" data-locale="{locale}" async></script>
</body></html>
"""


@pytest.fixture(scope="module")
def site(local_cloud: LocalCloudProcess) -> Iterator[WidgetSite]:
    gateway = local_cloud.url.rstrip("/")
    with serving(
        {
            "/web": PAGE.format(gateway=gateway, inbox="web", locale="en"),
            "/assistant": PAGE.format(gateway=gateway, inbox="assistant", locale="zh-CN"),
        }
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Ingest, the stream and the outbound function run asynchronously on a machine that may be busy: the UI's
    assertions wait as long as the other waits here (WAIT_MS), not Playwright's 5 s, and are reset after."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    try:
        yield
    finally:
        expect.set_options(timeout=5_000)


def _image_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(PNG)
    return path


def test_an_image_from_the_widget_shows_unread_then_read_and_the_agents_file_reaches_the_customer(
    local_cloud: LocalCloudProcess, site: WidgetSite, browser: Any, page_errors: list[str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    marker = f"t{int(time.time() * 1000) % 10**8}"
    customer_context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="en-US")
    customer = customer_context.new_page()
    customer.set_default_timeout(WAIT_MS)
    customer.on("pageerror", lambda error: page_errors.append(f"widget: {error}"))
    agent_context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    agent = agent_context.new_page()
    agent.set_default_timeout(WAIT_MS)
    agent.on("pageerror", lambda error: page_errors.append(f"app: {error}"))
    try:
        # the customer writes, then sends a photo
        customer.goto(site.url + "/web")
        customer.get_by_test_id("kefu-launcher").click()
        customer.get_by_test_id("kefu-input").fill(f"My parcel arrived broken, photo follows [{marker}]")
        customer.get_by_test_id("kefu-input").press("Enter")
        mine = customer.locator('[data-testid="kefu-message"][data-author-type="customer"]')
        expect(mine.filter(has_text=marker).and_(customer.locator(":not([data-state])"))).to_have_count(1)
        ticket_id = widget_ticket(customer)
        customer.get_by_test_id("kefu-file").set_input_files(str(_image_file(tmp_path, f"broken-{marker}.png")))
        sent_image = customer.get_by_test_id("kefu-image").and_(customer.locator(f'[alt="broken-{marker}.png"]'))
        expect(sent_image).to_have_count(1)  # the server's copy, shown through its presigned link

        # the agent's inbox shows the ticket unread: bold, with a labelled marker
        base_url = local_cloud.url.rstrip("/")
        agent.goto(f"{base_url}/app/")
        spa._sign_in_with_password(agent, spa.AGENT_EMAIL)
        expect(agent.get_by_test_id("current-user")).to_contain_text(spa.AGENT_EMAIL)
        agent.get_by_test_id("status-tab-all").click()
        row = spa._find_ticket_row(agent, ticket_id, marker)
        expect(row).to_have_attribute("data-unread", "true")
        expect(row.get_by_role("img", name="Unread")).to_be_visible()
        expect(row).to_have_attribute("aria-label", re.compile(r"^Unread: "))
        row.click()

        # the thread shows the image, loaded by the browser through the API's short-lived link
        image = agent.get_by_test_id("attachment-image").and_(agent.locator(f'[alt*="broken-{marker}.png"]'))
        expect(image).to_have_count(1)
        expect(image).to_have_attribute("src", re.compile(r"X-Amz-Signature="))
        agent.wait_for_function(
            "(alt) => { const img = document.querySelector(`img[alt*='${alt}']`); "
            "return img && img.complete && img.naturalWidth === 4; }",
            arg=f"broken-{marker}.png",
        )

        # back in the inbox the ticket is read, and stays read after a reload (kept by the API, per agent)
        agent.get_by_test_id("nav-inbox").click()
        agent.get_by_test_id("status-tab-all").click()
        row = spa._find_ticket_row(agent, ticket_id, marker)
        expect(row).to_have_attribute("data-unread", "false")
        agent.reload()
        agent.get_by_test_id("status-tab-all").click()
        row = spa._find_ticket_row(agent, ticket_id, marker)
        expect(row).to_have_attribute("data-unread", "false")
        expect(row.get_by_test_id("unread-marker")).to_have_count(0)

        # the agent answers with a picture of the replacement; the customer sees it in the widget
        row.click()
        agent.get_by_test_id("attach-input").set_input_files(str(_image_file(tmp_path, f"replacement-{marker}.png")))
        expect(agent.get_by_test_id("composer-file")).to_have_attribute("data-state", "ready")
        agent.get_by_test_id("reply-box").fill(f"A replacement is on its way [{marker}]")
        agent.get_by_test_id("send-button").click()
        sent = agent.get_by_test_id("attachment-image").and_(agent.locator(f'[alt*="replacement-{marker}.png"]'))
        expect(sent).to_have_count(1)

        from_agent = customer.get_by_test_id("kefu-image").and_(customer.locator(f'[alt="replacement-{marker}.png"]'))
        expect(from_agent).to_have_count(1)
        customer.wait_for_function(
            "(alt) => { const host = document.querySelector('[data-kefu-widget]');"
            " const img = host && host.shadowRoot.querySelector(`img[alt='${alt}']`);"
            " return img && img.complete && img.naturalWidth === 4; }",
            arg=f"replacement-{marker}.png",
        )
        agent.screenshot(path=str(_artifacts() / "thread-media-en.png"), full_page=True)
        customer.screenshot(path=str(_artifacts() / "widget-image-en.png"))
        assert page_errors == [], f"the pages threw: {page_errors}"
    finally:
        customer_context.close()
        agent_context.close()


def test_the_widget_shows_the_bots_solved_card_and_the_answer_is_received(
    local_cloud: LocalCloudProcess, site: WidgetSite, browser: Any, page_errors: list[str]
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        page.goto(site.url + "/assistant")
        page.get_by_test_id("kefu-launcher").click()
        page.get_by_test_id("kefu-input").fill("退款审核通过了，多久能到账？")
        page.get_by_test_id("kefu-input").press("Enter")
        bot = page.locator('[data-testid="kefu-message"][data-author-type="bot"]')
        expect(bot.filter(has_text="这解决您的问题了吗")).to_have_count(1)
        card = page.get_by_test_id("kefu-solved-card")
        expect(card).to_be_visible()
        expect(card).to_have_attribute("aria-label", "这解决您的问题了吗？")
        page.screenshot(path=str(_artifacts() / "widget-solved-card-zh.png"))
        card.get_by_test_id("kefu-choice").and_(page.locator('[data-value="solved"]')).click()

        # the answer is the customer's message, and the bot reads it as solved: it thanks and resolves
        mine = page.locator('[data-testid="kefu-message"][data-author-type="customer"]')
        expect(mine.filter(has_text="是的，解决了")).to_have_count(1)
        expect(bot.filter(has_text="很高兴帮到您")).to_have_count(1)
        expect(card).to_have_count(0)
        ticket_id = widget_ticket(page)
        with httpx.Client(base_url=local_cloud.url.rstrip("/"), timeout=10) as http:
            token = local_cloud.login("supervisor@example.com", spa.AGENT_PASSWORD)
            detail = http.get(f"/api/v1/tickets/{ticket_id}", headers={"Authorization": f"Bearer {token}"}).json()
        assert detail["status"] == "resolved"
        assert "bot_resolved" in {e["type"] for e in detail["events"]}

        # resolved: the satisfaction card, answered once
        rating = page.get_by_test_id("kefu-rating-card")
        expect(rating).to_be_visible()
        rating.get_by_role("button", name="5 分").click()
        expect(rating).to_contain_text("感谢您的评价：5 分")
        page.reload()
        page.get_by_test_id("kefu-launcher").click()
        expect(page.get_by_test_id("kefu-rating-card")).to_contain_text("感谢您的评价：5 分")
        expect(page.get_by_test_id("kefu-star")).to_have_count(0)
        assert page_errors == [], f"the widget threw: {page_errors}"
    finally:
        context.close()


def _artifacts() -> Path:
    folder = Path(__file__).parent / "artifacts"
    folder.mkdir(exist_ok=True)
    return folder
