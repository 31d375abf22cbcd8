"""Order lookup on the local cloud, over HTTP only: the template configures an order system (the local cloud's
context, local/cdk-context.json), the local cloud stands the demo order system in for it, the bot function
(its own role reading the template's secret) answers "where is my order" from it, agents read the customer's
orders, and an outage of the order system gets the honest "unavailable" answer and a person."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import TEMPLATE, LocalCloudProcess, synthesize_once
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
PASSWORD = "Kefu-demo-1"


@pytest.fixture(scope="module")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudProcess]:
    synthesize_once()
    assert "KEFU_ORDERS_ENDPOINT" in TEMPLATE.read_text(), "cdk.out was synthesized without local/cdk-context.json"
    base = tmp_path_factory.mktemp("orders-cloud")
    cloud = LocalCloudProcess(base / "state", base / "local-cloud.log")
    try:
        cloud.start(reset=True)
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture
def http(local_cloud: LocalCloudProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_cloud.url, timeout=15.0) as client:
        yield client


def chat(http: httpx.Client, email: str) -> tuple[str, dict[str, str]]:
    resp = http.post("/chat/assistant/sessions", json={"name": "Demo", "email": email})
    assert resp.status_code == 201, resp.text
    return resp.json()["ticket_id"], {"Authorization": f"Bearer {resp.json()['session_token']}"}


def bot_lines(http: httpx.Client, headers: dict[str, str]) -> list[str]:
    items = http.get("/chat/assistant/messages", headers=headers).json()["items"]
    return [m["body"] for m in items if m["author_type"] == "bot"]


def outage(cloud: LocalCloudProcess, down: bool) -> None:
    """The demo order system's outage switch (local/orders.py), with the token of the template's secret."""
    secrets = cloud.client("secretsmanager")
    arn = next(s["ARN"] for s in secrets.list_secrets()["SecretList"] if "OrdersToken" in s["Name"])
    token = secrets.get_secret_value(SecretId=arn)["SecretString"]
    token = json.loads(token).get("token", token) if token.startswith("{") else token
    resp = httpx.post(
        f"http://127.0.0.1:{cloud.orders_port}/_demo/outage",
        json={"down": down},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert resp.status_code == 200, resp.text


def test_the_bot_answers_where_an_order_is_from_the_order_system(
    local_cloud: LocalCloudProcess, http: httpx.Client
) -> None:
    _, headers = chat(http, "li.lei@example.com")
    assert http.post("/chat/assistant/messages", json={"text": "我的订单到哪了？"}, headers=headers).status_code == 202
    (answer,) = eventually(functools.partial(bot_lines, http, headers), "the bot answers")
    assert "KF10001" in answer and "运输中" in answer and "顺丰速运" in answer and "世纪大道" not in answer

    _, headers = chat(http, "emma.chen@example.com")
    http.post("/chat/assistant/messages", json={"text": "Where is my order KF20001?"}, headers=headers)
    (answer,) = eventually(functools.partial(bot_lines, http, headers), "the bot answers in English")
    assert "KF20001" in answer and "out for delivery" in answer


def test_agents_see_the_customers_orders(local_cloud: LocalCloudProcess, http: httpx.Client) -> None:
    ticket_id, headers = chat(http, "han.meimei@example.com")
    http.post("/chat/assistant/messages", json={"text": "发票怎么开"}, headers=headers)
    eventually(functools.partial(bot_lines, http, headers), "the bot answers")
    agent = {"Authorization": f"Bearer {local_cloud.login('agent1@example.com', PASSWORD)}"}
    customer_id = http.get(f"/api/v1/tickets/{ticket_id}", headers=agent).json()["customer_id"]
    resp = http.get(f"/api/v1/customers/{customer_id}/orders", headers=agent)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "ok" and [o["order_number"] for o in body["items"]] == ["KF10003", "KF10004"]
    assert body["items"][0]["customer"]["email"] == "h***@example.com"
    schema = http.get("/api/v1/openapi.json", headers=agent).json()
    assert "/api/v1/customers/{customer_id}/orders" in schema["paths"]


def test_an_outage_gets_the_honest_answer_and_a_person(local_cloud: LocalCloudProcess, http: httpx.Client) -> None:
    outage(local_cloud, down=True)
    try:
        ticket_id, headers = chat(http, "li.lei@example.com")
        http.post("/chat/assistant/messages", json={"text": "Where is my package?"}, headers=headers)
        (answer,) = eventually(functools.partial(bot_lines, http, headers), "the bot answers")
        assert "order system is unavailable" in answer and "connecting you with a person" in answer
        agent = {"Authorization": f"Bearer {local_cloud.login('supervisor@example.com', PASSWORD)}"}
        ticket = http.get(f"/api/v1/tickets/{ticket_id}", headers=agent).json()
        assert [e["data"]["reason"] for e in ticket["events"] if e["type"] == "handoff"] == ["orders_unavailable"]
        assert ticket["bot_active"] is False
        customer = http.get(f"/api/v1/customers/{ticket['customer_id']}/orders", headers=agent).json()
        assert customer["status"] == "unavailable" and customer["items"] == []
    finally:
        outage(local_cloud, down=False)
