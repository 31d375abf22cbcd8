"""The calling agent's own profile and presence."""

from __future__ import annotations

from kefu.auth import Caller
from kefu.clock import now_iso
from kefu.errors import InvalidInput
from kefu.models import Agent
from kefu.repository import Repository

PRESENCE = ("online", "away", "offline")


def me(repo: Repository, caller: Caller) -> Agent:
    """The profile Kefu keeps, created on first sight from the verified identity."""
    agent = repo.get_agent(caller.id)
    if agent is None:
        agent = Agent(id=caller.id, email=caller.email, roles=caller.roles, updated_at=now_iso())
        repo.put_agent(agent)
    elif sorted(agent.roles) != sorted(caller.roles):
        agent = agent.model_copy(update={"roles": caller.roles})  # Cognito groups are the truth for roles
    return agent


def set_presence(repo: Repository, caller: Caller, status: str) -> Agent:
    if status not in PRESENCE:
        raise InvalidInput(f"status must be one of {', '.join(PRESENCE)}")
    me(repo, caller)
    repo.set_presence(caller.id, status, now_iso())
    agent = repo.get_agent(caller.id)
    assert agent is not None
    return agent.model_copy(update={"roles": caller.roles})
