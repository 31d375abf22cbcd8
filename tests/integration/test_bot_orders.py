"""Order lookup through the real handlers: the bot answers "where is my order" from the demo order system
(local/orders.py, a real HTTP server on loopback) in the customer's language, hands over when the system is
down, and agents read the customer's orders on the customer panel's route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from kefu.config import Env, get_settings
from kefu.orders import connector
from local.demo.orders import demo_orders
from local.orders import DemoOrderService
from tests.integration.conftest import Cloud
from tests.integration.test_bot import bot_cloud, conversation, events_of, ticket_view, turn  # noqa: F401
from tests.integration.test_bot_night import night, without_night_duty
from tests.integration.test_chat_flow import agent, call, webhooks
from tests.integration.test_knowledge import kb, search_server  # noqa: F401 - fixtures
from tests.support.aws_events import agent_claims, api_event

TOKEN = "integration-orders-token"


@pytest.fixture
def orders(bot_cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoOrderService]:  # noqa: F811
    service = DemoOrderService(demo_orders(), TOKEN).start()
    secret = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="kefu/orders/credentials", SecretString=f'{{"token": "{TOKEN}"}}'
    )
    monkeypatch.setenv(Env.ORDERS_ENDPOINT, service.url)
    monkeypatch.setenv(Env.ORDERS_SECRET_ARN, secret["ARN"])
    get_settings.cache_clear()
    connector.reset()
    yield service
    service.close()
    connector.reset()


def start_chat(email: str | None = None, name: str = "Li Lei") -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, **({"email": email} if email else {})}
    status, answer = call(
        webhooks,
        api_event(
            "POST", "/chat/web/sessions", resource="/chat/{inbox}/sessions", body=body, path_params={"inbox": "web"}
        ),
    )
    assert status == 201, answer
    return answer


def test_where_is_my_order_in_chinese_lists_the_customers_orders(bot_cloud: Cloud, orders: DemoOrderService) -> None:  # noqa: F811
    session = start_chat("li.lei@example.com")
    turn(bot_cloud, session["session_token"], "我的订单到哪了？")
    author, said = conversation(session["session_token"])[-1]
    assert author == "bot"
    assert "KF10001" in said and "运输中" in said and "顺丰速运" in said and "SF1234567890123" in said
    assert "KF10002" in said and "已签收" in said
    assert "世纪大道" not in said and "李雷" not in said  # no personal data in the chat
    ticket = ticket_view(session["ticket_id"])
    (answered,) = events_of(ticket, "bot_answered")
    assert answered["data"]["orders"] == ["KF10001", "KF10002"] and ticket["bot_active"] is True


def test_an_order_number_in_english(bot_cloud: Cloud, orders: DemoOrderService) -> None:  # noqa: F811
    session = start_chat("emma.chen@example.com", name="Emma")
    turn(bot_cloud, session["session_token"], "Hi, where is my order KF20001?")
    said = conversation(session["session_token"])[-1][1]
    assert "KF20001" in said and "out for delivery" in said and "UPS" in said
    assert "KF20002" not in said  # only the order asked about


def test_somebody_elses_order_number_tells_nothing(bot_cloud: Cloud, orders: DemoOrderService) -> None:  # noqa: F811
    session = start_chat("li.lei@example.com")
    turn(bot_cloud, session["session_token"], "Where is my order KF20001?")
    said = conversation(session["session_token"])[-1][1]
    assert "could not find order KF20001" in said and "UPS" not in said and "delivery" not in said.lower()


def test_no_orders_asks_for_the_number_and_takes_it_next(bot_cloud: Cloud, orders: DemoOrderService) -> None:  # noqa: F811
    session = start_chat()  # no email, no phone: nothing to look up by
    token = session["session_token"]
    turn(bot_cloud, token, "我的包裹什么时候到")
    assert "请告诉我订单号" in conversation(token)[-1][1]
    before = orders.requests
    turn(bot_cloud, token, "KF10003")  # the number alone, as an answer
    assert orders.requests == before + 1  # looked up (and not this customer's, so not shown)
    assert "没有在您的账户下找到订单 KF10003" in conversation(token)[-1][1]


def test_the_order_system_down_hands_over_honestly(bot_cloud: Cloud, orders: DemoOrderService) -> None:  # noqa: F811
    orders.close()
    session = start_chat("li.lei@example.com")
    turn(bot_cloud, session["session_token"], "我的订单到哪了")
    said = conversation(session["session_token"])[-1][1]
    assert "订单系统暂时无法查询" in said and "转接人工客服" in said
    ticket = ticket_view(session["ticket_id"])
    (handoff,) = events_of(ticket, "handoff")
    assert handoff["data"]["reason"] == "orders_unavailable" and ticket["bot_active"] is False
    team = ticket["team"] or "general"
    assert session["ticket_id"] in [e.ticket_id for e in bot_cloud.store.routing.queue_head(team, "chat", 10)]


def test_the_order_system_down_at_night_says_one_thing(bot_cloud: Cloud, orders: DemoOrderService) -> None:  # noqa: F811
    """Outside the team's hours the handoff promises no person now: night duty's notice is the one message."""
    from kefu.knowledge.bot import BotMode
    from kefu.routing.rules import written

    opening = night(bot_cloud, BotMode.NIGHT)
    orders.close()
    session = start_chat("li.lei@example.com")
    turn(bot_cloud, session["session_token"], "我的订单到哪了")
    said = conversation(session["session_token"])
    assert [author for author, _ in said] == ["customer", "system"]
    assert said[-1][1].startswith("您好，现在是非工作时间") and written(opening, "UTC", "zh-CN") in said[-1][1]
    (handoff,) = events_of(ticket_view(session["ticket_id"]), "handoff")
    assert handoff["data"]["reason"] == "orders_unavailable" and handoff["data"]["after_hours"] == "rule_reply"


def test_the_order_system_down_at_night_without_night_duty_the_bot_says_when_the_team_is_back(
    bot_cloud: Cloud,  # noqa: F811
    orders: DemoOrderService,
) -> None:
    from kefu.knowledge.bot import BotMode
    from kefu.orders import intent
    from kefu.routing.rules import written

    opening = night(bot_cloud, BotMode.NIGHT)
    without_night_duty(bot_cloud)
    orders.close()
    for text, locale in (("我的订单到哪了", "zh-CN"), ("Where is my order?", "en")):
        session = start_chat("li.lei@example.com")
        turn(bot_cloud, session["session_token"], text)
        said = conversation(session["session_token"])
        assert [author for author, _ in said] == ["customer", "bot"]
        assert said[-1][1] == intent.unavailable(locale, written(opening, "UTC", locale))
        assert "订单系统暂时无法查询" in said[-1][1] or "order system is unavailable" in said[-1][1]
        (handoff,) = events_of(ticket_view(session["ticket_id"]), "handoff")
        assert handoff["data"]["after_hours"] == "bot_notice"


def test_without_an_order_system_the_knowledge_base_answers(bot_cloud: Cloud) -> None:  # noqa: F811
    session = start_chat("li.lei@example.com")
    turn(bot_cloud, session["session_token"], "我的快递到哪了")
    ticket = ticket_view(session["ticket_id"])
    (answered,) = events_of(ticket, "bot_answered")
    assert answered["data"].get("article_id") and "orders" not in answered["data"]


def customer_of(cloud: Cloud, session: dict[str, Any]) -> str:
    """The chat's customer (made with its first message)."""
    turn(cloud, session["session_token"], "发票怎么开")
    return str(ticket_view(session["ticket_id"])["customer_id"])


