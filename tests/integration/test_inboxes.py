"""Inbox administration: credentials into Secrets Manager, never returned whole, audited; webhooks use them."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from agent_api.handler import lambda_handler as agent_api
from tests.integration.conftest import Cloud
from tests.integration.test_chat_flow import call
from tests.support.aws_events import agent_claims, api_event
from webhooks.handler import lambda_handler as webhooks

ADMIN = agent_claims(sub="admin-1", groups="admin,supervisor,agent", email="admin@example.com")
WHATSAPP: dict[str, Any] = {
    "id": "wa-main",
    "channel": "whatsapp",
    "name": "WhatsApp +1 555",
    "credentials": {
        "verify_token": "verify-me-please",
        "app_secret": "super-secret-app-secret",
        "access_token": "EAAG-access-token-value",
        "phone_number_id": "1234567890",
    },
}


def admin(method: str, path: str, body: Any = None, claims: dict[str, str] | None = None) -> tuple[int, Any]:
    return call(agent_api, api_event(method, path, resource="/api/v1/{proxy+}", body=body, claims=claims or ADMIN))


def test_admin_creates_an_inbox_and_never_sees_the_secrets_again(cloud: Cloud) -> None:
    status, inbox = admin("POST", "/api/v1/admin/inboxes", WHATSAPP)
    assert status == 201, inbox
    assert inbox["credentials"] == {
        "verify_token": "****ease",
        "app_secret": "****cret",
        "access_token": "****alue",
        "phone_number_id": "1234567890",
    }
    listed = admin("GET", "/api/v1/admin/inboxes")[1]["items"]
    assert "super-secret-app-secret" not in json.dumps(listed)
    record = cloud.ddb.get_item(TableName="kefu-test", Key={"PK": {"S": "INBOX#wa-main"}, "SK": {"S": "CONFIG"}})
    assert "super-secret-app-secret" not in json.dumps(record)
    import boto3

    secret = boto3.client("secretsmanager", region_name="us-east-1").get_secret_value(SecretId="kefu/inbox/wa-main")
    assert json.loads(secret["SecretString"])["app_secret"] == "super-secret-app-secret"

    status, updated = admin(
        "PUT", "/api/v1/admin/inboxes/wa-main", {"credentials": {"access_token": "rotated-token-9999"}}
    )
    assert status == 200 and updated["credentials"]["access_token"] == "****9999"
    assert updated["credentials"]["app_secret"] == "****cret"  # untouched keys are kept

    actions = [e.action for e in cloud.store.audit.trail(inbox["created_at"][:7])]
    assert actions == ["inbox.created", "inbox.updated"]
    assert "rotated-token-9999" not in json.dumps(
        [e.model_dump() for e in cloud.store.audit.trail(inbox["created_at"][:7])]
    )


def test_inbox_validation(cloud: Cloud) -> None:
    missing = {**WHATSAPP, "credentials": {"verify_token": "x"}}
    status, body = admin("POST", "/api/v1/admin/inboxes", missing)
    assert status == 400 and "app_secret" in body["message"]
    unknown = {**WHATSAPP, "credentials": {**WHATSAPP["credentials"], "password": "x"}}
    status, body = admin("POST", "/api/v1/admin/inboxes", unknown)
    assert status == 400 and "password" in body["message"]
    assert admin("POST", "/api/v1/admin/inboxes", {**WHATSAPP, "channel": "fax"})[0] == 400
    assert admin("POST", "/api/v1/admin/inboxes", {**WHATSAPP, "id": "Has Spaces"})[0] == 400
    assert admin("POST", "/api/v1/admin/inboxes", {**WHATSAPP, "api_base": "ftp://x"})[0] == 400
    assert admin("POST", "/api/v1/admin/inboxes", WHATSAPP)[0] == 201
    status, body = admin("POST", "/api/v1/admin/inboxes", WHATSAPP)
    assert status == 409 and "exists" in body["message"]
    assert admin("PUT", "/api/v1/admin/inboxes/nope", {"name": "x"})[0] == 404


def test_agents_may_not_administer(cloud: Cloud) -> None:
    status, body = admin("POST", "/api/v1/admin/inboxes", WHATSAPP, claims=agent_claims())
    assert status == 403 and body["message"]
    assert admin("GET", "/api/v1/admin/inboxes", claims=agent_claims())[0] == 403
    assert cloud.store.inboxes.all()[0].id == "web"  # nothing was created


def test_a_signed_whatsapp_delivery_is_queued_and_a_forged_one_is_refused(cloud: Cloud) -> None:
    assert admin("POST", "/api/v1/admin/inboxes", WHATSAPP)[0] == 201
    payload = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1234567890"},
                                "contacts": [{"profile": {"name": "Kerry"}, "wa_id": "8613812345678"}],
                                "messages": [
                                    {
                                        "from": "8613812345678",
                                        "id": "wamid.TEST1",
                                        "timestamp": "1700000000",
                                        "type": "text",
                                        "text": {"body": "退款进度？"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    )
    signature = "sha256=" + hmac.new(b"super-secret-app-secret", payload.encode(), hashlib.sha256).hexdigest()

    def deliver(sig: str) -> int:
        event = api_event(
            "POST",
            "/webhooks/whatsapp/wa-main",
            resource="/webhooks/{channel}/{inbox}",
            body=payload,
            headers={"X-Hub-Signature-256": sig},
        )
        return call(webhooks, event)[0]

    assert deliver("sha256=" + "0" * 64) == 401
    assert cloud.receive(cloud.inbound_url) == []
    assert deliver(signature) == 200
    [queued] = cloud.receive(cloud.inbound_url)
    body = json.loads(queued["Body"])
    assert (body["channel"], body["inbox"], body["text"], body["sender"]["phone"]) == (
        "whatsapp",
        "wa-main",
        "退款进度？",
        "+8613812345678",
    )


def test_saving_an_email_inbox_asks_ses_to_verify_its_address(cloud: Cloud) -> None:
    import boto3

    email_inbox = {
        "id": "support-mail",
        "channel": "email",
        "credentials": {"address": "support@help.example.com", "topic_arns": "arn:aws:sns:us-east-1:1:kefu-mail"},
    }
    assert admin("POST", "/api/v1/admin/inboxes", email_inbox)[0] == 201
    identities = boto3.client("ses", region_name="us-east-1").list_identities()["Identities"]
    assert "support@help.example.com" in identities
