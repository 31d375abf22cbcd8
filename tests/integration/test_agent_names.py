"""Agents are named from their identity: the directory names a colleague invited after the demo data."""

from __future__ import annotations

from kefu.auth import caller_from_claims
from kefu.services import agents, routing
from tests.integration.conftest import Cloud

SUB = "0b5c2a0e-8f3e-4d7c-9a1b-2c3d4e5f6a7b"


def test_an_agent_seen_first_is_kept_with_the_name_from_the_token(cloud: Cloud) -> None:
    caller = caller_from_claims({"sub": SUB, "email": "zh@example.com", "name": "  周慧  ", "cognito:groups": "agent"})
    assert caller.name == "周慧"
    assert agents.me(cloud.store, caller).name == "周慧"
    listed = {entry.agent.id: entry.agent.name for entry in routing.directory(cloud.store)}
    assert listed[SUB] == "周慧"


def test_a_token_without_a_usable_name_gives_none() -> None:
    for claims in ({}, {"name": ""}, {"name": "   "}, {"name": ["x"]}):
        caller = caller_from_claims({"sub": SUB, "cognito:groups": "agent", **claims})
        assert caller.name is None
    long = caller_from_claims({"sub": SUB, "cognito:groups": "agent", "name": "x" * 500})
    assert long.name == "x" * 200
