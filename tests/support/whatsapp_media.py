"""A WhatsApp customer's photo for the media tests: the inbox and bucket the media function needs, and the
inbound message that carries the photo (its Graph API: tests/support/graph_media.py)."""

from __future__ import annotations

import boto3
import pytest

from kefu.channels.base import InboxConfig
from kefu.clock import now_iso
from kefu.config import Env, get_settings
from kefu.inbound import InboundMessage, Sender
from kefu.models import Attachment
from kefu.services.admin import save_inbox
from kefu.services.ingest import IngestResult, ingest_message
from kefu.store import Store

MEDIA_BUCKET = "kefu-media"


def whatsapp_media_inbox(store: Store, monkeypatch: pytest.MonkeyPatch, api_base: str, access_token: str) -> None:
    """The media bucket (in the emulator, named in the settings) and the WhatsApp inbox ``wa`` on ``api_base``."""
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=MEDIA_BUCKET)
    monkeypatch.setenv(Env.MEDIA_BUCKET, MEDIA_BUCKET)
    get_settings.cache_clear()
    save_inbox(
        store,
        InboxConfig(
            id="wa",
            channel="whatsapp",
            api_base=api_base,
            credentials={"verify_token": "v", "app_secret": "s", "access_token": access_token, "phone_number_id": "1"},
        ),
    )


def ingest_photo(store: Store, *, provider_message_id: str, wa_id: str, media_id: str) -> IngestResult:
    """A photo from the WhatsApp customer ``wa_id`` on inbox ``wa``, stored as ingest stores it."""
    return ingest_message(
        store,
        InboundMessage(
            channel="whatsapp",
            inbox="wa",
            provider_message_id=provider_message_id,
            conversation_key=f"whatsapp:wa:+{wa_id}",
            sender=Sender(channel="whatsapp", external_id=wa_id),
            kind="image",
            attachments=[Attachment(media_id=media_id, content_type="image/png")],
            received_at=now_iso(),
        ),
    )
