from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from agent_api.routes.common import caller_of, store
from agent_api.schemas import MeOut, PresenceIn
from kefu.services import agents

router = APIGatewayRouter()


@router.get("/me", summary="The caller: roles, skills, presence")
def get_me() -> MeOut:
    agent = agents.me(store(), caller_of(router))
    return MeOut.model_validate(agent.model_dump())


@router.put("/me/presence", summary="Set the caller's presence (routing uses it)")
def put_presence(body: PresenceIn) -> MeOut:
    agent = agents.set_presence(store(), caller_of(router), body.status)
    return MeOut.model_validate(agent.model_dump())
