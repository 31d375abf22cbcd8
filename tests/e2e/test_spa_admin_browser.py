"""The admin screens of the agent SPA in a real browser against the local cloud (the session's, shared with
test_spa_browser.py, whose browser fixtures this module reuses).

An admin creates a team with a shift, gives a freshly signed-in agent that team, a skill and a capacity; writes
a routing rule, edits it and dry-runs a sample that hits it; creates an organization with a dedicated team and
agent chosen from the lists and edits its tier; adds an SLA policy and edits it; writes an article,
publishes it, and an agent finds it with the composer's knowledge-base search; opens a customer who typed the
same phone number as another (found by that number), merges the suggested duplicate in and undoes the merge. axe checks every admin
screen in English and Chinese. Everything this module writes is named by a fresh marker (its own team, rule,
organization, organization's policy, article and customers), so the other tests on the same local cloud see none of it.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e import test_spa_browser as spa
from tests.e2e.test_spa_browser import (
    AGENT_PASSWORD,
    AXE,
    WAIT_MS,
    _find_ticket_row,
    _new_agent,
    _screenshot,
    _serious_violations,
    _sign_in_with_password,
    _start_chat,
)

# the same Chromium, page and error collection as test_spa_browser.py
browser = spa.browser
page = spa.page
page_errors = spa.page_errors

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
ADMIN_EMAIL = "admin@example.com"


def _api(cloud: Any, email: str) -> httpx.Client:
    token = cloud.login(email, AGENT_PASSWORD)
    return httpx.Client(base_url=cloud.url.rstrip("/"), timeout=10, headers={"Authorization": f"Bearer {token}"})


def _customer_of(admin: httpx.Client, ticket_id: str) -> str:
    """The ticket's customer, once ingest has written the ticket (bounded wait)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        answer = admin.get(f"/api/v1/tickets/{ticket_id}")
        if answer.status_code == 200:
            return str(answer.json()["customer_id"])
        time.sleep(0.5)
    pytest.fail(f"ticket {ticket_id} was never written")


def _open_admin(page: Any, base_url: str, section: str) -> None:
    from playwright.sync_api import expect

    page.get_by_test_id("nav-admin").click()
    expect(page.get_by_test_id("admin-page")).to_be_visible()
    page.get_by_test_id(f"admin-nav-{section}").click()


def _sign_in_admin(page: Any, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/app/")
    _sign_in_with_password(page, ADMIN_EMAIL)
    expect(page.get_by_test_id("current-user")).to_be_visible()
    expect(page.get_by_test_id("nav-admin")).to_be_visible()


def test_admin_creates_a_team_with_a_skill_and_an_agent_in_it(
    local_cloud: Any, page: Any, page_errors: list[str]
) -> None:
    from playwright.sync_api import expect

    base_url = local_cloud.url.rstrip("/")
    marker = uuid.uuid4().hex[:8]
    team = f"qa_{marker}"
    email = _new_agent(local_cloud, f"Team Member {marker}")
    with _api(local_cloud, email) as http:  # an agent exists for routing once they have signed in
        assert http.get("/api/v1/me").status_code == 200

    _sign_in_admin(page, base_url)
    _open_admin(page, base_url, "people")
    page.get_by_test_id("team-new").click()
    page.get_by_test_id("team-id").fill(team)
    page.get_by_test_id("team-name").fill(f"QA team {marker}")
    page.get_by_test_id("team-reassign").fill("5 minutes")
    expect(page.get_by_test_id("team-form")).to_contain_text("is not an ISO-8601 duration")
    expect(page.get_by_test_id("team-save")).to_be_disabled()
    page.get_by_test_id("team-reassign").fill("PT5M")
    page.get_by_test_id("shift-add").click()
    page.get_by_test_id("shift-0-name").fill("day")
    page.get_by_test_id("team-save").click()
    team_row = page.get_by_test_id("team-list").get_by_role("row").filter(has_text=team)
    expect(team_row).to_contain_text("day 08:00–16:00")
    expect(team_row).to_contain_text("PT5M")

    # The agent gets the team, a skill at 4 and room for 2 chats; the form is sent with the keyboard.
    page.get_by_test_id(f"agent-edit-{email}").click()
    page.get_by_test_id(f"agent-team-{team}").check()
    page.get_by_test_id("skill-add").click()
    page.get_by_test_id("skill-0-name").fill("after_sales")
    page.get_by_test_id("skill-0-level").select_option("4")
    page.get_by_test_id("agent-capacity-chat").fill("2")
    _screenshot(page, "admin-agent-form-en", full_page=True)
    page.get_by_test_id("agent-save").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("agent-form")).to_have_count(0)
    row = page.get_by_test_id(f"agent-row-{email}")
    expect(row).to_contain_text("4")  # the skill's proficiency
    expect(row).not_to_contain_text("not configured")

    with _api(local_cloud, ADMIN_EMAIL) as http:
        agents = {a["email"]: a for a in http.get("/api/v1/admin/agents").json()["items"]}
        saved = agents[email]
        assert (saved["teams"], saved["skills"], saved["capacity"]["chat"]) == ([team], {"after_sales": 4}, 2), saved
        stored_team = http.get(f"/api/v1/admin/teams/{team}").json()
        assert stored_team["reassign_after"] == "PT5M" and stored_team["shifts"][0]["name"] == "day", stored_team
    assert page_errors == [], f"the app threw: {page_errors}"


