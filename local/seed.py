"""Demo data for a fresh local cloud: Cognito users with roles, their agent profiles, the web-chat inbox, the
knowledge base's articles (local/demo/)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

DEMO_PASSWORD = "Kefu-demo-1"  # noqa: S105 - a published demo password, local only


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    groups: tuple[str, ...]
    skills: tuple[str, ...] = ()
    teams: tuple[str, ...] = field(default=())


DEMO_USERS = (
    DemoUser("admin@example.com", "Ada Admin", ("admin", "supervisor", "agent"), ("pre_sales",), ("general",)),
    DemoUser(
        "supervisor@example.com", "Sam Supervisor", ("supervisor", "agent"), ("after_sales", "refunds"), ("general",)
    ),
    DemoUser("agent1@example.com", "Li Na", ("agent",), ("pre_sales", "orders"), ("sales",)),
    DemoUser("agent2@example.com", "Wang Wei", ("agent",), ("after_sales", "refunds"), ("after_sales",)),
    DemoUser("agent3@example.com", "Zhang Min", ("agent",), ("technical",), ("technical",)),
)


def seed_users(cognito: Any, pool_id: str) -> dict[str, str]:
    """Create the demo users (idempotent); returns email -> Cognito ``sub``."""
    existing_groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id).get("Groups", [])}
    subs: dict[str, str] = {}
    for user in DEMO_USERS:
        with contextlib.suppress(cognito.exceptions.UsernameExistsException):
            cognito.admin_create_user(
                UserPoolId=pool_id,
                Username=user.email,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": user.email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "name", "Value": user.name},
                ],
            )
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=user.email, Password=DEMO_PASSWORD, Permanent=True)
        for group in user.groups:
            if group not in existing_groups:
                cognito.create_group(UserPoolId=pool_id, GroupName=group)
                existing_groups.add(group)
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user.email, GroupName=group)
        attributes = cognito.admin_get_user(UserPoolId=pool_id, Username=user.email)["UserAttributes"]
        subs[user.email] = next(attr["Value"] for attr in attributes if attr["Name"] == "sub")
    return subs


def seed_domain(subs: dict[str, str]) -> None:
    """Agent profiles (id = Cognito sub) and the `web` inbox, written through the domain package."""
    from kefu.channels.base import InboxConfig
    from kefu.models import Agent
    from kefu.services.admin import save_agent, save_inbox
    from kefu.store import Store

    repo = Store.from_settings()
    for user in DEMO_USERS:
        save_agent(
            repo,
            Agent(
                id=subs[user.email],
                email=user.email,
                name=user.name,
                roles=list(user.groups),
                skills=list(user.skills),
                teams=list(user.teams),
            ),
        )
    save_inbox(repo, InboxConfig(id="web", channel="web", name="Web chat"))
    from local.demo.kb import seed_articles, seed_assistant

    seed_articles(repo)
    seed_assistant(repo)


def describe_users() -> list[str]:
    return [f"  {user.email:<24} {DEMO_PASSWORD}  ({', '.join(user.groups)})" for user in DEMO_USERS]
