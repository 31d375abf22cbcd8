"""The template's IAM roles and policies in the emulator, and credentials of each function's own role.

The emulator checks every request a function makes against its role's policies (see local/emulator.py):
a grant missing from the CDK stack fails locally as it would after ``cdk deploy``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from local.template import Resolver, physical_name, resources_of_type

log = logging.getLogger("local")

LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# Lambda hands a sandbox fresh credentials well before they expire; a long-running local cloud does too.
SESSION_SECONDS = 12 * 3600
REFRESH_BEFORE_SECONDS = 3600


def provision_roles(template: dict[str, Any], resolver: Resolver, iam: Any) -> dict[str, str]:
    """Create every ``AWS::IAM::Role`` with its inline and attached policies; logical id -> role ARN."""
    roles: dict[str, str] = {}
    for logical_id, resource in resources_of_type(template, "AWS::IAM::Role").items():
        props = resolver.resolve(resource.get("Properties", {}))
        name = resolver.ref(logical_id) if logical_id in resolver.physical else physical_name(logical_id)
        trust = props.get("AssumeRolePolicyDocument") or LAMBDA_TRUST_POLICY
        try:
            arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            arn = iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=json.dumps(trust),
                MaxSessionDuration=SESSION_SECONDS,
            )["Role"]["Arn"]
        roles[logical_id] = arn
        for policy in props.get("Policies", []) or []:
            iam.put_role_policy(
                RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(policy["PolicyDocument"])
            )
        for managed in props.get("ManagedPolicyArns", []) or []:
            # AWS's managed policies (log writing) are not loaded into the emulator; functions write logs
            # to their own output locally, so nothing depends on them.
            log.debug("role %s: managed policy %s not attached locally", name, managed)
    for logical_id, resource in resources_of_type(template, "AWS::IAM::Policy").items():
        props = resolver.resolve(resource.get("Properties", {}))
        document = json.dumps(props["PolicyDocument"])
        for role in props.get("Roles", []) or []:
            iam.put_role_policy(RoleName=role, PolicyName=props.get("PolicyName", logical_id), PolicyDocument=document)
    return roles


class RoleCredentials:
    """Credentials of one role, assumed as Lambda assumes a function's execution role (for its sandboxes, and
    for its event-source pollers, which Lambda runs with the function's role too)."""

    def __init__(self, sts: Any, role_arn: str, session_name: str) -> None:
        self.sts = sts
        self.role_arn = role_arn
        self.session_name = session_name[:64]
        self._lock = threading.Lock()
        self._current: dict[str, str] = {}
        self._expires = 0.0

    def __call__(self) -> dict[str, str]:
        with self._lock:
            if time.time() > self._expires - REFRESH_BEFORE_SECONDS:
                answer = self.sts.assume_role(
                    RoleArn=self.role_arn, RoleSessionName=self.session_name, DurationSeconds=SESSION_SECONDS
                )["Credentials"]
                self._current = {
                    "AWS_ACCESS_KEY_ID": answer["AccessKeyId"],
                    "AWS_SECRET_ACCESS_KEY": answer["SecretAccessKey"],
                    "AWS_SESSION_TOKEN": answer["SessionToken"],
                }
                self._expires = time.time() + SESSION_SECONDS
            return dict(self._current)

    def client(self, service: str, endpoint: str, region: str) -> Any:
        """A boto3 client signed with this role, its credentials refreshed before they expire."""
        import boto3
        import botocore.session
        from botocore.credentials import RefreshableCredentials

        def metadata() -> dict[str, str]:
            current = self()
            expires = datetime.fromtimestamp(self._expires, UTC)
            return {
                "access_key": current["AWS_ACCESS_KEY_ID"],
                "secret_key": current["AWS_SECRET_ACCESS_KEY"],
                "token": current["AWS_SESSION_TOKEN"],
                "expiry_time": expires.isoformat(),
            }

        session = botocore.session.get_session()
        session._credentials = RefreshableCredentials.create_from_metadata(  # type: ignore[attr-defined]
            metadata=metadata(), refresh_using=metadata, method="sts-assume-role"
        )
        return boto3.Session(botocore_session=session).client(  # type: ignore[call-overload]
            service, endpoint_url=endpoint, region_name=region
        )