def test_admin_edits_a_rule_and_dry_runs_it(local_cloud: Any, page: Any, page_errors: list[str]) -> None:
    from playwright.sync_api import expect

    base_url = local_cloud.url.rstrip("/")
    marker = uuid.uuid4().hex[:8]
    rule_id = f"qa-{marker}"
    _sign_in_admin(page, base_url)
    _open_admin(page, base_url, "rules")
    expect(page.get_by_test_id("rule-list")).to_be_visible()
    page.get_by_test_id("rule-new").click()
    page.get_by_test_id("rule-id").fill(rule_id)
    page.get_by_test_id("rule-name").fill(f"QA {marker}")
    page.get_by_test_id("rule-position").fill("500")
    page.get_by_test_id("rule-keywords").fill(f"zz{marker}")
    expect(page.get_by_test_id("rule-form")).to_contain_text("A rule sets at least one thing.")
    page.get_by_test_id("rule-add-tags").fill(f"qa{marker}")
    page.get_by_test_id("rule-save").click()
    expect(page.get_by_test_id(f"rule-row-{rule_id}")).to_contain_text(f"#qa{marker}")

    # Edit it: a new version that also sets the priority.
    page.get_by_test_id(f"rule-edit-{rule_id}").click()
    expect(page.get_by_role("heading", name=f"Edit rule “{rule_id}” (version 1)")).to_be_visible()
    page.get_by_test_id("rule-priority").select_option("urgent")
    page.get_by_test_id("rule-save").click()
    expect(page.get_by_test_id(f"rule-row-{rule_id}")).to_contain_text("Urgent")
    expect(page.get_by_test_id(f"rule-row-{rule_id}").locator("td").nth(4)).to_have_text("2")

    # The dry run: a sample naming the keyword hits this rule, at its new version, and sets what it says.
    page.get_by_test_id("dry-text").fill(f"hello zz{marker} please")
    page.get_by_test_id("dry-run-submit").click()
    hit = page.get_by_test_id(f"dry-hit-{rule_id}")
    expect(hit).to_contain_text(f"{rule_id} · v2")
    expect(page.get_by_test_id("dry-priority")).to_have_text("Urgent")
    expect(page.get_by_test_id(f"rule-row-{rule_id}")).to_contain_text("hits the sample")
    _screenshot(page, "admin-rules-dry-run-en", full_page=True)
    # A sample without the keyword does not hit it.
    page.get_by_test_id("dry-text").fill("nothing to see")
    page.get_by_test_id("dry-run-submit").click()
    expect(page.get_by_test_id("dry-result")).to_be_visible()
    expect(page.get_by_test_id(f"dry-hit-{rule_id}")).to_have_count(0)
    assert page_errors == [], f"the app threw: {page_errors}"


def _all_organizations(admin: httpx.Client) -> list[dict[str, Any]]:
    """Every page of the admin list of organizations, following next_cursor."""
    found: list[dict[str, Any]] = []
    params: dict[str, str] = {}
    while True:
        answer = admin.get("/api/v1/admin/organizations", params=params)
        assert answer.status_code == 200, answer.text
        found += answer.json()["items"]
        if not answer.json()["next_cursor"]:
            return found
        params = {"cursor": answer.json()["next_cursor"]}


