"""The one door to the DynamoDB table: a repository per aggregate over one table, keys only in ``keys``.

Use cases take a ``Store`` and call its repositories (``store.tickets``, ``store.customers`` ...); they see
domain models, never items or keys. ``Store.read`` fetches items of several aggregates in one request.
Functions hold one store per container (``current()``), so its short caches live as long as the container.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kefu.config import Settings, get_settings
from kefu.store.agents import AgentRepository
from kefu.store.audit import AuditRepository
from kefu.store.customers import CustomerRepository
from kefu.store.inboxes import InboxRepository
from kefu.store.table import Read, Table, Transaction
from kefu.store.tickets import ConversationPage, TicketPage, TicketRepository

if TYPE_CHECKING:
    from kefu.store.chat_sessions import ChatSessionRepository
    from kefu.store.csat import CsatRepository
    from kefu.store.knowledge import KnowledgeRepository
    from kefu.store.routing import RoutingRepository
    from kefu.store.sla import SlaRepository
    from kefu.store.thread_state import ThreadStateRepository
    from kefu.store.workspace import WorkspaceRepository

__all__ = [
    "ConversationPage",
    "Read",
    "Store",
    "TicketPage",
    "Transaction",
    "current",
]


class Store:
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table = Table(table_name, client)
        self.tickets = TicketRepository(self.table)
        self.customers = CustomerRepository(self.table)
        self.inboxes = InboxRepository(self.table)
        self.agents = AgentRepository(self.table)
        self.audit = AuditRepository(self.table)

    @functools.cached_property
    def chat_sessions(self) -> ChatSessionRepository:
        """Web-chat sessions: the webhooks function alone uses them (kefu.services.chat imports the module at
        its init); the others skip building the session model at theirs."""
        from kefu.store.chat_sessions import ChatSessionRepository

        return ChatSessionRepository(self.table)

    @functools.cached_property
    def routing(self) -> RoutingRepository:
        """Imported at first use: the functions that never route (webhooks, outbound, media) skip its models."""
        from kefu.store.routing import RoutingRepository

        return RoutingRepository(self.table)

    @functools.cached_property
    def knowledge(self) -> KnowledgeRepository:
        """Knowledge-base articles, imported at first use like routing."""
        from kefu.store.knowledge import KnowledgeRepository

        return KnowledgeRepository(self.table)

    @functools.cached_property
    def sla(self) -> SlaRepository:
        """SLA policies and notifications, imported at first use like routing."""
        from kefu.store.sla import SlaRepository

        return SlaRepository(self.table)

    @functools.cached_property
    def workspace(self) -> WorkspaceRepository:
        """Canned replies, saved views and customer notes (the agent API alone uses them)."""
        from kefu.store.workspace import WorkspaceRepository

        return WorkspaceRepository(self.table)

    @functools.cached_property
    def thread_state(self) -> ThreadStateRepository:
        """Uploads waiting for their message, agents' read markers, typing (imported at first use)."""
        from kefu.store.thread_state import ThreadStateRepository

        return ThreadStateRepository(self.table)

    @functools.cached_property
    def csat(self) -> CsatRepository:
        """Satisfaction ratings and their day's figures (imported at first use)."""
        from kefu.store.csat import CsatRepository

        return CsatRepository(self.table)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Store:
        return cls((settings or get_settings()).table_name)

    def read(self, reads: Sequence[Read[Any]]) -> list[Any]:
        """Items of any aggregates in one consistent BatchGetItem, decoded; None where absent."""
        return self.table.read(reads)


_lock = threading.Lock()
_current: dict[str, tuple[Settings, Store]] = {}


def current() -> Store:
    """This container's store. Settings parsed anew (tests, a new local cloud) get a new store, with
    empty caches."""
    settings = get_settings()
    with _lock:
        held = _current.get("store")
        if held is None or held[0] is not settings:
            held = _current["store"] = (settings, Store.from_settings(settings))
        return held[1]
