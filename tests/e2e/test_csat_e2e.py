"""The satisfaction survey on the local cloud (every function in its own worker, IAM enforced as the stack
grants it): a Telegram ticket is resolved, the stream stores the survey and its message, the outbound function
sends the link to Telegram (a fake provider here), the page renders, the answer is stored once (second: 409),
the live figures move, and the dissatisfied answer is followed up (tag, supervisors' notification)."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.seed import DEMO_PASSWORD
from tests.support.providers import FakeProvider, TelegramSigner
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

LINK = re.compile(r"/csat/([A-Za-z0-9_-]{32})")


@pytest.fixture
def http(local_cloud: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_cloud.url, timeout=30.0) as client:
        yield client


def surveyed_ticket(local_cloud: Any, http: httpx.Client, admin: dict[str, str], run: str) -> tuple[str, str, str]:
    """A Telegram ticket written by a customer, resolved by an admin; its id, the survey's token (read from the
    message the outbound function sent to the fake Telegram API) and that message's text."""
    with FakeProvider() as provider:
        telegram = TelegramSigner(f"tg-csat-{run}", secret_token=f"tg-secret-{run}")
        created = http.post(
            "/api/v1/admin/inboxes",
            headers=admin,
            json={
                "id": telegram.inbox,
                "channel": "telegram",
                "name": "Telegram (survey)",
                "credentials": {"secret_token": telegram.secret_token, "bot_token": f"123456:{run}"},
                "api_base": provider.url,
            },
        )
        assert created.status_code == 201, created.text
        chat = int("7" + str(random.randint(10**7, 10**8 - 1)))
        delivery = telegram.text(chat, f"my parcel {run} has not arrived")
        answered = http.request(delivery.method, delivery.url_path, headers=delivery.headers, content=delivery.body)
        assert answered.status_code == 200, answered.text

        def ticket() -> str | None:
            page = http.get("/api/v1/tickets", headers=admin, params={"q": f"my parcel {run}"})
            items = page.json()["items"] if page.status_code == 200 else []
            return str(items[0]["id"]) if items else None

        ticket_id = eventually(ticket, "the Telegram ticket")
        resolved = http.patch(f"/api/v1/tickets/{ticket_id}", headers=admin, json={"status": "resolved"})
        assert resolved.status_code == 200, resolved.text

        def survey_sent() -> tuple[str, str] | None:
            for request in provider.received(r"/sendMessage$"):
                sent = json.loads(request.body)
                found = LINK.search(sent.get("text", ""))
                if found and str(sent.get("chat_id")) == str(chat):
                    return found.group(1), str(sent["text"])
            return None

        token, text = eventually(survey_sent, "the survey's link at Telegram")
    return ticket_id, token, text


def test_a_resolved_telegram_ticket_is_surveyed_answered_once_and_followed_up(
    local_cloud: Any, http: httpx.Client
) -> None:
    run = uuid.uuid4().hex[:8]
    admin = {"Authorization": f"Bearer {local_cloud.login('admin@example.com', DEMO_PASSWORD)}"}
    supervisor = {"Authorization": f"Bearer {local_cloud.login('supervisor@example.com', DEMO_PASSWORD)}"}
    before = http.get("/api/v1/metrics/live", headers=admin).json()["csat"]
    ticket_id, token, sent_text = surveyed_ticket(local_cloud, http, admin, run)
    # the customer wrote English, but their Telegram client says zh-hans: the profile's locale wins, as for the
    # auto-replies
    assert "您对本次服务满意吗" in sent_text, sent_text
    # the link as sent opens on this cloud's gateway (the stack's stage URL is moved there, local/cloud.py)
    assert f"{local_cloud.url.rstrip('/')}/csat/{token}" in sent_text, sent_text

    page = http.get(f"/csat/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.count('type="radio" name="rating"') == 4
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert http.get(f"/csat/{'z' * 32}").status_code == 404
    assert http.post(f"/csat/{'z' * 32}", json={"rating": "neutral"}).status_code == 404

    refused = http.post(f"/csat/{token}", json={"rating": "5"})
    assert refused.status_code == 400 and "rating" in refused.json()["message"]
    stored = http.post(f"/csat/{token}", json={"rating": "dissatisfied", "comment": f"too slow {run}"})
    assert stored.status_code == 200, stored.text
    assert stored.json() == {"ticket_id": ticket_id, "rating": "dissatisfied", "score": 1, "follow_up": True}
    again = http.post(f"/csat/{token}", json={"rating": "very_satisfied"})
    assert again.status_code == 409 and "rated already" in again.json()["message"]

    after = http.get("/api/v1/metrics/live", headers=admin).json()["csat"]
    assert after["ratings"] >= before["ratings"] + 1 and after["rated_1"] >= before["rated_1"] + 1

    def followed_up() -> dict[str, Any] | None:
        found = http.get(f"/api/v1/tickets/{ticket_id}", headers=admin)
        body = found.json() if found.status_code == 200 else {}
        ticket_body = body.get("ticket", body)
        return body if "csat_followup" in (ticket_body.get("tags") or []) else None

    eventually(followed_up, "the follow-up's tag on the ticket")

    def notified() -> bool:
        answer = http.get("/api/v1/notifications", headers=supervisor)
        items = answer.json().get("items", []) if answer.status_code == 200 else []
        return any(n.get("kind") == "csat_followup" and n.get("ticket_id") == ticket_id for n in items)

    eventually(lambda: notified() or None, "the supervisors' notification")
