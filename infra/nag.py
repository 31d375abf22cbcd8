"""cdk-nag acknowledgements: every finding we accept is written down here or next to the resource."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Accept one cdk-nag finding (``AwsSolutions-XX`` or ``AwsSolutions-XX[finding]``) on scope and below."""
    if len(reason.split()) < 6:
        raise ValueError(f"acknowledging {rule_id} needs a real reason, got {reason!r}")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))


def cfn_logical_id(element: IConstruct) -> str:
    """The logical id cdk-nag prints for a resource (its findings name ``<LogicalId.Arn>``)."""
    cfn = element if isinstance(element, cdk.CfnElement) else element.node.default_child
    if not isinstance(cfn, cdk.CfnElement):
        raise TypeError(f"{element.node.path} has no CloudFormation resource")
    return str(cdk.Stack.of(cfn).resolve(cfn.logical_id))


def pin_logical_id(element: IConstruct, logical_id: str) -> None:
    cfn = element if isinstance(element, cdk.CfnElement) else element.node.default_child
    if not isinstance(cfn, cdk.CfnElement):
        raise TypeError(f"{element.node.path} has no CloudFormation resource")
    cfn.override_logical_id(logical_id)
