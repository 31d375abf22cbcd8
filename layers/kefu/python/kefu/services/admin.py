"""Administration use cases used by seeding and set-up scripts (inboxes, agent profiles)."""

from __future__ import annotations

from kefu.channels.base import InboxConfig
from kefu.clock import now_iso
from kefu.models import Agent, InboxRecord
from kefu.repository import Repository
from kefu.services.inboxes import credentials, hint


def save_inbox(repo: Repository, inbox: InboxConfig) -> InboxConfig:
    """Create or replace an inbox (credentials into Secrets Manager), without the admin API's caller checks."""
    stamp = now_iso()
    secret = credentials.name_for(inbox.id) if inbox.credentials else None
    if secret:
        credentials.write(secret, dict(inbox.credentials), new=True)
    repo.put_inbox(
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


def save_agent(repo: Repository, agent: Agent) -> Agent:
    stored = agent.model_copy(update={"updated_at": now_iso()})
    repo.put_agent(stored)
    return stored
