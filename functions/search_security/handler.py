"""The stack's custom resource ``Custom::KefuSearchSecurity``: on create and update it writes the search
domain's roles and role mappings for Kefu's functions (kefu.knowledge.security) as the domain's master role;
on delete it removes them, and never fails the stack's deletion over them.

Thin: parse CloudFormation's request, call the use case, answer CloudFormation at its presigned response URL
(always, also on failure, so a deploy never waits an hour for an answer that will not come).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu.knowledge import security
from kefu.observability import decided, logger

PHYSICAL_ID = "kefu-search-security"


def grants_of(properties: dict[str, Any]) -> security.Grants:
    def arns(key: str) -> tuple[str, ...]:
        value = properties.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.startswith("arn:") for v in value):
            raise ValueError(f"{key} must be a list of IAM role ARNs")
        return tuple(value)

    pattern = str(properties.get("IndexPattern") or "")
    if not pattern or "," in pattern:
        raise ValueError("IndexPattern must be one index pattern, e.g. kefu-kb*")
    return security.Grants(index_pattern=pattern, readers=arns("ReaderRoleArns"), writers=arns("WriterRoleArns"))


def handle(event: dict[str, Any], connect: Any) -> tuple[str, str]:
    """(status, reason) for CloudFormation. ``connect(properties)`` gives the domain's client."""
    kind = event.get("RequestType")
    properties = dict(event.get("ResourceProperties") or {})
    try:
        if kind in ("Create", "Update"):
            grants = grants_of(properties)
            written = security.apply(connect(properties), grants)
            decided("search_security", "applied", request=kind, written=len(written))
            return "SUCCESS", f"{len(written)} roles and mappings written"
        if kind == "Delete":
            try:
                removed = security.remove(connect(properties))
            except Exception as error:  # the domain is retained and may be gone or closed: never block a deletion
                logger.warning("search security not removed", extra={"error": str(error)[:300]})
                return "SUCCESS", "left in place (the domain did not answer)"
            decided("search_security", "removed", removed=len(removed))
            return "SUCCESS", f"{len(removed)} roles and mappings removed"
        return "FAILED", f"unknown request type {kind!r}"
    except Exception as error:  # the reason is what the operator reads in the stack's events
        logger.exception("search security failed")
        return "FAILED", str(error)[:900]


def respond(event: dict[str, Any], status: str, reason: str) -> None:
    import urllib3

    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_ID,
            "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
        }
    ).encode()
    answer = urllib3.request(
        "PUT",
        event["ResponseURL"],
        body=body,
        headers={"Content-Type": "", "Content-Length": str(len(body))},
        timeout=urllib3.Timeout(connect=10, read=20),
        retries=urllib3.Retry(total=3, backoff_factor=1, allowed_methods=["PUT"]),
    )
    if answer.status >= 300:
        logger.error("CloudFormation refused the answer", extra={"status": answer.status})


def _connect(properties: dict[str, Any]) -> Any:
    return security.client_as(
        str(properties["MasterRoleArn"]), str(properties["Endpoint"]), str(properties.get("Region") or "")
    )


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> None:
    status, reason = handle(event, _connect)
    respond(event, status, reason)
