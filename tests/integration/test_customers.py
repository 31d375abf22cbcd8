"""One customer across channels, on moto: identity resolution in ingest, suggestions, merge and unmerge."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from agent_api.handler import lambda_handler as agent_api
from kefu.channels.base import InboxConfig, WebhookRequest, adapter_for
from kefu.clock import now_iso
from kefu.inbound import InboundMessage, Sender
from kefu.models import Customer, Identity
from kefu.services import chat
from kefu.services import customers as customers_service
from kefu.services.ingest import ingest_message
from kefu.store import Read, Store
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import call
from tests.support.aws_events import FakeContext, agent_claims, api_event

SUPERVISOR = agent_claims(sub="sup-1", groups="supervisor,agent", email="supervisor@example.com")
ADMIN = agent_claims(sub="adm-1", groups="admin", email="admin@example.com")
AGENT = agent_claims()
NUMBER = "+8613812345678"


# a customer id as the store makes them (ULID); the API refuses anything else
BIG = "01ARZ3NDEKTSV4RRFFQ69G5B16"


def api(method: str, path: str, body: Any = None, claims: dict[str, str] | None = None) -> tuple[int, Any]:
    event = api_event(method, path, resource="/api/v1/{proxy+}", body=body, claims=claims or SUPERVISOR)
    return call(agent_api, event)


def whatsapp_message(wa_id: str, text: str, wamid: str) -> InboundMessage:
    """Through the real adapter, from the Cloud API's webhook shape."""
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "15550001111", "phone_number_id": "123"},
                            "contacts": [{"profile": {"name": "Kerry"}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": wamid,
                                    "timestamp": "1700000000",
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    request = WebhookRequest(
        "POST", "https://x/webhooks/whatsapp/wa", "/webhooks/whatsapp/wa", {}, {}, json.dumps(payload).encode()
    )
    inbox = InboxConfig(id="wa", channel="whatsapp", credentials={"phone_number_id": "123"})
    [message] = adapter_for("whatsapp").parse(request, inbox)
    return message


def twilio_sms(from_number: str, text: str, sid: str) -> InboundMessage:
    params = {"MessageSid": sid, "From": from_number, "To": "+15005550006", "Body": text, "NumMedia": "0"}
    body = urllib.parse.urlencode(params).encode()
    headers = {"content-type": "application/x-www-form-urlencoded"}
    request = WebhookRequest(
        "POST", "https://x/webhooks/twilio/sms-in/sms", "/webhooks/twilio/sms-in/sms", headers, {}, body
    )
    [message] = adapter_for("twilio").parse(request, InboxConfig(id="sms-in", channel="twilio"))
    return message


def inbound(channel: str, inbox: str, sender: Sender, provider_id: str, text: str = "hi") -> InboundMessage:
    return InboundMessage(
        channel=channel,
        inbox=inbox,
        provider_message_id=provider_id,
        conversation_key=f"{channel}:{inbox}:{sender.external_id}",
        sender=sender,
        text=text,
        received_at=now_iso(),
    )


def web_chat(cloud: Cloud, text: str, **contact: str) -> InboundMessage:
    started = chat.start_session(cloud.store, "web", name="Visitor", **contact)
    session = chat.authenticate(cloud.store, "web", f"Bearer {started.session_token}")
    return chat.customer_message(session, text, None)


def owner(store: Store, message: InboundMessage) -> str:
    ticket_id = store.tickets.current_ticket_id(message.conversation_key)
    assert ticket_id
    return store.tickets.get(ticket_id).customer_id


def channels_of(customer: Customer) -> list[tuple[str, str]]:
    return sorted((i.channel, i.external_id) for i in customer.identities)


# ---------------------------------------------------------------- resolution


def test_whatsapp_then_twilio_sms_from_the_same_number_is_one_customer(cloud: Cloud) -> None:
    first = whatsapp_message("8613812345678", "你好", "wamid.1")
    second = twilio_sms("+86 138-1234-5678", "still me", "SM1")
    assert ingest_message(cloud.store, first).outcome == "stored"
    assert ingest_message(cloud.store, second).outcome == "stored"

    customer_id = owner(cloud.store, first)
    assert owner(cloud.store, second) == customer_id  # two tickets (two channels), one customer
    customer = cloud.store.customers.get(customer_id)
    assert channels_of(customer) == [("phone", NUMBER), ("twilio", "+86 138-1234-5678"), ("whatsapp", NUMBER)]
    assert customer.phone == NUMBER
    assert cloud.store.customers.owner_of("twilio", "+86 138-1234-5678") == customer_id
    assert {t.channel for t in cloud.store.tickets.of_customer(customer_id)} == {"whatsapp", "twilio"}


def test_two_spellings_of_one_uk_number_are_one_customer(cloud: Cloud) -> None:
    """A trunk 0 written after the country code (+44 020 ...) is the same number as +44 20 ... (libphonenumber)."""
    with_trunk = twilio_sms("+44 020 7946 0018", "hello", "SM-uk-1")
    without = twilio_sms("+44 20 7946 0018", "me again", "SM-uk-2")
    on_whatsapp = whatsapp_message("442079460018", "and here", "wamid.uk")
    for message in (with_trunk, without, on_whatsapp):
        assert ingest_message(cloud.store, message).outcome == "stored"

    customer_id = owner(cloud.store, with_trunk)
    assert owner(cloud.store, without) == owner(cloud.store, on_whatsapp) == customer_id
    assert cloud.store.customers.owner_of("phone", "+442079460018") == customer_id
    assert cloud.store.customers.get(customer_id).phone == "+442079460018"


def test_a_web_chat_visitor_typing_the_same_phone_is_not_merged_but_suggested(cloud: Cloud) -> None:
    wa = whatsapp_message("8613812345678", "订单", "wamid.2")
    ingest_message(cloud.store, wa)
    known = owner(cloud.store, wa)

    visitor = web_chat(cloud, "我是老客户", phone="138 1234 5678", email="kerry@example.com")
    ingest_message(cloud.store, visitor)
    stranger = owner(cloud.store, visitor)

    assert stranger != known
    profile = cloud.store.customers.get(stranger)
    assert profile.phone == NUMBER  # normalised and kept on the profile ...
    assert channels_of(profile) == [("web", visitor.sender.external_id)]  # ... but not an identity
    assert channels_of(cloud.store.customers.get(known)) == [("phone", NUMBER), ("whatsapp", NUMBER)]

    status, body = api("GET", f"/api/v1/customers/{stranger}/suggestions")
    assert status == 200, body
    assert body["items"] == [
        {
            "customer_id": known,
            "key_kind": "phone",
            "key_value": "+86138****5678",  # masked for every role, the supervisor too
            "reason": "declared_contact",
            "created_at": body["items"][0]["created_at"],
        }
    ]
    assert [s["customer_id"] for s in api("GET", f"/api/v1/customers/{known}/suggestions")[1]["items"]] == [stranger]
    # agents may look, masked the same way
    status, masked = api("GET", f"/api/v1/customers/{known}/suggestions", claims=AGENT)
    assert status == 200 and masked["items"][0]["key_value"] == "+86138****5678"


def test_a_declared_phone_first_is_suggested_when_someone_proves_it_later(cloud: Cloud) -> None:
    visitor = web_chat(cloud, "hello", phone="+86 138 1234 5678")
    ingest_message(cloud.store, visitor)
    wa = whatsapp_message("8613812345678", "hello again", "wamid.3")
    ingest_message(cloud.store, wa)
    assert owner(cloud.store, visitor) != owner(cloud.store, wa)
    found = api("GET", f"/api/v1/customers/{owner(cloud.store, wa)}/suggestions")[1]["items"]
    assert [(s["customer_id"], s["reason"]) for s in found] == [(owner(cloud.store, visitor), "declared_contact")]


def test_two_visitors_typing_one_email_are_suggested_to_each_other(cloud: Cloud) -> None:
    one = web_chat(cloud, "a", email="Kerry@Example.com")
    two = web_chat(cloud, "b", email="kerry@example.com")
    ingest_message(cloud.store, one)
    ingest_message(cloud.store, two)
    first, second = owner(cloud.store, one), owner(cloud.store, two)
    assert first != second
    assert [s["customer_id"] for s in api("GET", f"/api/v1/customers/{first}/suggestions")[1]["items"]] == [second]


def test_unionid_links_the_openids_of_two_official_accounts(cloud: Cloud) -> None:
    oa1 = inbound("wechat", "oa-shop", Sender(channel="wechat", external_id="o-shop-1", union_id="u-kerry"), "m1")
    oa2 = inbound("wechat", "oa-service", Sender(channel="wechat", external_id="o-svc-9", union_id="u-kerry"), "m2")
    other = inbound("wechat", "oa-service", Sender(channel="wechat", external_id="o-svc-7", union_id="u-other"), "m3")
    for message in (oa1, oa2, other):
        ingest_message(cloud.store, message)
    assert owner(cloud.store, oa1) == owner(cloud.store, oa2) != owner(cloud.store, other)
    assert channels_of(cloud.store.customers.get(owner(cloud.store, oa1))) == [
        ("wechat", "o-shop-1"),
        ("wechat", "o-svc-9"),
        ("wechat_union", "u-kerry"),
    ]


def test_a_known_openid_learns_its_unionid_later(cloud: Cloud) -> None:
    before = inbound("wechat", "oa-shop", Sender(channel="wechat", external_id="o-shop-1"), "m1")
    ingest_message(cloud.store, before)
    after = inbound("wechat", "oa-shop", Sender(channel="wechat", external_id="o-shop-1", union_id="u-kerry"), "m2")
    ingest_message(cloud.store, after)
    customer_id = owner(cloud.store, before)
    assert cloud.store.customers.owner_of("wechat_union", "u-kerry") == customer_id
    elsewhere = inbound("wechat", "oa-svc", Sender(channel="wechat", external_id="o-svc-1", union_id="u-kerry"), "m3")
    ingest_message(cloud.store, elsewhere)
    assert owner(cloud.store, elsewhere) == customer_id


def test_a_key_that_contradicts_its_customer_creates_a_new_one_with_a_suggestion(cloud: Cloud) -> None:
    """Same phone, different unionid: two people (say, a shared family phone), never merged silently."""
    sender = Sender(channel="twilio", external_id=NUMBER, phone=NUMBER, union_id="u-mother")
    ingest_message(cloud.store, inbound("twilio", "sms", sender, "SM-a"))
    mother = cloud.store.customers.owner_of("phone", NUMBER)
    assert mother

    son = Sender(channel="whatsapp", external_id=NUMBER, phone=NUMBER, union_id="u-son")
    message = inbound("whatsapp", "wa", son, "wamid.b")
    ingest_message(cloud.store, message)
    new = owner(cloud.store, message)
    assert new != mother
    assert channels_of(cloud.store.customers.get(new)) == [("wechat_union", "u-son"), ("whatsapp", NUMBER)]
    assert cloud.store.customers.owner_of("phone", NUMBER) == mother  # the phone stays where it was
    found = api("GET", f"/api/v1/customers/{new}/suggestions")[1]["items"]
    assert [(s["customer_id"], s["key_kind"], s["reason"]) for s in found] == [(mother, "phone", "key_conflict")]


def test_keys_that_lead_to_two_customers_merge_nothing(cloud: Cloud) -> None:
    wechat = inbound("wechat", "oa", Sender(channel="wechat", external_id="o-1", union_id="u-1"), "m1")
    wa = whatsapp_message("8613812345678", "hi", "wamid.c")
    ingest_message(cloud.store, wechat)
    ingest_message(cloud.store, wa)
    both = Sender(channel="twilio", external_id=NUMBER, phone=NUMBER, union_id="u-1")
    message = inbound("twilio", "sms", both, "SM-c")
    ingest_message(cloud.store, message)
    new = owner(cloud.store, message)
    assert new not in (owner(cloud.store, wechat), owner(cloud.store, wa))
    assert channels_of(cloud.store.customers.get(new)) == [("twilio", NUMBER)]
    found = api("GET", f"/api/v1/customers/{new}/suggestions")[1]["items"]
    assert {s["customer_id"] for s in found} == {owner(cloud.store, wechat), owner(cloud.store, wa)}
    assert {s["reason"] for s in found} == {"ambiguous_keys"}


class RacingStore(Store):
    """Lets a competing first message finish right after this one looked its keys up and found ``race_on``
    unclaimed: the interleaving two ingest Lambdas can produce, played deterministically."""

    def __init__(self, table_name: str, race_on: str, competitor: Callable[[], object]) -> None:
        super().__init__(table_name)
        self.race_on = race_on
        self.competitor: Callable[[], object] | None = competitor

    def read(self, reads: Sequence[Read[Any]]) -> list[Any]:
        found = super().read(reads)
        # the sender's identity on the raced channel (its number, with or without the plus)
        raced = {
            self.customers.identity_read(Identity(channel=self.race_on, external_id=n)).key
            for n in (NUMBER, NUMBER[1:])
        }
        if self.competitor and any(r.key in raced and f is None for r, f in zip(reads, found, strict=True)):
            competitor, self.competitor = self.competitor, None
            competitor()
        return found


@pytest.mark.parametrize("race_on", ["phone", "whatsapp"])
def test_concurrent_first_messages_for_one_key_make_one_customer(cloud: Cloud, race_on: str) -> None:
    wa = whatsapp_message("8613812345678", "first", "wamid.race")
    if race_on == "phone":  # WhatsApp and SMS from one number, both new: the shared key is the phone
        rival = twilio_sms(NUMBER, "also first", "SM-race")
    else:  # the same WhatsApp number on two inboxes at once: the shared key is the channel's own id
        rival = wa.model_copy(update={"inbox": "wa-2", "conversation_key": "whatsapp:wa-2:" + NUMBER})
    racing = RacingStore(cloud.store.table.name, race_on, lambda: ingest_message(cloud.store, rival))

    assert ingest_message(racing, wa).outcome == "stored"
    customer_id = owner(cloud.store, wa)

    assert racing.competitor is None  # the race really happened
    assert cloud.store.customers.owner_of("phone", NUMBER) == customer_id
    assert owner(cloud.store, rival) == customer_id
    profiles = cloud.ddb.scan(
        TableName="kefu-test", FilterExpression="SK = :p", ExpressionAttributeValues={":p": {"S": "PROFILE"}}
    )["Items"]
    assert [p["PK"]["S"] for p in profiles if p["PK"]["S"].startswith("CUSTOMER#")] == [f"CUSTOMER#{customer_id}"]


# ---------------------------------------------------------------- the agent API


def test_profile_with_identities_and_history_masked_for_every_role(cloud: Cloud) -> None:
    wa = whatsapp_message("8613812345678", "where is my parcel", "wamid.p")
    ingest_message(cloud.store, wa)
    customer_id = owner(cloud.store, wa)

    for claims in (AGENT, SUPERVISOR, ADMIN):
        status, shown = api("GET", f"/api/v1/customers/{customer_id}", claims=claims)
        assert status == 200, shown
        assert shown["phone"] == "+86138****5678" and shown["tier"] == "normal" and shown["tags"] == []
        assert sorted((i["channel"], i["external_id"]) for i in shown["identities"]) == [
            ("phone", "+86138****5678"),
            ("whatsapp", "+86138****5678"),
        ]
        assert [(t["channel"], t["subject"]) for t in shown["tickets"]] == [("whatsapp", "where is my parcel")]
        assert shown["merged_into"] is None
        assert NUMBER not in json.dumps(shown)
        # the ticket view's customer summary is masked the same way
        ticket = api("GET", f"/api/v1/tickets/{shown['tickets'][0]['id']}", claims=claims)[1]
        assert ticket["customer"]["phone"] == "+86138****5678" and NUMBER not in json.dumps(ticket["customer"])

    assert api("GET", "/api/v1/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV")[0] == 404  # well-formed, unknown
    assert api("GET", "/api/v1/customers/nobody")[0] == 400  # not a customer id at all


# ---------------------------------------------------------------- the audited reveal


def reveals_in_trail(cloud: Cloud) -> list[Any]:
    month = now_iso()[:7]
    return [e for e in cloud.store.audit.trail(month) if e.action == "customer.contacts_revealed"]


def reveal(customer_id: str, body: Any, claims: dict[str, str] | None = None) -> tuple[int, Any, dict[str, Any]]:
    event = api_event(
        "POST", f"/api/v1/customers/{customer_id}/reveal", resource="/api/v1/{proxy+}", body=body,
        claims=claims or SUPERVISOR,
    )  # fmt: skip
    event["requestContext"]["requestId"] = "req-reveal-1"
    answer = agent_api(event, FakeContext())
    headers = {k.lower(): v for k, v in (answer.get("multiValueHeaders") or {}).items()}
    return answer["statusCode"], json.loads(answer["body"]), headers


def test_a_supervisor_reveals_a_phone_number_and_exactly_one_audit_entry_says_so(cloud: Cloud) -> None:
    visitor = web_chat(cloud, "please call me", phone="138 1234 5678", email="kerry@example.com")
    ingest_message(cloud.store, visitor)
    customer_id = owner(cloud.store, visitor)
    assert reveals_in_trail(cloud) == []

    status, shown, headers = reveal(customer_id, {"fields": ["phone"], "reason": "customer asked for a call back"})
    assert status == 200, shown
    assert shown["customer_id"] == customer_id and shown["fields"] == ["phone"]
    assert shown["phone"] == NUMBER
    assert shown["email"] is None and shown["identities"] is None  # only what was asked for
    assert headers["cache-control"] == ["no-store"]

    trail = reveals_in_trail(cloud)
    assert len(trail) == 1
    entry = trail[0]
    assert (entry.id, entry.actor_id, entry.actor_email, entry.target) == (
        shown["audit_id"], "sup-1", "supervisor@example.com", f"customer:{customer_id}"
    )  # fmt: skip
    assert entry.created_at == shown["revealed_at"]
    assert entry.details["customer_id"] == customer_id and entry.details["fields"] == ["phone"]
    assert entry.details["reason"] == "customer asked for a call back"
    assert entry.details["request_id"] == "req-reveal-1"
    assert NUMBER not in entry.model_dump_json() and "kerry@example.com" not in entry.model_dump_json()
    assert cloud.store.audit.reveals(entry.created_at[:13], "sup-1") == 1

    # the profile still reads masked afterwards: a reveal shows the values once, it changes no read
    assert api("GET", f"/api/v1/customers/{customer_id}")[1]["phone"] == "+86138****5678"

    # an admin may too; several fields at once
    status, shown, _ = reveal(customer_id, {"fields": ["email", "identities"], "reason": "invoice"}, claims=ADMIN)
    assert status == 200, shown
    assert shown["email"] == "kerry@example.com" and shown["phone"] is None
    assert shown["identities"] == [{"channel": "web", "external_id": visitor.sender.external_id}]
    assert [e.details["fields"] for e in reveals_in_trail(cloud)] == [["phone"], ["email", "identities"]]


def test_an_agent_may_not_reveal_and_a_bad_reveal_writes_no_audit(cloud: Cloud) -> None:
    visitor = web_chat(cloud, "hi", phone="13812345678")
    ingest_message(cloud.store, visitor)
    customer_id = owner(cloud.store, visitor)
    good = {"fields": ["phone"], "reason": "call back"}

    # /me says who holds the permission (the agent app shows the reveal button from it)
    assert api("GET", "/api/v1/me", claims=AGENT)[1]["permissions"] == []
    assert api("GET", "/api/v1/me", claims=SUPERVISOR)[1]["permissions"] == ["customer.reveal_contacts"]

    status, error, _ = reveal(customer_id, good, claims=AGENT)
    assert status == 403 and "reveal permission" in error["message"], error
    assert NUMBER not in json.dumps(error)
    # refused before the body is read: an agent learns nothing from a broken body either
    assert reveal(customer_id, {"fields": ["nope"]}, claims=AGENT)[0] == 403

    for body in (
        {"fields": ["phone"]},  # no reason
        {"fields": ["phone"], "reason": "   "},  # a blank one
        {"fields": ["phone"], "reason": "x" * 501},
        {"fields": [], "reason": "call back"},
        {"fields": ["address"], "reason": "call back"},  # a field that cannot be revealed
        {"fields": ["phone"], "reason": "call back", "also": "this"},  # an unknown key
        {"reason": "call back"},
    ):
        status, error, _ = reveal(customer_id, body)
        assert status == 400, (body, status, error)
        assert NUMBER not in json.dumps(error)
    assert reveal("01ARZ3NDEKTSV4RRFFQ69G5FAV", good)[0] == 404  # well-formed, unknown
    assert reveal("nobody", good)[0] == 400
    assert reveals_in_trail(cloud) == []
    assert cloud.store.audit.reveals(now_iso()[:13], "sup-1") == 0


def test_reveals_are_limited_per_user_and_hour(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(customers_service, "MAX_REVEALS_PER_HOUR", 2)
    visitor = web_chat(cloud, "hi", phone="13812345678")
    ingest_message(cloud.store, visitor)
    customer_id = owner(cloud.store, visitor)
    good = {"fields": ["phone"], "reason": "call back"}
    assert [reveal(customer_id, good)[0] for _ in range(2)] == [200, 200]
    status, error, _ = reveal(customer_id, good)
    assert status == 429 and "at most 2 reveals an hour" in error["message"], error
    assert len(reveals_in_trail(cloud)) == 2  # the refused one wrote nothing
    # another user has a counter of their own
    assert reveal(customer_id, good, claims=ADMIN)[0] == 200
    assert len(reveals_in_trail(cloud)) == 3


def test_merge_then_unmerge_round_trip_is_audited(cloud: Cloud) -> None:
    wa = whatsapp_message("8613812345678", "from whatsapp", "wamid.m")
    visitor = web_chat(cloud, "from the web", phone="13812345678")
    ingest_message(cloud.store, wa)
    ingest_message(cloud.store, visitor)
    target, source = owner(cloud.store, wa), owner(cloud.store, visitor)
    web_ticket = cloud.store.tickets.current_ticket_id(visitor.conversation_key)

    status, merged = api(
        "POST",
        "/api/v1/admin/customers/merge",
        {"source_id": source, "target_id": target, "reason": "same phone, confirmed by call"},
    )
    assert status == 200, merged
    assert merged["source_id"] == source and merged["target_id"] == target
    assert merged["identities"] == [{"channel": "web", "external_id": visitor.sender.external_id}]

    tombstone = api("GET", f"/api/v1/customers/{source}")[1]
    assert tombstone["merged_into"] == target and tombstone["identities"] == []
    combined = api("GET", f"/api/v1/customers/{target}")[1]
    assert ("web", visitor.sender.external_id) in {(i["channel"], i["external_id"]) for i in combined["identities"]}
    assert combined["merged_from"] == [source]
    assert {t["channel"] for t in combined["tickets"]} == {"whatsapp", "web"}
    # the web ticket keeps its customer id, and shows the customer it now belongs to
    ticket = api("GET", f"/api/v1/tickets/{web_ticket}")[1]
    assert ticket["customer_id"] == source and ticket["customer"]["id"] == target
    # the visitor's next message resolves to the merged customer; the suggestion between them is gone
    later = chat.customer_message(_session_of(visitor), "again", None)
    messages, _ = cloud.store.tickets.thread(ingest_message(cloud.store, later).ticket_id or "")
    assert messages[-1].body == "again" and messages[-1].author_id == target
    assert api("GET", f"/api/v1/customers/{target}/suggestions")[1]["items"] == []

    # refused: again, into itself, a tombstone as target
    body = {"source_id": source, "target_id": target, "reason": "again"}
    status, error = api("POST", "/api/v1/admin/customers/merge", body)
    assert status == 409 and "already merged" in error["message"]
    assert api("POST", "/api/v1/admin/customers/merge", {**body, "source_id": target})[0] == 409
    assert (
        api("POST", "/api/v1/admin/customers/merge", {"source_id": target, "target_id": source, "reason": "x"})[0]
        == 409
    )
    assert api("POST", "/api/v1/admin/customers/merge", {**body, "reason": "   "})[0] == 400

    status, undone = api("POST", "/api/v1/admin/customers/unmerge", {"merge_id": merged["merge_id"]})
    assert status == 200, undone
    assert undone["undone_by"] == "sup-1"
    assert cloud.store.customers.owner_of("web", visitor.sender.external_id) == source
    back = api("GET", f"/api/v1/customers/{source}")[1]
    assert back["merged_into"] is None
    assert back["identities"] == [{"channel": "web", "external_id": visitor.sender.external_id}]
    restored = api("GET", f"/api/v1/customers/{target}")[1]
    assert sorted(i["channel"] for i in restored["identities"]) == ["phone", "whatsapp"]
    assert restored["merged_from"] == [] and {t["channel"] for t in restored["tickets"]} == {"whatsapp"}
    assert [s["customer_id"] for s in api("GET", f"/api/v1/customers/{target}/suggestions")[1]["items"]] == [source]
    status, error = api("POST", "/api/v1/admin/customers/unmerge", {"merge_id": merged["merge_id"]})
    assert status == 409 and "already undone" in error["message"]
    assert api("POST", "/api/v1/admin/customers/unmerge", {"merge_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})[0] == 404

    trail = [e for e in cloud.store.audit.trail(merged["created_at"][:7]) if e.action.startswith("customer.")]
    assert [(e.action, e.actor_id, e.actor_email) for e in trail] == [
        ("customer.merged", "sup-1", "supervisor@example.com"),
        ("customer.unmerged", "sup-1", "supervisor@example.com"),
    ]
    assert trail[0].details["reason"] == "same phone, confirmed by call"
    assert trail[0].details["source_id"] == source and trail[0].details["merge_id"] == merged["merge_id"]
    assert NUMBER not in json.dumps([e.model_dump() for e in trail])


def _session_of(message: InboundMessage) -> chat.ChatSession:
    return chat.ChatSession(
        inbox=message.inbox,
        visitor_id=message.sender.external_id,
        ticket_id=message.ticket_hint or "",
        name=None,
        email=None,
        phone=None,
        locale=None,
    )


def test_an_earlier_merge_cannot_be_undone_under_a_later_one(cloud: Cloud) -> None:
    ids = []
    for n in range(3):
        message = inbound("line", "line", Sender(channel="line", external_id=f"U{n}"), f"l{n}")
        ingest_message(cloud.store, message)
        ids.append(owner(cloud.store, message))
    a, b, c = ids
    first = api("POST", "/api/v1/admin/customers/merge", {"source_id": a, "target_id": b, "reason": "1"})[1]
    second = api("POST", "/api/v1/admin/customers/merge", {"source_id": b, "target_id": c, "reason": "2"})[1]
    assert cloud.store.customers.owner_of("line", "U0") == c
    assert len(api("GET", f"/api/v1/customers/{c}")[1]["tickets"]) == 3  # history through the chain
    status, error = api("POST", "/api/v1/admin/customers/unmerge", {"merge_id": first["merge_id"]})
    assert status == 409 and "undo that merge first" in error["message"]
    assert api("POST", "/api/v1/admin/customers/unmerge", {"merge_id": second["merge_id"]})[0] == 200
    assert api("POST", "/api/v1/admin/customers/unmerge", {"merge_id": first["merge_id"]})[0] == 200
    assert [cloud.store.customers.owner_of("line", f"U{n}") for n in range(3)] == ids


def test_agents_may_not_merge_or_unmerge(cloud: Cloud) -> None:
    one = inbound("line", "line", Sender(channel="line", external_id="U1"), "l1")
    two = inbound("line", "line", Sender(channel="line", external_id="U2"), "l2")
    ingest_message(cloud.store, one)
    ingest_message(cloud.store, two)
    body = {"source_id": owner(cloud.store, one), "target_id": owner(cloud.store, two), "reason": "looks alike"}
    status, error = api("POST", "/api/v1/admin/customers/merge", body, claims=AGENT)
    assert status == 403 and error["message"]
    assert cloud.store.customers.get(owner(cloud.store, one)).merged_into is None
    assert api("POST", "/api/v1/admin/customers/unmerge", {"merge_id": "x"}, claims=AGENT)[0] == 403
    admin = agent_claims(sub="admin-1", groups="admin", email="admin@example.com")
    assert api("POST", "/api/v1/admin/customers/merge", body, claims=admin)[0] == 200


def test_a_customer_with_too_many_identities_is_refused_whole(cloud: Cloud) -> None:
    stamp = now_iso()
    big = Customer(
        id=BIG,
        identities=[Identity(channel="line", external_id=f"U{n}") for n in range(60)],
        created_at=stamp,
        updated_at=stamp,
    )
    cloud.store.customers.create(big, [])
    big = cloud.store.customers.attach_identities(
        cloud.store.customers.get(BIG), [Identity(channel="line", external_id=f"V{n}") for n in range(40)], [], stamp
    )
    assert len(big.identities) == 100
    small = inbound("line", "line", Sender(channel="line", external_id="W1"), "w1")
    ingest_message(cloud.store, small)
    body = {"source_id": BIG, "target_id": owner(cloud.store, small), "reason": "test"}
    status, error = api("POST", "/api/v1/admin/customers/merge", body)
    assert status == 409
    assert "100 identities" in error["message"] and "nothing was merged" in error["message"]
    assert cloud.store.customers.owner_of("line", "U0") == BIG
    assert cloud.store.customers.get(BIG).merged_into is None
    # the other way round moves one identity: fine
    assert (
        api("POST", "/api/v1/admin/customers/merge", {**body, "source_id": body["target_id"], "target_id": BIG})[0]
        == 200
    )


def test_the_reveal_route_is_in_the_schema_with_its_limit(cloud: Cloud) -> None:
    status, schema = api("GET", "/api/v1/openapi.json")
    assert status == 200
    operation = schema["paths"]["/api/v1/customers/{customer_id}/reveal"]["post"]
    assert {"200", "400", "403", "404", "429"} <= set(operation["responses"])
    assert "audited" in operation["summary"]
    body = schema["components"]["schemas"]["RevealIn"]
    assert set(body["required"]) == {"fields", "reason"} and body["additionalProperties"] is False
    assert "permissions" in schema["components"]["schemas"]["MeOut"]["properties"]
