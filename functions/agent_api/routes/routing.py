"""Routing: its administration (/api/v1/admin/rules, /admin/agents, /admin/teams, /admin/organizations: admins
only) and the agent directory (/api/v1/agents: everyone). See docs/routing.md."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import ValidationError

from agent_api.routes.common import caller_of, store
from agent_api.schemas import (
    AdminAgentListOut,
    AdminAgentOut,
    AgentDirectoryOut,
    AgentId,
    DirectoryAgentOut,
    DryRunIn,
    DryRunOut,
    OrganizationId,
    OrganizationIn,
    OrganizationListOut,
    RoutingProfileIn,
    TeamId,
    TeamIn,
    TeamListOut,
)
from kefu.clock import now
from kefu.cursor import MAX_CURSOR_CHARS
from kefu.routing.queue import DEFAULT_RELAXATION, KINDS, Organization, RoutingProfile, Team
from kefu.routing.rules import BusinessHours, Rule, RuleSet, RuleSpec, TicketFacts
from kefu.services import routing
from kefu.store.routing import MAX_ORGANIZATIONS_PAGE, ORGANIZATIONS_PAGE

router = APIGatewayRouter()


@router.get("/admin/rules", summary="The routing rules, in order, with their versions")
def list_rules() -> RuleSet:
    rule_set = routing.admin_rules(store(), caller_of(router))
    return rule_set.model_copy(update={"rules": rule_set.ordered()})


@router.post("/admin/rules", summary="Add a rule, or change one (a new version); admin", status_code=201)
def save_rule(body: RuleSpec) -> tuple[Rule, int]:
    return routing.admin_save_rule(store(), caller_of(router), body), 201


@router.put("/admin/rules/business-hours", summary="The hours the rules' business_hours conditions mean; admin")
def put_business_hours(body: BusinessHours) -> RuleSet:
    return routing.admin_save_business_hours(store(), caller_of(router), body)


@router.post("/admin/rules/dry-run", summary="Which rules a sample ticket would hit and what they would set")
def dry_run(body: DryRunIn) -> DryRunOut:
    sample = TicketFacts(**body.model_dump(exclude={"trigger", "at"}), at=body.at or now())
    outcome = routing.admin_dry_run(store(), caller_of(router), sample, body.trigger)
    return DryRunOut(**outcome.model_dump(), auto_replies=outcome.auto_replies)


@router.get("/admin/agents", summary="Every agent with roles and routing profile (teams, skills, capacity); admin")
def list_admin_agents() -> AdminAgentListOut:
    items = []
    for entry in routing.admin_agents(store(), caller_of(router)):
        profile = entry.profile or RoutingProfile(agent_id=entry.agent.id, teams=entry.agent.teams)
        items.append(
            AdminAgentOut(
                id=entry.agent.id,
                name=entry.agent.name,
                email=entry.agent.email,
                roles=entry.agent.roles,
                teams=profile.teams,
                skills=profile.skills,
                capacity=profile.capacity,
                load=profile.load,
                presence=profile.presence if entry.profile else entry.agent.presence,
                configured=entry.profile is not None,
            )
        )
    return AdminAgentListOut(items=items)


@router.put("/admin/agents/<agent_id>", summary="An agent's routing profile: teams, skills 1-5, capacity; admin")
def put_agent(agent_id: AgentId, body: RoutingProfileIn) -> RoutingProfile:
    return routing.admin_save_profile(
        store(), caller_of(router), agent_id, teams=body.teams, skills=body.skills, capacity=body.capacity
    )


@router.get("/admin/teams", summary="Every configured team: name, calendar, shifts, reassignment time; admin")
def list_teams() -> TeamListOut:
    return TeamListOut(items=routing.admin_teams(store(), caller_of(router)))


@router.get("/admin/teams/<team_id>", summary="One configured team; admin")
def get_team(team_id: TeamId) -> Team:
    return routing.admin_team(store(), caller_of(router), team_id)


@router.put("/admin/teams/<team_id>", summary="A team: name, calendar, reassignment time, skill relaxation; admin")
def put_team(team_id: TeamId, body: TeamIn) -> Team:
    try:
        team = Team(
            id=team_id,
            name=body.name,
            calendar=body.calendar,
            shifts=body.shifts,
            reassign_after=body.reassign_after,
            relaxation=body.relaxation or list(DEFAULT_RELAXATION),
        )
    except ValidationError as err:
        raise routing.invalid(err) from None
    return routing.admin_save_team(store(), caller_of(router), team)


@router.get("/admin/organizations", summary="The organizations (B2B accounts), by id, paginated; admin")
def list_organizations(
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR_CHARS, description="the previous page's next_cursor")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ORGANIZATIONS_PAGE)] = ORGANIZATIONS_PAGE,
) -> OrganizationListOut:
    page = routing.admin_organizations(store(), caller_of(router), limit=limit, cursor=cursor)
    return OrganizationListOut(items=page.items, next_cursor=page.next_cursor)


@router.put("/admin/organizations/<organization_id>", summary="A B2B account: tier, dedicated team and agent; admin")
def put_organization(organization_id: OrganizationId, body: OrganizationIn) -> Organization:
    try:
        organization = Organization(id=organization_id, **body.model_dump())
    except ValidationError as err:
        raise routing.invalid(err) from None
    return routing.admin_save_organization(store(), caller_of(router), organization)


@router.get("/agents", summary="The agent directory: teams, presence and load of every agent")
def list_agents() -> AgentDirectoryOut:
    items = []
    for entry in routing.directory(store()):
        profile = entry.profile
        items.append(
            DirectoryAgentOut(
                id=entry.agent.id,
                name=entry.agent.name,
                email=entry.agent.email,
                teams=profile.teams if profile else entry.agent.teams,
                presence=profile.presence if profile else entry.agent.presence,
                load=profile.load if profile else dict.fromkeys(KINDS, 0),
            )
        )
    return AgentDirectoryOut(items=items)
