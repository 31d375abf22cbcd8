"""Administration use cases (inboxes, agent profiles)."""

from __future__ import annotations

from kefu.channels.base import InboxConfig
from kefu.clock import now_iso
from kefu.models import Agent
from kefu.repository import Repository


def save_inbox(repo: Repository, inbox: InboxConfig) -> InboxConfig:
    repo.put_inbox(inbox)
    return inbox


def save_agent(repo: Repository, agent: Agent) -> Agent:
    stored = agent.model_copy(update={"updated_at": now_iso()})
    repo.put_agent(stored)
    return stored
