"""One trace through the deployed shape, on the local cloud: a web-chat message, a signed Telegram delivery and
an agent's reply each carry one correlation id through every function that handles them, read back from each
function's own log file (``<state dir>/logs/<function>.log``); no line shows the seeded phone number or email."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.providers import FakeProvider, TelegramSigner
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

PASSWORD = "Kefu-demo-1"


@pytest.fixture
def http(local_cloud: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_cloud.url, timeout=20.0) as client:
        yield client


def log_records(state_dir: Path) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(function log file, raw line, parsed JSON or None) for every line every function wrote."""
    found: list[tuple[str, str, dict[str, Any] | None]] = []
    for path in sorted((state_dir / "logs").glob("*.log")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                parsed = json.loads(line)
            except ValueError:
                parsed = None
            found.append((path.stem, line, parsed if isinstance(parsed, dict) else None))
    return found


def services_for(records: list[tuple[str, str, dict[str, Any] | None]], correlation_id: str) -> dict[str, set[str]]:
    """use_case -> the services (functions) whose decision lines carry ``correlation_id``."""
    out: dict[str, set[str]] = {}
    for _, _, record in records:
        if record and record.get("correlation_id") == correlation_id and "use_case" in record:
            out.setdefault(str(record["use_case"]), set()).add(str(record.get("service")))
    return out


def test_one_correlation_id_per_request_in_every_functions_log_and_nothing_personal(
    local_cloud: Any, http: httpx.Client
) -> None:
    logs_dir = Path(local_cloud.state_dir) / "logs"
    if not logs_dir.is_dir():
        pytest.skip(f"this local cloud keeps no per-function logs at {logs_dir}")
    run = uuid.uuid4().hex[:8]
    phone = "+86139" + "".join(random.choice("0123456789") for _ in range(8))
    email = f"li.lei.{run}@example.com"
    admin = {"Authorization": f"Bearer {local_cloud.login('admin@example.com', PASSWORD)}"}
    agent = {"Authorization": f"Bearer {local_cloud.login('agent1@example.com', PASSWORD)}"}
    chat_id, telegram_id, reply_id = f"e2e-chat-{run}", f"e2e-telegram-{run}", f"e2e-reply-{run}"

    # a web-chat customer who gave their phone and email
    started = http.post(
        "/chat/web/sessions",
        json={"name": "Li Lei", "email": email, "phone": phone},
        headers={"X-Correlation-Id": chat_id},
    )
    assert started.status_code == 201, started.text
    token = started.json()["session_token"]
    said = http.post(
        "/chat/web/messages",
        json={"text": f"call me on {phone} or write to {email}", "client_message_id": f"m-{run}"},
        headers={"Authorization": f"Bearer {token}", "X-Correlation-Id": chat_id},
    )
    assert said.status_code == 202, said.text
    assert said.headers.get("x-correlation-id") == chat_id  # what the widget can show the customer to quote

    with FakeProvider() as provider:
        telegram = TelegramSigner(f"tg-trace-{run}", secret_token=f"tg-secret-{run}")
        bot_token = f"123456:{run}"
        created = http.post(
            "/api/v1/admin/inboxes",
            headers=admin,
            json={
                "id": telegram.inbox,
                "channel": "telegram",
                "name": "Telegram (trace)",
                "credentials": {"secret_token": telegram.secret_token, "bot_token": bot_token},
                "api_base": provider.url,
            },
        )
        assert created.status_code == 201, created.text
        delivery = telegram.text(int("7" + str(random.randint(10**7, 10**8 - 1))), f"hello from telegram {run}")
        answered = http.request(
            delivery.method,
            delivery.url_path,
            headers={**delivery.headers, "X-Correlation-Id": telegram_id},
            content=delivery.body,
        )
        assert answered.status_code == 200, answered.text

        def telegram_ticket() -> str | None:
            page = http.get("/api/v1/tickets", headers=agent, params={"q": f"hello from telegram {run}"})
            items = page.json()["items"] if page.status_code == 200 else []
            return str(items[0]["id"]) if items else None

        ticket_id = eventually(telegram_ticket, "the Telegram ticket")
        replied = http.post(
            f"/api/v1/tickets/{ticket_id}/messages",
            headers={**agent, "X-Correlation-Id": reply_id},
            json={"body": f"answer {run}"},
        )
        assert replied.status_code == 201, replied.text
        eventually(lambda: provider.received(r"/sendMessage$") or None, "the reply at Telegram")

    expected = {
        chat_id: {"chat_session": {"kefu-webhooks"}, "chat_message": {"kefu-webhooks"}, "ingest": {"kefu-ingest"}},
        telegram_id: {"webhook": {"kefu-webhooks"}, "ingest": {"kefu-ingest"}, "stream": {"kefu-stream"}},
        reply_id: {"reply": {"kefu-agent-api"}, "stream": {"kefu-stream"}, "outbound": {"kefu-outbound"}},
    }

    def traced() -> list[tuple[str, str, dict[str, Any] | None]] | None:
        records = log_records(Path(local_cloud.state_dir))
        complete = all(
            all(services_for(records, cid).get(use_case) == want for use_case, want in uses.items())
            for cid, uses in expected.items()
        )
        return records if complete else None

    records = eventually(traced, "every function's decision lines for the three correlation ids")
    files = {name for name, _, record in records if record and record.get("correlation_id") in expected}
    assert len(files) >= 5, f"one log file per function: {sorted(files)}"
    # the web-chat message also reached the stream, which had nothing to do for it
    assert services_for(records, chat_id).get("stream") == {"kefu-stream"}
    for name, line, _ in records:
        assert phone not in line and phone[1:] not in line, f"{name}: {line}"
        assert email not in line, f"{name}: {line}"
