"""Shared defaults of every Kefu Lambda function."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constants import METRICS_NAMESPACE, SERVICE_NAME, FunctionSpec
from infra.nag import acknowledge, pin_logical_id

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
# CDK context: "true" loads the X-Ray SDK in every function (a subsegment for each AWS call and handler). Off by
# default: active tracing records each invocation and its init without it, and it costs ~80 ms of every cold
# start (docs/architecture.md, "Tracing").
XRAY_SDK_CONTEXT = "kefu:xraySdk"


def tracing_environment(scope: Construct) -> dict[str, str]:
    """Nothing by default (kefu.observability keeps the SDK out); Powertools' own switch when it is wanted."""
    value = str(scope.node.try_get_context(XRAY_SDK_CONTEXT) or "false").lower()
    if value not in ("true", "false"):
        raise ValueError(f"context {XRAY_SDK_CONTEXT} must be true or false, not {value!r}")
    return {"POWERTOOLS_TRACE_DISABLED": "false"} if value == "true" else {}


class KefuFunction(lambda_.Function):
    """Python 3.13 on arm64, X-Ray tracing, Powertools settings, its own role and encrypted log group.

    Each function gets a role of its own with nothing but log writing and tracing; callers add the
    grants the function needs (``table.grant_read_write_data(fn)`` etc.).
    """

    def __init__(
        self,
        scope: Construct,
        spec: FunctionSpec,
        *,
        code: lambda_.Code,
        layers: Sequence[lambda_.ILayerVersion],
        environment: Mapping[str, str],
        log_key: kms.IKey,
        log_level: str,
    ) -> None:
        role = iam.Role(
            scope,
            f"{spec.construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Kefu {spec.folder} function",
        )
        log_group = logs.LogGroup(
            scope,
            f"{spec.construct_id}Logs",
            retention=LOG_RETENTION,
            encryption_key=log_key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        log_group.grant_write(role)
        super().__init__(
            scope,
            spec.construct_id,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=code,
            handler=spec.handler,
            layers=list(layers),
            role=role,
            timeout=cdk.Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            environment={
                "POWERTOOLS_SERVICE_NAME": f"{SERVICE_NAME}-{spec.folder.replace('_', '-')}",
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "LOG_LEVEL": log_level,
                **tracing_environment(scope),
                **environment,
            },
            description=f"Kefu {spec.folder}",
        )
        pin_logical_id(self, spec.construct_id)
        acknowledge(
            self,
            "AwsSolutions-L1",
            "Pinned to python3.13 on purpose: the dependencies layer is built for cp313 wheels and the code "
            "is tested on it; moving to a newer runtime is a deliberate upgrade, not a default.",
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions, so "
            "active tracing needs Resource '*' (CDK adds exactly these two actions).",
        )