def test_admin_creates_an_organization_and_edits_its_tier(local_cloud: Any, page: Any, page_errors: list[str]) -> None:
    from playwright.sync_api import expect

    base_url = local_cloud.url.rstrip("/")
    marker = uuid.uuid4().hex[:8]
    team, organization = f"qa_{marker}", f"qa-org-{marker}"
    email = _new_agent(local_cloud, f"Account Manager {marker}")
    with _api(local_cloud, email) as http:  # in the agent directory once they have signed in
        agent_id = http.get("/api/v1/me").json()["id"]
    with _api(local_cloud, ADMIN_EMAIL) as http:
        assert http.put(f"/api/v1/admin/teams/{team}", json={"name": f"Key accounts {marker}"}).status_code == 200

    _sign_in_admin(page, base_url)
    _open_admin(page, base_url, "organizations")
    page.get_by_test_id("organization-new").click()
    page.get_by_test_id("organization-id").fill(f"QA {marker}")
    expect(page.get_by_test_id("organization-form")).to_contain_text("Lower-case letters, digits")
    expect(page.get_by_test_id("organization-save")).to_be_disabled()
    page.get_by_test_id("organization-id").fill(organization)
    page.get_by_test_id("organization-name").fill(f"QA Trading {marker}")
    page.get_by_test_id("organization-team").select_option(team)
    page.get_by_test_id("organization-agent").select_option(label=f"Account Manager {marker}")
    page.get_by_test_id("organization-save").click()
    row = page.get_by_test_id(f"organization-row-{organization}")
    expect(row).to_contain_text(f"QA Trading {marker}")
    expect(row).to_contain_text(f"Key accounts {marker}")
    expect(row).to_contain_text(f"Account Manager {marker}")
    expect(row.locator("td").nth(2)).to_have_text("Enterprise")

    page.get_by_test_id(f"organization-edit-{organization}").click()
    expect(page.get_by_test_id("organization-id")).to_be_disabled()
    page.get_by_test_id("organization-tier").select_option("vip")
    page.get_by_test_id("organization-save").click()
    expect(page.get_by_test_id("organization-form")).to_have_count(0)
    expect(row.locator("td").nth(2)).to_have_text("VIP")
    _screenshot(page, "admin-organizations-en", full_page=True)

    with _api(local_cloud, ADMIN_EMAIL) as http:
        stored = {o["id"]: o for o in _all_organizations(http)}[organization]
    assert (stored["name"], stored["tier"], stored["team"], stored["agent"]) == (
        f"QA Trading {marker}",
        "vip",
        team,
        agent_id,
    ), stored
    assert page_errors == [], f"the app threw: {page_errors}"


def test_admin_edits_an_sla_policy(local_cloud: Any, page: Any, page_errors: list[str]) -> None:
    from playwright.sync_api import expect

    base_url = local_cloud.url.rstrip("/")
    marker = uuid.uuid4().hex[:8]
    policy_id = f"qa-{marker}"
    _sign_in_admin(page, base_url)
    _open_admin(page, base_url, "sla")
    expect(page.get_by_test_id("sla-list")).to_be_visible()
    page.get_by_test_id("sla-new").click()
    page.get_by_test_id("sla-name").fill(f"QA {marker}")
    page.locator("#sla-id").fill(policy_id)
    page.locator("#sla-organization").fill(f"org-{marker}")  # an organization no ticket belongs to
    page.get_by_test_id("sla-first").fill("PT10M")
    page.get_by_test_id("sla-save").click()
    row = page.get_by_test_id(f"sla-row-{policy_id}")
    expect(row).to_contain_text("PT10M")

    page.get_by_test_id(f"sla-edit-{policy_id}").click()
    page.get_by_test_id("sla-first").fill("ten minutes")
    expect(page.get_by_test_id("sla-form")).to_contain_text("is not an ISO-8601 duration")
    expect(page.get_by_test_id("sla-save")).to_be_disabled()
    page.get_by_test_id("sla-first").fill("PT1M30S")
    expect(page.get_by_test_id("sla-form")).to_contain_text("means 1 minute 30 seconds")
    page.get_by_test_id("sla-calendar-business").check()
    page.get_by_test_id("sla-save").click()
    expect(row).to_contain_text("PT1M30S")
    expect(row).to_contain_text("Business hours")
    expect(row.locator("td").nth(6)).to_have_text("2")

    with _api(local_cloud, ADMIN_EMAIL) as http:
        stored = {p["id"]: p for p in http.get("/api/v1/admin/sla-policies").json()["policies"]}[policy_id]
    assert (stored["first_response"], stored["calendar"], stored["version"]) == ("PT1M30S", "business", 2), stored
    assert page_errors == [], f"the app threw: {page_errors}"


