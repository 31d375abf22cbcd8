"""Administration (/api/v1/admin/...): admins change things; supervisors may look."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from agent_api.routes.common import caller_of, store
from agent_api.schemas import InboxId, InboxIn, InboxListOut, InboxOut, InboxPatchIn
from kefu.services import inboxes

router = APIGatewayRouter()


@router.get("/admin/inboxes", summary="Inboxes (channel accounts), credentials masked")
def list_inboxes() -> InboxListOut:
    records = inboxes.list_inboxes(store(), caller_of(router))
    return InboxListOut(items=[InboxOut.model_validate(inboxes.view(r)) for r in records])


@router.post("/admin/inboxes", summary="Create an inbox; credentials go to Secrets Manager (admin)", status_code=201)
def create_inbox(body: InboxIn) -> tuple[InboxOut, int]:
    spec = inboxes.InboxSpec(
        id=body.id,
        channel=body.channel,
        name=body.name,
        credentials=body.credentials,
        api_base=body.api_base,
        public_url=body.public_url,
    )
    record = inboxes.create_inbox(store(), caller_of(router), spec)
    return InboxOut.model_validate(inboxes.view(record)), 201


@router.get("/admin/inboxes/<inbox_id>", summary="One inbox, credentials masked")
def get_inbox(inbox_id: InboxId) -> InboxOut:
    return InboxOut.model_validate(inboxes.view(inboxes.get_inbox(store(), caller_of(router), inbox_id)))


@router.put("/admin/inboxes/<inbox_id>", summary="Change an inbox; given credential keys replace stored ones (admin)")
def update_inbox(inbox_id: InboxId, body: InboxPatchIn) -> InboxOut:
    changes = inboxes.InboxChanges(
        name=body.name, credentials=body.credentials, api_base=body.api_base, public_url=body.public_url
    )
    record = inboxes.update_inbox(store(), caller_of(router), inbox_id, changes)
    return InboxOut.model_validate(inboxes.view(record))
