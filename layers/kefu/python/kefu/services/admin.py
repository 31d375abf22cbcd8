"""Administration use cases used by seeding and set-up scripts (inboxes, agent profiles)."""

from __future__ import annotations

from kefu.channels.base import InboxConfig
from kefu.clock import now_iso
from kefu.models import Agent, InboxRecord
from kefu.services.inboxes import credentials, hint
from kefu.store import Store


def save_inbox(store: Store, inbox: InboxConfig) -> InboxConfig:
    """Create or replace an inbox (credentials into Secrets Manager), without the admin API's caller checks."""
    stamp = now_iso()
    secret = credentials.name_for(inbox.id) if inbox.credentials else None
    if secret:
        credentials.write(secret, dict(inbox.credentials), new=True)
    store.inboxes.put(
        InboxRecord(
            id=inbox.id,
            channel=inbox.channel,
            name=inbox.name,
            api_base=inbox.api_base,
            public_url=inbox.public_url,
            credentials_secret=secret,
            credential_hints={k: hint(k, v) for k, v in inbox.credentials.items()},
            created_at=stamp,
            updated_at=stamp,
        )
    )
    return inbox


def save_agent(store: Store, agent: Agent) -> Agent:
    stored = agent.model_copy(update={"updated_at": now_iso()})
    store.agents.put(stored)
    return stored
