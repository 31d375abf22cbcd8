from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from agent_api.routes.common import caller_of, store
from agent_api.schemas import MeOut, PresenceIn
from kefu.auth import permissions_of
from kefu.models import Agent
from kefu.services import agents

router = APIGatewayRouter()


def _me_out(agent: Agent) -> MeOut:
    return MeOut.model_validate({**agent.model_dump(), "permissions": permissions_of(agent.roles)})


@router.get("/me", summary="The caller: roles, what they permit, skills, presence")
def get_me() -> MeOut:
    return _me_out(agents.me(store(), caller_of(router)))


@router.put("/me/presence", summary="Set the caller's presence (routing uses it)")
def put_presence(body: PresenceIn) -> MeOut:
    return _me_out(agents.set_presence(store(), caller_of(router), body.status))
