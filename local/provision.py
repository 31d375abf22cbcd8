"""Creating the template's resources in the emulator through the service APIs.

moto's own CloudFormation cannot deploy a CDK-synthesized template (bootstrap parameter, TableV2, assets),
so each resource type the functions rely on is created here from its template properties, IAM roles and
policies included. Functions and API routes are not created in the emulator: the local cloud runs each
function in worker processes of its own (local/runtime.py) and the gateway serves the routes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx

from local.iam import provision_roles
from local.template import ACCOUNT_ID, Resolver, physical_name, resources_of_type

log = logging.getLogger("local")
REST_API_ID = "local"  # Ref of the REST API: the id in its execute-api host, which exists only in AWS

TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")
# Logical ids of the functions CDK adds for its own custom resources (not application code).
CDK_HELPER_PREFIXES = ("Custom", "AWS679f53fac002430cb0da5b7982bd2287", "LogRetention")
KEY_NAMESPACE = uuid.UUID("6f1d3c2a-0b7e-4c55-9a61-4b0e3f1a2d10")


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    handler: str
    arn: str
    environment: dict[str, str]
    timeout_seconds: int = 3
    memory_mb: int = 128
    role_arn: str = ""
    code_dir: Path | None = None  # the synthesized code asset (Lambda's /var/task)
    layer_dirs: list[Path] = field(default_factory=list)  # the layers' assets, in the template's order
    reserved_concurrency: int | None = None


@dataclass
class Provisioned:
    """Everything the gateway, dispatchers and persistence need to know about the created resources."""

    region: str
    endpoint: str
    resolver: Resolver
    tables: dict[str, str] = field(default_factory=dict)  # logical id -> table name
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue url
    queue_arns: dict[str, str] = field(default_factory=dict)  # queue arn -> queue url
    buckets: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    user_pools: dict[str, str] = field(default_factory=dict)  # logical id -> pool id
    user_pool_clients: dict[str, str] = field(default_factory=dict)  # logical id -> client id
    kms_keys: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # logical id -> role arn
    functions: dict[str, FunctionSpec] = field(default_factory=dict)

    @property
    def user_pool_id(self) -> str:
        return next(iter(self.user_pools.values()), "")

    @property
    def user_pool_client_id(self) -> str:
        return next(iter(self.user_pool_clients.values()), "")


class Provisioner:
    def __init__(
        self,
        template: dict[str, Any],
        endpoint: str,
        region: str,
        key_secret: bytes,
        search_endpoint: str = "",
        asset_dir: Path | None = None,
    ) -> None:
        self.template = template
        self.asset_dir = asset_dir
        self.endpoint = endpoint
        self.region = region
        self.key_secret = key_secret
        self.search_endpoint = search_endpoint
        self.resolver = Resolver(template, region)
        self.result = Provisioned(region=region, endpoint=endpoint, resolver=self.resolver)

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - the emulator's fixed credentials
        )

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{resource}"

    def provision(self) -> Provisioned:
        self._register_unprovisioned()
        self._kms_keys()
        self._tables()
        self._queues()
        self._topics()
        self._buckets()
        self._user_pools()
        self._secrets()
        self.result.roles = provision_roles(self.template, self.resolver, self.client("iam"))
        self._functions()
        self._state_machines()
        self._schedules()
        return self.result

    # -- names for resources that exist only as names locally ---------------------------------------------

    def _register_unprovisioned(self) -> None:
        for logical_id, resource in self.template["Resources"].items():
            kind = resource.get("Type", "")
            name = physical_name(logical_id)
            if kind == "AWS::Lambda::Function":
                arn = self.arn("lambda", f"function:{name}")
                self.resolver.register(logical_id, name, Arn=arn)
            elif kind == "AWS::ApiGateway::RestApi":
                self.resolver.register(logical_id, REST_API_ID, RootResourceId="root")
            elif kind == "AWS::ApiGateway::Resource":
                self.resolver.register(logical_id, logical_id)
            elif kind == "AWS::ApiGateway::Stage":
                # Ref of a stage is its name, as in AWS: the stack builds its stage URL from it.
                stage = resource.get("Properties", {}).get("StageName")
                self.resolver.register(logical_id, stage if isinstance(stage, str) else name)
            elif kind == "AWS::OpenSearchService::Domain":
                # The local server speaks plain HTTP: its endpoint keeps the scheme (in AWS it is a bare host,
                # which the search client reaches over HTTPS).
                self.resolver.register(
                    logical_id, name, DomainEndpoint=self.search_endpoint, Arn=self.arn("es", f"domain/{name}")
                )
            elif kind == "AWS::CloudFront::Distribution":
                # Locally the gateway serves the SPA on its own origin; this name only fills the stack's
                # references (the API's CORS allow-list), which a same-origin SPA never needs.
                self.resolver.register(logical_id, name, DomainName=f"{name.lower()}.cloudfront.local", Id=name)
            elif kind == "AWS::StepFunctions::StateMachine":
                # Known before the roles are made: a role's policy names the state machines it may start.
                given = resource.get("Properties", {}).get("StateMachineName")
                machine = given if isinstance(given, str) else name
                arn = self.arn("states", f"stateMachine:{machine}")
                self.resolver.register(logical_id, arn, Arn=arn, Name=machine)
            elif kind == "AWS::IAM::Role":
                self.resolver.register(logical_id, name, Arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", RoleId=name)
            elif kind.startswith("AWS::") and logical_id not in self.resolver.physical:
                # Anything else (alarms, backup plans, ...) only needs a stable name if someone refers to it.
                self.resolver.register(logical_id, name, Arn=self.arn(kind.split("::")[1].lower(), name))

    # -- data ---------------------------------------------------------------------------------------------

    def _kms_keys(self) -> None:
        kms = self.client("kms")
        for logical_id, resource in resources_of_type(self.template, "AWS::KMS::Key").items():
            # Fixed id and material (derived from a secret kept in the state dir) so that ciphertexts
            # stored before a restart still decrypt after it. No KMS API sets either: the emulator's
            # control call does.
            key_id = str(uuid.uuid5(KEY_NAMESPACE, logical_id))
            httpx.post(
                f"{self.endpoint}/_kefu/kms/fixed-key",
                json={
                    "account": ACCOUNT_ID,
                    "region": self.region,
                    "key_id": key_id,
                    "material": hashlib.sha256(self.key_secret + logical_id.encode()).hexdigest(),
                    "description": resource.get("Properties", {}).get("Description", ""),
                },
                timeout=30,
            ).raise_for_status()
            arn = f"arn:aws:kms:{self.region}:{ACCOUNT_ID}:key/{key_id}"
            self.resolver.register(logical_id, key_id, Arn=arn, KeyId=key_id)
            self.result.kms_keys[logical_id] = key_id
        for logical_id, resource in resources_of_type(self.template, "AWS::KMS::Alias").items():
            props = self.resolver.resolve(resource.get("Properties", {}))
            alias = props.get("AliasName") or f"alias/{physical_name(logical_id)}"
            target = props.get("TargetKeyId", "").rsplit("/", 1)[-1]
            if target:
                kms.create_alias(AliasName=alias, TargetKeyId=target)
            self.resolver.register(logical_id, alias)

    def _tables(self) -> None:
        dynamodb = self.client("dynamodb")
        for kind in TABLE_TYPES:
            for logical_id, resource in resources_of_type(self.template, kind).items():
                props = resource.get("Properties", {})
                name = self.resolver.resolve(props.get("TableName")) or physical_name(logical_id, max_length=255)
                request: dict[str, Any] = {
                    "TableName": name,
                    "KeySchema": props["KeySchema"],
                    "AttributeDefinitions": props["AttributeDefinitions"],
                    "BillingMode": "PAY_PER_REQUEST",
                }
                indexes = [
                    {
                        "IndexName": index["IndexName"],
                        "KeySchema": index["KeySchema"],
                        "Projection": index.get("Projection", {"ProjectionType": "ALL"}),
                    }
                    for index in props.get("GlobalSecondaryIndexes", [])
                ]
                if indexes:
                    request["GlobalSecondaryIndexes"] = indexes
                local_indexes = props.get("LocalSecondaryIndexes")
                if local_indexes:
                    request["LocalSecondaryIndexes"] = local_indexes
                stream = props.get("StreamSpecification")
                if stream:
                    request["StreamSpecification"] = {
                        "StreamEnabled": True,
                        "StreamViewType": stream["StreamViewType"],
                    }
                created = dynamodb.create_table(**request)["TableDescription"]
                ttl = props.get("TimeToLiveSpecification")
                if ttl and ttl.get("Enabled", True):
                    dynamodb.update_time_to_live(
                        TableName=name,
                        TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
                    )
                attrs = {"Arn": created["TableArn"]}
                if "LatestStreamArn" in created:
                    attrs["StreamArn"] = created["LatestStreamArn"]
                self.resolver.register(logical_id, name, **attrs)
                self.result.tables[logical_id] = name

    def _queues(self) -> None:
        sqs = self.client("sqs")
        queues = resources_of_type(self.template, "AWS::SQS::Queue")
        # Names and ARNs first: a redrive policy points at its DLQ by ARN.
        for logical_id, resource in queues.items():
            props = resource.get("Properties", {})
            fifo = bool(props.get("FifoQueue"))
            name = props.get("QueueName") or physical_name(logical_id, suffix=".fifo" if fifo else "")
            arn = self.arn("sqs", name)
            url = f"{self.endpoint}/{ACCOUNT_ID}/{name}"
            self.resolver.register(logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)
        pending = dict(queues)
        while pending:  # DLQs before the queues that redrive to them
            progressed = False
            for logical_id, resource in list(pending.items()):
                props = resource.get("Properties", {})
                depends = {ref for ref in _refs(props.get("RedrivePolicy", {})) if ref in pending and ref != logical_id}
                if depends:
                    continue
                self._create_queue(sqs, logical_id, self.resolver.resolve(props))
                del pending[logical_id]
                progressed = True
            if not progressed:
                raise ValueError(f"queues redrive in a cycle: {sorted(pending)}")

    def _create_queue(self, sqs: Any, logical_id: str, props: dict[str, Any]) -> None:
        name = self.resolver.get_att(logical_id, "QueueName")
        attributes: dict[str, str] = {}
        for prop, attribute in (
            ("FifoQueue", "FifoQueue"),
            ("ContentBasedDeduplication", "ContentBasedDeduplication"),
            ("VisibilityTimeout", "VisibilityTimeout"),
            ("MessageRetentionPeriod", "MessageRetentionPeriod"),
            ("DelaySeconds", "DelaySeconds"),
            ("ReceiveMessageWaitTimeSeconds", "ReceiveMessageWaitTimeSeconds"),
            ("DeduplicationScope", "DeduplicationScope"),
            ("FifoThroughputLimit", "FifoThroughputLimit"),
        ):
            if prop in props:
                value = props[prop]
                attributes[attribute] = str(value).lower() if isinstance(value, bool) else str(value)
        if "RedrivePolicy" in props:
            policy = props["RedrivePolicy"]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": policy["deadLetterTargetArn"], "maxReceiveCount": policy["maxReceiveCount"]}
            )
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self.result.queues[logical_id] = url
        self.result.queue_arns[self.resolver.get_att(logical_id, "Arn")] = url

    def _topics(self) -> None:
        sns = self.client("sns")
        for logical_id, resource in resources_of_type(self.template, "AWS::SNS::Topic").items():
            props = resource.get("Properties", {})
            fifo = bool(props.get("FifoTopic"))
            name = props.get("TopicName") or physical_name(logical_id, max_length=256, suffix=".fifo" if fifo else "")
            attributes = {"FifoTopic": "true"} if fifo else {}
            arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
            self.resolver.register(logical_id, arn, TopicName=name, TopicArn=arn)
            self.result.topics[logical_id] = arn

    def _buckets(self) -> None:
        s3 = self.client("s3")
        for logical_id, resource in resources_of_type(self.template, "AWS::S3::Bucket").items():
            props = resource.get("Properties", {})
            name = props.get("BucketName") or physical_name(logical_id, max_length=63, lowercase=True)
            s3.create_bucket(Bucket=name)
            self.resolver.register(
                logical_id,
                name,
                Arn=f"arn:aws:s3:::{name}",
                DomainName=f"{name}.s3.amazonaws.com",
                RegionalDomainName=f"{name}.s3.{self.region}.amazonaws.com",
                WebsiteURL=f"http://{name}.s3-website-{self.region}.amazonaws.com",
            )
            self.result.buckets[logical_id] = name

    # -- identity -----------------------------------------------------------------------------------------

    def _user_pools(self) -> None:
        cognito = self.client("cognito-idp")
        for logical_id, resource in resources_of_type(self.template, "AWS::Cognito::UserPool").items():
            props = resource.get("Properties", {})
            request: dict[str, Any] = {"PoolName": props.get("UserPoolName") or physical_name(logical_id)}
            for prop in ("UsernameAttributes", "AliasAttributes", "AutoVerifiedAttributes", "Policies"):
                if prop in props:
                    request[prop] = props[prop]
            pool = cognito.create_user_pool(**request)["UserPool"]
            if props.get("MfaConfiguration", "OFF") != "OFF":  # OPTIONAL or ON, with TOTP when EnabledMfas says so
                cognito.set_user_pool_mfa_config(
                    UserPoolId=pool["Id"],
                    MfaConfiguration=props["MfaConfiguration"],
                    SoftwareTokenMfaConfiguration={"Enabled": "SOFTWARE_TOKEN_MFA" in props.get("EnabledMfas", [])},
                )
            self.resolver.register(
                logical_id,
                pool["Id"],
                Arn=pool["Arn"],
                ProviderName=f"cognito-idp.{self.region}.amazonaws.com/{pool['Id']}",
                ProviderURL=f"https://cognito-idp.{self.region}.amazonaws.com/{pool['Id']}",
                UserPoolId=pool["Id"],
            )
            self.result.user_pools[logical_id] = pool["Id"]
        for logical_id, resource in resources_of_type(self.template, "AWS::Cognito::UserPoolClient").items():
            props = self.resolver.resolve(resource.get("Properties", {}))
            flows = set(props.get("ExplicitAuthFlows", [])) | {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
            client = cognito.create_user_pool_client(
                UserPoolId=props["UserPoolId"],
                ClientName=props.get("ClientName") or physical_name(logical_id),
                ExplicitAuthFlows=sorted(flows),
                GenerateSecret=False,
            )["UserPoolClient"]
            self.resolver.register(logical_id, client["ClientId"], ClientId=client["ClientId"])
            self.result.user_pool_clients[logical_id] = client["ClientId"]
        for logical_id, resource in resources_of_type(self.template, "AWS::Cognito::UserPoolGroup").items():
            props = self.resolver.resolve(resource.get("Properties", {}))
            group_name = props.get("GroupName") or physical_name(logical_id)
            request = {"UserPoolId": props["UserPoolId"], "GroupName": group_name}
            if "Precedence" in props:
                request["Precedence"] = int(props["Precedence"])
            if props.get("Description"):
                request["Description"] = props["Description"]
            cognito.create_group(**request)
            self.resolver.register(logical_id, group_name)

    def _secrets(self) -> None:
        secrets = self.client("secretsmanager")
        for logical_id, resource in resources_of_type(self.template, "AWS::SecretsManager::Secret").items():
            props = self.resolver.resolve(resource.get("Properties", {}))
            name = props.get("Name") or physical_name(logical_id)
            value = props.get("SecretString")
            if value is None:
                value = hashlib.sha256(self.key_secret + logical_id.encode()).hexdigest()
            request = {"Name": name, "SecretString": value}
            if props.get("KmsKeyId"):
                request["KmsKeyId"] = props["KmsKeyId"]  # reading it then needs kms:Decrypt on that key
            arn = secrets.create_secret(**request)["ARN"]
            self.resolver.register(logical_id, arn, Id=arn)

    # -- compute ------------------------------------------------------------------------------------------

    def _functions(self) -> None:
        for logical_id, resource in resources_of_type(self.template, "AWS::Lambda::Function").items():
            props = resource.get("Properties", {})
            if "Handler" not in props or not props.get("Runtime", "").startswith("python"):
                continue
            if logical_id.startswith(CDK_HELPER_PREFIXES):
                continue  # CDK's own custom-resource providers (bucket deployment, ...) have nothing to do here
            env = self.resolver.resolve(props.get("Environment", {}).get("Variables", {}))
            name = self.resolver.ref(logical_id)
            reserved = props.get("ReservedConcurrentExecutions")
            self.result.functions[logical_id] = FunctionSpec(
                logical_id=logical_id,
                name=name,
                handler=props["Handler"],
                arn=self.resolver.get_att(logical_id, "Arn"),
                environment={key: str(value) for key, value in env.items()},
                timeout_seconds=int(props.get("Timeout", 3)),
                memory_mb=int(props.get("MemorySize", 128)),
                role_arn=str(self.resolver.resolve(props.get("Role", ""))),
                code_dir=self._asset(props.get("Code", {}), resource),
                layer_dirs=[
                    path for layer in props.get("Layers", []) if (path := self._layer_asset(layer)) is not None
                ],
                reserved_concurrency=int(reserved) if reserved is not None else None,
            )

    def _asset(self, code: dict[str, Any], resource: dict[str, Any]) -> Path | None:
        """The folder cdk.out staged for an asset (``S3Key`` ``<hash>.zip`` is ``asset.<hash>/``)."""
        if self.asset_dir is None:
            return None
        staged = resource.get("Metadata", {}).get("aws:asset:path")
        if isinstance(staged, str):
            return self.asset_dir / staged
        key = code.get("S3Key")
        if isinstance(key, str) and key.endswith(".zip"):
            return self.asset_dir / f"asset.{key.removesuffix('.zip')}"
        return None

    def _layer_asset(self, layer: Any) -> Path | None:
        logical_id = layer.get("Ref") if isinstance(layer, dict) else None
        resource = self.template["Resources"].get(logical_id or "")
        if resource is None or resource.get("Type") != "AWS::Lambda::LayerVersion":
            log.warning("layer %s is not a layer of this template; not available locally", layer)
            return None
        return self._asset(resource.get("Properties", {}).get("Content", {}), resource)

    def _state_machines(self) -> None:
        sfn = self.client("stepfunctions")
        for logical_id, resource in resources_of_type(self.template, "AWS::StepFunctions::StateMachine").items():
            props = resource.get("Properties", {})
            name = self.resolver.resolve(props.get("StateMachineName")) or physical_name(logical_id)
            arn = self.arn("states", f"stateMachine:{name}")
            self.resolver.register(logical_id, arn, Arn=arn, Name=name)
            definition = props.get("DefinitionString")
            if definition is None and "Definition" in props:
                definition = json.dumps(props["Definition"])
            if definition is None:
                continue
            try:
                resolved = self.resolver.resolve(definition)
                sfn.create_state_machine(
                    name=name,
                    definition=resolved if isinstance(resolved, str) else json.dumps(resolved),
                    # the template's role: its tasks call as it (local/emulator_patches.py)
                    roleArn=str(
                        self.resolver.resolve(props.get("RoleArn")) or f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"
                    ),
                )
            except Exception:  # a workflow that cannot be created must not stop the rest of the cloud
                log.exception("state machine %s was not created", logical_id)

    def _schedules(self) -> None:
        """Schedule groups and schedules through the Scheduler API; the emulator fires them (local/scheduler.py)."""
        scheduler = self.client("scheduler")
        for logical_id, resource in resources_of_type(self.template, "AWS::Scheduler::ScheduleGroup").items():
            name = self.resolver.resolve(resource.get("Properties", {}).get("Name")) or physical_name(logical_id)
            arn = scheduler.create_schedule_group(Name=name)["ScheduleGroupArn"]
            self.resolver.register(logical_id, name, Arn=arn)
        for logical_id, resource in resources_of_type(self.template, "AWS::Scheduler::Schedule").items():
            props = self.resolver.resolve(resource.get("Properties", {}))
            name = props.get("Name") or physical_name(logical_id, max_length=64)
            request: dict[str, Any] = {
                "Name": name,
                "ScheduleExpression": props["ScheduleExpression"],
                "FlexibleTimeWindow": props.get("FlexibleTimeWindow", {"Mode": "OFF"}),
                "Target": props["Target"],
            }
            for prop in (
                "GroupName",
                "Description",
                "ScheduleExpressionTimezone",
                "State",
                "StartDate",
                "EndDate",
                "KmsKeyArn",
                "ActionAfterCompletion",
            ):
                if props.get(prop) not in (None, ""):
                    request[prop] = props[prop]
            try:
                arn = scheduler.create_schedule(**request)["ScheduleArn"]
            except Exception:  # as CloudFormation would, name the schedule that cannot be created
                log.exception("schedule %s was not created", logical_id)
                continue
            self.resolver.register(logical_id, name, Arn=arn)


def _refs(value: Any) -> set[str]:
    from local.template import referenced_logical_ids

    return referenced_logical_ids(value)
