"""Customers (/api/v1/customers/...) and their merges (/api/v1/admin/customers/..., supervisors and admins).

Every read shows phone numbers, emails and the identities made of them masked; ``POST .../reveal`` shows them
whole to a caller with the reveal permission, with a reason, and audits it."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from agent_api.routes.common import caller_of, store
from agent_api.schemas import (
    CustomerId,
    CustomerListOut,
    CustomerOut,
    CustomerPatchIn,
    CustomerSummary,
    ErrorOut,
    IdentityOut,
    MergeIn,
    MergeOut,
    RevealIn,
    RevealOut,
    SuggestionListOut,
    SuggestionOut,
    TicketOut,
    UnmergeIn,
)
from kefu.models import CustomerMerge
from kefu.services import customers

router = APIGatewayRouter()
CHANNEL = r"^[a-z][a-z0-9_]{0,31}$"  # a channel's name (web, email, whatsapp...) or phone, email, wechat_union


def _merge_out(record: CustomerMerge) -> MergeOut:
    return MergeOut(
        merge_id=record.id,
        source_id=record.source_id,
        target_id=record.target_id,
        # masked like every read: a merge answer is no way around the reveal
        identities=[IdentityOut.model_validate(customers.mask_identity(i).model_dump()) for i in record.identities],
        reason=record.reason,
        actor_id=record.actor_id,
        created_at=record.created_at,
        undone_at=record.undone_at,
        undone_by=record.undone_by,
    )


@router.get(
    "/customers",
    summary="Find customers by phone number, email or channel id (exact match; masked)",
    description=(
        "Exactly one of `phone`, `email`, or `channel` with `external_id`; anything else is a 400 saying what "
        "is expected. A phone number is compared in E.164 (the way ingest stores it: `138 1234 5678` and "
        "`+86 138-1234-5678` are one number; without a country code only Chinese mobile numbers are placed), an "
        "email lower-cased and trimmed, a channel id exactly as the channel gives it (email addresses "
        "lower-cased). Whoever proved the number or address, or holds the channel id, comes first, then whoever "
        "typed it. A merged customer answers as the customer it went into; each customer once, at most "
        f"{customers.MAX_LOOKUP_RESULTS}. Phone numbers, emails and identities are masked for every role. Every "
        "lookup that is answered writes one audit entry `customer.looked_up` (who, which kind of key, the value "
        "masked, how many customers were found and which); a 400 writes none."
    ),
)
def find_customers(
    phone: Annotated[str | None, Query(max_length=64, description="a phone number, any spelling")] = None,
    email: Annotated[str | None, Query(max_length=320, description="an email address")] = None,
    channel: Annotated[str | None, Query(pattern=CHANNEL, description="web, email, whatsapp, line...")] = None,
    external_id: Annotated[
        str | None, Query(max_length=customers.MAX_LOOKUP_ID, description="the customer's id on that channel")
    ] = None,
) -> CustomerListOut:
    key = customers.lookup_key(phone=phone, email=email, channel=channel, external_id=external_id)
    request_id = router.current_event.request_context.request_id
    found = customers.find_customers(store(), caller_of(router), key, request_id)
    return CustomerListOut(items=[CustomerSummary.of(c) for c in found], next_cursor=None)


@router.get("/customers/<customer_id>", summary="Profile, tier, tags, identities per channel, ticket history")
def get_customer(customer_id: CustomerId) -> CustomerOut:
    profile = customers.get_profile(store(), caller_of(router), customer_id)
    data = profile.customer.model_dump(mode="json")
    return CustomerOut.model_validate({**data, "tickets": [TicketOut.of(t) for t in profile.tickets]})


@router.patch("/customers/<customer_id>", summary="Tier and organization (supervisor or admin)")
def patch_customer(customer_id: CustomerId, body: CustomerPatchIn) -> CustomerOut:
    cleared = "organization" in body.model_fields_set and body.organization is None
    customers.set_segment(
        store(),
        caller_of(router),
        customer_id,
        tier=body.tier,
        organization=body.organization,
        clear_organization=cleared,
    )
    return get_customer(customer_id)


@router.get("/customers/<customer_id>/suggestions", summary="Customers who may be the same person")
def get_suggestions(customer_id: CustomerId) -> SuggestionListOut:
    found = customers.suggestions(store(), caller_of(router), customer_id)
    return SuggestionListOut(
        items=[
            SuggestionOut(
                customer_id=s.other_id,
                key_kind=s.key_kind,
                key_value=s.key_value,
                reason=s.reason,
                created_at=s.created_at,
            )
            for s in found
        ]
    )


@router.post(
    "/customers/<customer_id>/reveal",
    summary="Whole phone number, email or identities (the reveal permission: supervisor or admin; audited)",
    description=(
        "Every read masks a customer's phone number, email and the identities made of them. This shows the "
        "fields asked for whole, once: it needs a reason, writes one audit entry (who, when, which customer, "
        "which fields, why, which request) and is never cached. An agent gets 403; more than "
        f"{customers.MAX_REVEALS_PER_HOUR} reveals by one user in one hour, 429."
    ),
    responses={
        200: {"description": "The whole values of the fields asked for"},
        429: {
            "description": f"The caller made {customers.MAX_REVEALS_PER_HOUR} reveals this hour already",
            "content": {"application/json": {"schema": ErrorOut.model_json_schema()}},
        },
    },
)
def reveal_customer(customer_id: CustomerId, body: RevealIn) -> RevealOut:
    request_id = router.current_event.request_context.request_id
    found = customers.reveal(store(), caller_of(router), customer_id, list(body.fields), body.reason, request_id)
    return RevealOut(
        customer_id=found.customer_id,
        fields=list(found.fields),
        phone=found.phone,
        email=found.email,
        identities=(
            None if found.identities is None else [IdentityOut.model_validate(i.model_dump()) for i in found.identities]
        ),
        audit_id=found.audit_id,
        revealed_at=found.revealed_at,
    )


@router.post("/admin/customers/merge", summary="Merge source into target (supervisor or admin; audited)")
def merge_customers(body: MergeIn) -> MergeOut:
    record = customers.merge(store(), caller_of(router), body.source_id, body.target_id, body.reason)
    return _merge_out(record)


@router.post("/admin/customers/unmerge", summary="Undo exactly one merge (supervisor or admin; audited)")
def unmerge_customers(body: UnmergeIn) -> MergeOut:
    return _merge_out(customers.unmerge(store(), caller_of(router), body.merge_id))