def test_a_published_article_is_found_by_the_agents_kb_search(
    local_cloud: Any, page: Any, page_errors: list[str]
) -> None:
    from playwright.sync_api import expect

    base_url = local_cloud.url.rstrip("/")
    marker = uuid.uuid4().hex[:8]
    word = f"giftcard{marker}"
    title = f"Gift cards {word}"
    _, ticket_id = _start_chat(base_url, f"礼品卡怎么用 How do gift cards work? [{marker}]")
    _sign_in_admin(page, base_url)
    _open_admin(page, base_url, "articles")
    page.get_by_test_id("article-new").click()
    page.get_by_test_id("article-title").fill(title)
    page.get_by_test_id("article-body").fill(
        f"## Redeem\n\nOpen **Wallet** and type the code. {word}\n\n- online\n- in store"
    )
    page.get_by_test_id("article-preview-toggle").click()
    preview = page.get_by_test_id("article-preview")
    expect(preview.get_by_role("heading", name="Redeem")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("Wallet")
    page.get_by_test_id("article-save").click()
    item = page.get_by_test_id("article-list").locator("li").filter(has_text=title)
    expect(item).to_contain_text("draft")
    item.get_by_role("button", name=f"Publish “{title}”").click()
    expect(item).to_contain_text("published")

    # An agent finds it from the composer of a ticket (the index takes it within a few seconds).
    page.get_by_test_id("logout").click()
    _sign_in_with_password(page, "agent2@example.com")
    expect(page.get_by_test_id("current-user")).to_be_visible()
    # the sign-in returns to where the admin was: an agent is told the screens are not theirs, and has no link
    expect(page.get_by_text("Only supervisors and admins can open the administration screens.")).to_be_visible()
    expect(page.get_by_test_id("nav-admin")).to_have_count(0)
    page.get_by_test_id("nav-inbox").click()
    page.get_by_test_id("status-tab-all").click()
    _find_ticket_row(page, ticket_id, marker).click()
    page.get_by_test_id("kb-toggle").click()
    hit = page.get_by_test_id("kb-hit").filter(has_text=title)
    deadline = time.monotonic() + WAIT_MS / 1000
    while hit.count() == 0 and time.monotonic() < deadline:
        page.get_by_test_id("kb-search").fill("")
        page.get_by_test_id("kb-search").fill(word)
        page.wait_for_timeout(1000)
    expect(hit).to_have_count(1)
    assert page_errors == [], f"the app threw: {page_errors}"


def test_a_supervisor_merges_two_customers_then_unmerges_them(
    local_cloud: Any, page: Any, page_errors: list[str]
) -> None:
    from playwright.sync_api import expect

    base_url = local_cloud.url.rstrip("/")
    phone = f"+86 139 {random.randint(1000, 9999)} {random.randint(1000, 9999)}"
    customers = []
    with httpx.Client(base_url=base_url, timeout=10) as http, _api(local_cloud, ADMIN_EMAIL) as admin:
        for name in ("Merge Test A", "Merge Test B"):
            started = http.post("/chat/web/sessions", json={"name": name, "phone": phone, "locale": "en"})
            assert started.status_code in (200, 201), started.text
            session = started.json()
            sent = http.post(
                "/chat/web/messages",
                json={"text": f"hello from {name}", "client_message_id": str(uuid.uuid4())},
                headers={"Authorization": f"Bearer {session['session_token']}"},
            )
            assert sent.status_code in (200, 201, 202), sent.text
            customers.append(_customer_of(admin, session["ticket_id"]))
    first, second = customers
    assert first != second

    page.goto(f"{base_url}/app/")
    _sign_in_with_password(page, "supervisor@example.com")
    expect(page.get_by_test_id("nav-admin")).to_be_visible()
    _open_admin(page, base_url, "customers")
    # the number as a caller says it finds both customers who typed it, masked; a row opens the customer
    number = "+86" + phone.removeprefix("+86 ").replace(" ", "")
    page.get_by_test_id("customer-search-value").fill(phone.removeprefix("+86 "))
    page.get_by_test_id("customer-search-submit").click()
    found = page.get_by_test_id("found-customers")
    expect(found.get_by_test_id(f"found-customer-{first}")).to_contain_text("Merge Test A")
    expect(found.get_by_test_id(f"found-customer-{second}")).to_contain_text(number[:6] + "****" + number[-4:])
    assert number not in found.inner_text()
    found.get_by_test_id(f"found-customer-{second}").click()
    card = page.get_by_test_id("customer-card")
    expect(card.get_by_role("heading", name="Merge Test B")).to_be_visible()
    suggestions = card.get_by_test_id("customer-suggestions")
    expect(suggestions).to_contain_text("Merge Test A")
    expect(suggestions).to_contain_text("a contact typed by one of them")
    suggestions.get_by_test_id(f"merge-here-{first}").click()
    expect(page.get_by_test_id("merge-confirm")).to_be_disabled()
    page.get_by_test_id("merge-reason").fill("Same phone number, confirmed with the customer")
    page.get_by_test_id("merge-confirm").click()
    expect(page.get_by_test_id("customer-notice")).to_contain_text("Merged: 1 identity moved to Merge Test B")
    expect(card.get_by_test_id("customer-identities").locator("li")).to_have_count(2)
    _screenshot(page, "admin-customer-merged-en", full_page=True)
    with _api(local_cloud, ADMIN_EMAIL) as http:
        assert http.get(f"/api/v1/customers/{first}").json()["merged_into"] == second

    page.get_by_test_id("merge-undo").click()
    expect(page.get_by_test_id("customer-notice")).to_contain_text("The merge was undone")
    expect(card.get_by_test_id("customer-identities").locator("li")).to_have_count(1)
    with _api(local_cloud, ADMIN_EMAIL) as http:
        assert http.get(f"/api/v1/customers/{first}").json()["merged_into"] is None
    assert page_errors == [], f"the app threw: {page_errors}"


def test_admin_screens_have_no_serious_accessibility_problems(local_cloud: Any, page: Any) -> None:
    from playwright.sync_api import expect

    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` in spa/ (make install does)")
    base_url = local_cloud.url.rstrip("/")
    problems: dict[str, list[str]] = {}
    _sign_in_admin(page, base_url)
    page.get_by_test_id("nav-admin").click()
    opened = {
        "inboxes": ("inbox-list", "inbox-new"),
        "people": ("agent-list", "team-new"),
        "organizations": ("organization-new", "organization-new"),
        "rules": ("rule-list", "rule-new"),
        "sla": ("sla-list", "sla-new"),
        "articles": ("article-list", "article-new"),
        "customers": ("recent-customers", None),
    }
    for language in ("en", "zh-CN"):
        page.get_by_test_id("language-select").select_option(language)
        for section, (ready, form_button) in opened.items():
            page.get_by_test_id(f"admin-nav-{section}").click()
            expect(page.get_by_test_id(ready)).to_be_visible()
            problems[f"{section} {language}"] = _serious_violations(page)
            if form_button:  # the section's form, open
                page.get_by_test_id(form_button).click()
                problems[f"{section} form {language}"] = _serious_violations(page)
            _screenshot(page, f"admin-{section}-{language}", full_page=True)
        # the tablet: the sub-navigation and the forms stay usable at 768 px
        page.set_viewport_size({"width": 768, "height": 1024})
        page.get_by_test_id("admin-nav-rules").click()
        expect(page.get_by_test_id("rule-new")).to_be_in_viewport()
        problems[f"rules tablet {language}"] = _serious_violations(page)
        page.set_viewport_size({"width": 1400, "height": 900})
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, "\n".join(f"{screen}: {item}" for screen, found in failing.items() for item in found)
