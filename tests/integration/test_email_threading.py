"""Email threading: one email thread is one ticket; replies (by References/In-Reply-To or by the [#ticket] tag
in the subject) join it; a new email starts a new ticket; a tag never opens someone else's ticket."""

from __future__ import annotations

import base64
import json
from email import message_from_bytes, policy
from email.message import EmailMessage

from kefu.auth import Caller
from kefu.channels.base import InboxConfig, WebhookRequest
from kefu.channels.email import EmailAdapter, build_reply_mime
from kefu.services import tickets
from kefu.services.admin import save_inbox
from kefu.services.ingest import ingest_message
from kefu.services.outbound import outgoing
from tests.integration.conftest import Cloud

TOPIC = "arn:aws:sns:us-east-1:123456789012:kefu-mail"
INBOX = InboxConfig(
    id="mail", channel="email", name="Support", credentials={"address": "support@help.example.com", "topic_arns": TOPIC}
)
AGENT = Caller(id="agent-1", roles=["agent"])


def email(sender: str, message_id: str, subject: str, body: str, refs: list[str] | None = None) -> WebhookRequest:
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = "support@help.example.com"
    mime["Subject"] = subject
    mime["Message-ID"] = message_id
    if refs:
        mime["In-Reply-To"] = refs[-1]
        mime["References"] = " ".join(refs)
    mime.set_content(body)
    notification = {
        "notificationType": "Received",
        "mail": {"messageId": f"ses-{message_id.strip('<>')}", "timestamp": "2026-11-22T10:00:00.000Z"},
        "receipt": {"action": {"type": "SNS", "encoding": "BASE64"}},
        "content": base64.b64encode(mime.as_bytes()).decode(),
    }
    envelope = {
        "Type": "Notification",
        "MessageId": f"sns-{message_id}",
        "TopicArn": TOPIC,
        "Timestamp": "2026-11-22T10:00:00.000Z",
        "Message": json.dumps(notification),
    }
    return WebhookRequest(
        method="POST",
        url="https://kefu.example.com/webhooks/email/mail",
        path="/webhooks/email/mail",
        headers={},
        query={},
        body=json.dumps(envelope).encode(),
    )


def arrive(cloud: Cloud, request: WebhookRequest) -> str:
    [message] = EmailAdapter().parse(request, INBOX)
    result = ingest_message(cloud.store, message)
    assert result.ticket_id
    return result.ticket_id


def test_one_thread_one_ticket_and_replies_thread_in_the_customers_mail_client(cloud: Cloud) -> None:
    save_inbox(cloud.store, INBOX)
    first = arrive(cloud, email("Li <li@example.cn>", "<a1@example.cn>", "Refund for order 10086", "Where is it?"))

    reply = tickets.reply(cloud.store, AGENT, first, "It was sent today.", internal=False)
    job = outgoing(reply, cloud.store.tickets.get(first))
    assert job.in_reply_to == "<a1@example.cn>"
    sent = message_from_bytes(build_reply_mime(job, INBOX), policy=policy.default)
    assert (sent["In-Reply-To"], sent["References"]) == ("<a1@example.cn>", "<a1@example.cn>")
    assert f"[#{first}]" in sent["Subject"]
    ours = str(sent["Message-ID"]).strip()

    answer = arrive(
        cloud,
        email(
            "li@example.cn",
            "<a2@example.cn>",
            "Re: Refund for order 10086 [#x]",
            "Thanks!",
            refs=["<a1@example.cn>", ours],
        ),
    )
    assert answer == first

    new_thread = arrive(cloud, email("li@example.cn", "<b1@example.cn>", "Another question", "Invoice?"))
    assert new_thread != first

    tagged = arrive(cloud, email("li@example.cn", "<c1@example.cn>", f"About [#{first}]", "one more thing"))
    assert tagged == first


def test_a_ticket_tag_never_opens_someone_elses_ticket(cloud: Cloud) -> None:
    save_inbox(cloud.store, INBOX)
    victim = arrive(cloud, email("li@example.cn", "<v1@example.cn>", "My account", "private"))
    intruder = arrive(cloud, email("eve@example.org", "<e1@example.org>", f"Re: [#{victim}]", "let me in"))
    assert intruder != victim
    messages, _ = cloud.store.tickets.thread(victim)
    assert [m.body.strip() for m in messages] == ["private"]
