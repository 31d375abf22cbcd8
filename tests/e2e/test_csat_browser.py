"""The satisfaction survey's page in a real browser with JavaScript off, as a customer's phone may open it: axe
finds no serious WCAG 2.1 A/AA problem on the question or on the answer, the form is filled by keyboard and
posts itself, and the rating is stored (tests/e2e/test_csat_e2e.py sends the link)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.seed import DEMO_PASSWORD
from tests.e2e.test_csat_e2e import surveyed_ticket
from tests.e2e.test_spa_browser import AXE, CHROMIUM, CHROMIUM_ARGS, WAIT_MS, _require_browser, _serious_violations

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def http(local_cloud: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_cloud.url, timeout=30.0) as client:
        yield client


def test_the_survey_page_works_without_javascript_and_is_accessible(local_cloud: Any, http: httpx.Client) -> None:
    _require_browser()
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` in spa/ (make install does)")
    from playwright.sync_api import expect, sync_playwright

    run = uuid.uuid4().hex[:8]
    admin = {"Authorization": f"Bearer {local_cloud.login('admin@example.com', DEMO_PASSWORD)}"}
    ticket_id, token, _ = surveyed_ticket(local_cloud, http, admin, run)
    url = f"{local_cloud.url.rstrip('/')}/csat/{token}"
    problems: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # axe runs through the debugging protocol: a context with JavaScript on, the page's CSP as it is
            checker = chromium.new_context(locale="en-US", viewport={"width": 390, "height": 844}).new_page()
            checker.set_default_timeout(WAIT_MS)
            checker.goto(url)
            expect(checker.locator("html")).to_have_attribute("lang", "zh-CN")  # the customer's Telegram language
            problems["question"] = _serious_violations(checker)
            # the customer's phone, JavaScript off: keyboard only, the form posts itself
            phone = chromium.new_context(
                java_script_enabled=False, locale="zh-CN", viewport={"width": 390, "height": 844}
            )
            page = phone.new_page()
            page.set_default_timeout(WAIT_MS)
            page.goto(url)
            page.get_by_label("满意 / Satisfied", exact=True).check()
            page.locator("#comment").fill(f"thanks {run}")
            page.get_by_role("button", name="提交评价").press("Enter")
            expect(page.get_by_role("status")).to_contain_text("感谢您的评价")
            page.goto(url)
            expect(page.get_by_role("status")).to_contain_text("评价过")
            checker.goto(url)  # the answered page: the same frame as the thank-you page
            expect(checker.get_by_role("status")).to_contain_text("评价过")
            problems["answered"] = _serious_violations(checker)
        finally:
            chromium.close()
    assert problems == {"question": [], "answered": []}, problems
    detail = http.get(f"/api/v1/tickets/{ticket_id}", headers=admin)
    assert detail.status_code == 200 and "csat_followup" not in detail.json()["tags"]  # satisfied: no follow-up
    again = http.post(f"/csat/{token}", json={"rating": "neutral"})
    assert again.status_code == 409, again.text
