"""Finding a customer by phone number, email or channel id, on moto: the service (exact keys, merges followed,
each customer once, masked) and GET /api/v1/customers through the agent API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_api.handler import lambda_handler as agent_api
from kefu.errors import InvalidInput
from kefu.inbound import Sender
from kefu.services import customers as customers_service
from kefu.services.ingest import ingest_message
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import call
from tests.integration.test_customers import (
    ADMIN,
    AGENT,
    NUMBER,
    SUPERVISOR,
    api,
    inbound,
    owner,
    web_chat,
    whatsapp_message,
)
from tests.support.aws_events import agent_claims, api_event

MASKED = "+86138****5678"
CALLER = agent_claims()


def lookup(cloud: Cloud, **asked: str) -> list[str]:
    from kefu.auth import caller_from_claims

    key = customers_service.lookup_key(**asked)
    return [c.id for c in customers_service.find_customers(cloud.store, caller_from_claims(CALLER), key)]


def find(query: dict[str, str], claims: dict[str, str] | None = None) -> tuple[int, Any]:
    event = api_event("GET", "/api/v1/customers", resource="/api/v1/{proxy+}", query=query, claims=claims or SUPERVISOR)
    return call(agent_api, event)


def test_a_phone_finds_who_proved_it_then_who_typed_it_in_any_spelling(cloud: Cloud) -> None:
    wa = whatsapp_message("8613812345678", "where is my parcel", "wamid.l1")
    visitor = web_chat(cloud, "it's me", phone="138 1234 5678")
    ingest_message(cloud.store, wa)
    ingest_message(cloud.store, visitor)
    proved, typed = owner(cloud.store, wa), owner(cloud.store, visitor)
    assert proved != typed

    for spelling in ("+86 138-1234-5678", "13812345678", "0086 138 1234 5678"):
        assert lookup(cloud, phone=spelling) == [proved, typed]
    assert lookup(cloud, phone="+86 139 0000 0000") == []  # a valid number nobody has


def test_an_email_finds_the_sender_and_the_typists_case_and_spaces_aside(cloud: Cloud) -> None:
    mail = inbound(
        "email", "support", Sender(channel="email", external_id="kerry@example.com", email="kerry@example.com"), "m1"
    )
    ingest_message(cloud.store, mail)
    typed = web_chat(cloud, "hi", email="Kerry@Example.com")
    ingest_message(cloud.store, typed)
    assert lookup(cloud, email="  KERRY@example.COM ") == [owner(cloud.store, mail), owner(cloud.store, typed)]
    assert lookup(cloud, email="somebody@example.com") == []


def test_a_channel_id_finds_its_holder(cloud: Cloud) -> None:
    line = inbound("line", "line", Sender(channel="line", external_id="U1234"), "l1")
    ingest_message(cloud.store, line)
    assert lookup(cloud, channel="line", external_id="U1234") == [owner(cloud.store, line)]
    assert lookup(cloud, channel="line", external_id="u1234") == []  # exact
    assert lookup(cloud, channel="telegram", external_id="U1234") == []


def test_a_merged_customer_answers_as_the_one_it_went_into_once(cloud: Cloud) -> None:
    wa = whatsapp_message("8613812345678", "from whatsapp", "wamid.l2")
    visitor = web_chat(cloud, "from the web", phone="13812345678")
    ingest_message(cloud.store, wa)
    ingest_message(cloud.store, visitor)
    target, source = owner(cloud.store, wa), owner(cloud.store, visitor)
    status, merged = api(
        "POST", "/api/v1/admin/customers/merge", {"source_id": source, "target_id": target, "reason": "same person"}
    )
    assert status == 200, merged
    # the typed number's contact item still names the source: it resolves to the target, listed once
    assert cloud.store.customers.with_contact("phone", NUMBER) == [source]
    assert lookup(cloud, phone=NUMBER) == [target]
    web_id = visitor.sender.external_id
    assert lookup(cloud, channel="web", external_id=web_id) == [target]  # the moved identity

    status, _ = api("POST", "/api/v1/admin/customers/unmerge", {"merge_id": merged["merge_id"]})
    assert status == 200
    assert lookup(cloud, phone=NUMBER) == [target, source]


def test_the_service_refuses_bad_input_before_reading(cloud: Cloud) -> None:
    with pytest.raises(InvalidInput):
        customers_service.lookup_key(phone="not a number")


# ---------------------------------------------------------------- the agent API


def test_the_api_answers_the_masked_summary_for_every_role(cloud: Cloud) -> None:
    wa = whatsapp_message("8613812345678", "hello", "wamid.l3")
    ingest_message(cloud.store, wa)
    proved = owner(cloud.store, wa)
    for claims in (AGENT, SUPERVISOR, ADMIN):
        status, body = find({"phone": "+86 138 1234 5678"}, claims)
        assert status == 200, body
        assert body["next_cursor"] is None
        [item] = body["items"]
        assert item["id"] == proved and item["name"] == "Kerry" and item["phone"] == MASKED
        assert sorted((i["channel"], i["external_id"]) for i in item["identities"]) == [
            ("phone", MASKED),
            ("whatsapp", MASKED),
        ]
        assert NUMBER not in json.dumps(body)
    assert find({"channel": "whatsapp", "external_id": NUMBER})[1] == find({"phone": NUMBER})[1]
    assert find({"email": "nobody@example.com"}) == (200, {"items": [], "next_cursor": None})


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({}, "give exactly one of phone, email, or channel with external_id"),
        ({"phone": NUMBER, "email": "a@b.example"}, "not phone and email together"),
        ({"phone": "12345"}, "phone is not a phone number"),
        ({"email": "nobody"}, "email is not an email address"),
        ({"external_id": "U1"}, "external_id goes with channel"),
        ({"channel": "line"}, "channel goes with external_id"),
        ({"channel": "pigeon", "external_id": "1"}, "unknown channel 'pigeon'"),
        ({"channel": "Not A Channel", "external_id": "1"}, "channel"),
        ({"phone": "1" * 65}, "phone"),
    ],
)
def test_the_api_refuses_bad_input_with_a_400_naming_what_is_expected(
    cloud: Cloud, query: dict[str, str], says: str
) -> None:
    status, body = find(query)
    assert status == 400, body
    assert says in body["message"]


def test_the_lookup_is_in_the_schema(cloud: Cloud) -> None:
    status, schema = api("GET", "/api/v1/openapi.json")
    assert status == 200
    operation = schema["paths"]["/api/v1/customers"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"phone", "email", "channel", "external_id"}
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/CustomerListOut")
    listed = schema["components"]["schemas"]["CustomerListOut"]["properties"]["items"]["items"]
    assert listed["$ref"].endswith("/CustomerSummary")


# ---------------------------------------------------------------- the audit trail


def lookups_in_trail(cloud: Cloud, since: str) -> list[Any]:
    from kefu.clock import now_iso

    months = sorted({since[:7], now_iso()[:7]})  # a lookup at a month's turn is in the next month's partition
    return [e for m in months for e in cloud.store.audit.trail(m) if e.action == "customer.looked_up"]


def test_every_answered_lookup_is_audited_with_the_value_masked(cloud: Cloud) -> None:
    from kefu.clock import now_iso

    since = now_iso()
    wa = whatsapp_message("8613812345678", "hello", "wamid.l4")
    ingest_message(cloud.store, wa)
    line = inbound("line", "line", Sender(channel="line", external_id="U4af4980629"), "l4")
    ingest_message(cloud.store, line)
    proved, holder = owner(cloud.store, wa), owner(cloud.store, line)

    asked = [
        ({"phone": "+86 138 1234 5678"}, AGENT),
        ({"email": "Kerry.Wong@Example.com"}, SUPERVISOR),
        ({"channel": "line", "external_id": "U4af4980629"}, ADMIN),
    ]
    answers = []
    for query, claims in asked:
        status, body = find(query, claims)
        assert status == 200, body
        assert set(body) == {"items", "next_cursor"}  # the answer's shape is the contract's, audit or not
        answers.append([item["id"] for item in body["items"]])
    assert answers == [[proved], [], [holder]]

    trail = lookups_in_trail(cloud, since)
    assert [(e.actor_id, e.actor_email, e.target) for e in trail] == [
        ("agent-1", "agent1@example.com", "customer_lookup:phone"),
        ("sup-1", "supervisor@example.com", "customer_lookup:email"),
        ("adm-1", "admin@example.com", "customer_lookup:channel"),
    ]
    phone, email, channel = (e.details for e in trail)
    assert (phone["key"], phone["value"], phone["results"], phone["customer_ids"]) == ("phone", MASKED, 1, [proved])
    assert (email["key"], email["value"], email["results"], email["customer_ids"]) == (
        "email",
        "k***@example.com",
        0,
        [],
    )
    assert (channel["key"], channel["channel"], channel["value"], channel["customer_ids"]) == (
        "channel",
        "line",
        "U4a***29",
        [holder],
    )
    assert all(e.details["request_id"] for e in trail)
    # never the number, the address or the id whole, in any spelling
    written = json.dumps([e.model_dump(mode="json") for e in trail]).lower()
    for whole in ("8613812345678", "138 1234 5678", "kerry.wong", "u4af4980629"):
        assert whole not in written


def test_a_refused_lookup_writes_no_audit_entry(cloud: Cloud) -> None:
    from kefu.clock import now_iso

    since = now_iso()
    for query in ({}, {"phone": "12345"}, {"phone": NUMBER, "email": "a@b.example"}, {"channel": "pigeon"}):
        assert find(query, AGENT)[0] == 400
    assert lookups_in_trail(cloud, since) == []


ANY_TEXT = st.one_of(st.none(), st.text(max_size=80), st.sampled_from(["", " ", "+", "@", "line", "email", "phone"]))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phone=ANY_TEXT, email=ANY_TEXT, channel=ANY_TEXT, external_id=ANY_TEXT)
def test_any_query_is_an_answer_or_a_400_never_a_server_error(
    cloud: Cloud, phone: str | None, email: str | None, channel: str | None, external_id: str | None
) -> None:
    asked = {"phone": phone, "email": email, "channel": channel, "external_id": external_id}
    status, body = find({k: v for k, v in asked.items() if v is not None})
    assert status in (200, 400), body
    assert (status == 200) == ("items" in body)