def test_agents_read_the_customers_orders_with_contacts_masked(bot_cloud: Cloud, orders: DemoOrderService) -> None:  # noqa: F811
    customer_id = customer_of(bot_cloud, start_chat("li.lei@example.com"))
    status, body = agent("GET", f"/api/v1/customers/{customer_id}/orders")
    assert status == 200, body
    assert body["status"] == "ok" and [o["order_number"] for o in body["items"]] == ["KF10001", "KF10002"]
    first = body["items"][0]
    assert first["customer"]["email"] == "l***@example.com" and first["shipping_address"] is None
    assert first["total"] == {"amount": "299.00", "currency": "CNY"}
    status, body = agent(
        "GET",
        f"/api/v1/customers/{customer_id}/orders",
        query={"limit": "1"},
        claims=agent_claims(groups="[supervisor]"),
    )
    assert status == 200 and len(body["items"]) == 1
    assert body["items"][0]["customer"]["email"] == "l***@example.com"  # supervisors too: no reveal here
    assert "世纪大道" not in json.dumps(body, ensure_ascii=False)


def test_the_route_says_unavailable_not_configured_and_404(
    bot_cloud: Cloud,  # noqa: F811
    orders: DemoOrderService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer_id = customer_of(bot_cloud, start_chat("li.lei@example.com"))
    status, body = agent("GET", "/api/v1/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/orders")
    assert status == 404, body
    status, body = agent("GET", f"/api/v1/customers/{customer_id}/orders", query={"limit": "0"})
    assert status == 400, body
    orders.close()
    status, body = agent("GET", f"/api/v1/customers/{customer_id}/orders")
    assert status == 200 and body == {
        "status": "unavailable",
        "message": "the order system is unavailable right now",
        "items": [],
        "next_cursor": None,
    }
    monkeypatch.delenv(Env.ORDERS_ENDPOINT)
    get_settings.cache_clear()
    status, body = agent("GET", f"/api/v1/customers/{customer_id}/orders")
    assert status == 200 and body["status"] == "not_configured" and body["items"] == []


def test_the_route_is_in_the_openapi_document(bot_cloud: Cloud) -> None:  # noqa: F811
    status, schema = agent("GET", "/api/v1/openapi.json")
    assert status == 200
    operation = schema["paths"]["/api/v1/customers/{customer_id}/orders"]["get"]
    assert "OrderListOut" in str(operation["responses"]["200"])
