"""The six Lambda functions, their layers, least-privilege grants and event sources."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import ArnFormat, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IConstruct

from infra.bytecode import LEFTOVERS, staged
from infra.constants import (
    AGENT_API_FUNCTION,
    ASSET_BUILD_DIR,
    DEPS_LAYER_DIR,
    FUNCTIONS_ASSET_DIR,
    INGEST_FUNCTION,
    KEFU_LAYER_DIR,
    MEDIA_FUNCTION,
    OUTBOUND_FUNCTION,
    ROUTING_FUNCTION,
    STREAM_FUNCTION,
    WEBHOOKS_FUNCTION,
    FunctionSpec,
)
from infra.constructs.lambda_function import ARCHITECTURE, RUNTIME, KefuFunction
from infra.constructs.media import SES_INBOUND_PREFIX
from infra.constructs.queues import Queues
from infra.nag import acknowledge, cfn_logical_id
from kefu.config import SECRETS_PREFIX, Env
from kefu.store.keys import COUNTER, CSAT, NOTIFICATION, TICKET

# build leftovers never ship (the host's bytecode, an editable install's egg-info); the runtime's bytecode is
# compiled into a staged copy of each folder (infra.bytecode)
ASSET_EXCLUDES = [f"**/{pattern}" for pattern in LEFTOVERS]
SQS_BATCH_SIZE = 10
STREAM_BATCH_SIZE = 100
STREAM_RETRY_ATTEMPTS = 5
# one download per invocation: a slow provider holds up no other file, and the timeout is the file's alone
MEDIA_BATCH_SIZE = 1


def _code_with_bytecode(source: Path, lambda_path: str) -> lambda_.Code:
    """An asset of ``source`` with the runtime's bytecode compiled in (``lambda_path``: where Lambda puts it)."""
    folder = staged(source, ASSET_BUILD_DIR, lambda_path)
    return lambda_.Code.from_asset(str(folder), exclude=[] if folder != source else ASSET_EXCLUDES)


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.Table,
        queues: Queues,
        user_pool_id: str,
        key: kms.IKey,
        media_bucket: s3.IBucket,
        log_level: str,
        allowed_origins: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        if not (DEPS_LAYER_DIR / "python").is_dir():
            raise FileNotFoundError(f"{DEPS_LAYER_DIR}/python is missing: run `make build`")
        layers = [
            lambda_.LayerVersion(
                self,
                "KefuLayer",
                code=_code_with_bytecode(KEFU_LAYER_DIR, "/opt"),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
                description="Kefu shared package (kefu)",
            ),
            lambda_.LayerVersion(
                self,
                "DependenciesLayer",
                # The build stamp is for build.py only, not for /opt on Lambda.
                # (layers/deps/build.py compiles its bytecode)
                code=lambda_.Code.from_asset(str(DEPS_LAYER_DIR), exclude=[".requirements.sha256"]),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
                description="Third-party packages (Powertools, pydantic) for python3.13 arm64",
            ),
        ]
        # One asset for all functions: each handler string picks its own package in functions/.
        code = _code_with_bytecode(FUNCTIONS_ASSET_DIR, "/var/task")
        # for the functions other constructs own (the SLA workflow's, the knowledge base's)
        self.code = code
        self.layers: list[lambda_.ILayerVersion] = list(layers)

        def function(spec: FunctionSpec, extra_environment: dict[str, str]) -> KefuFunction:
            return KefuFunction(
                self,
                spec,
                code=code,
                layers=layers,
                environment={Env.TABLE_NAME: table.table_name, **extra_environment},
                log_key=key,
                log_level=log_level,
            )

        # Inbox credentials: Secrets Manager under one prefix, encrypted with Kefu's key.
        secrets_env = {Env.SECRETS_PREFIX: SECRETS_PREFIX, Env.SECRETS_KMS_KEY_ID: key.key_arn}
        media_env = {Env.MEDIA_BUCKET: media_bucket.bucket_name}
        # The HMAC key of list cursors (kefu.cursor): generated at deploy, readable only by the two functions
        # that hand out cursors (agent API lists, web-chat conversations).
        self.cursor_key = secretsmanager.Secret(
            self,
            "CursorKey",
            description="Kefu: key for signing list cursors (generated; rotate by changing the value)",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
        )
        acknowledge(
            self.cursor_key,
            "AwsSolutions-SMG4",
            "The value only signs list cursors, which live for one browsing session; changing it by hand "
            "(put-secret-value) merely sends clients holding an old cursor back to the first page. No "
            "rotation Lambda is worth its cost and permissions for that.",
        )
        cursor_env = {Env.CURSOR_KEY_SECRET_ARN: self.cursor_key.secret_arn}
        secret_arns = Stack.of(self).format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{SECRETS_PREFIX}*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

        self.webhooks = function(
            WEBHOOKS_FUNCTION,
            {Env.INBOUND_QUEUE_URL: queues.inbound.queue_url, **secrets_env, **media_env, **cursor_env},
        )
        self.cursor_key.grant_read(self.webhooks)
        # emails that arrive inline through SNS are kept whole so their attachments can be fetched later
        allow_objects(self.webhooks, media_bucket, "s3:PutObject", "raw-email/*")
        # mail over SNS's size limit arrives through SES's S3 action: the webhook reads it from there
        allow_objects(self.webhooks, media_bucket, "s3:GetObject", f"{SES_INBOUND_PREFIX}*")
        # web-chat customers' uploads go under their ticket (media/); the widget's links to the conversation's
        # files are presigned with this role
        allow_objects(self.webhooks, media_bucket, "s3:PutObject", "media/*")
        allow_objects(self.webhooks, media_bucket, "s3:GetObject", "media/*")
        table.grant_read_write_data(self.webhooks)
        queues.inbound.grant_send_messages(self.webhooks)

        # reads inbox credentials to ask a channel what its delivery lacks (WeChat unionid)
        self.ingest = function(INGEST_FUNCTION, dict(secrets_env))
        table.grant_read_write_data(self.ingest)
        self.ingest.add_event_source(
            sources.SqsEventSource(queues.inbound, batch_size=SQS_BATCH_SIZE, report_batch_item_failures=True)
        )

        # the stream mostly queues work: replies for the outbound function, files for the media function
        self.stream = function(
            STREAM_FUNCTION,
            {
                Env.OUTBOUND_QUEUE_URL: queues.outbound.queue_url,
                Env.MEDIA_QUEUE_URL: queues.media.queue_url,
                Env.ROUTING_QUEUE_URL: queues.routing.queue_url,
            },
        )
        table.grant_read_data(self.stream)
        # the live figures' counters (kefu.store.routing): UpdateItem on counter items only, nothing else
        self.stream.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:UpdateItem"],
                resources=[table.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{COUNTER}*"]}},
            )
        )
        # the satisfaction survey (kefu.services.csat): the survey under its token's hash (CSAT#), its marker and
        # the message carrying the link in the ticket's partition; a bad rating's follow-up (the ticket's tag, its
        # internal note and event) and the supervisors' notifications (NOTIFY#). Puts only, on those partitions.
        self.stream.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:PutItem"],
                resources=[table.table_arn],
                conditions={
                    "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{TICKET}*", f"{CSAT}*", f"{NOTIFICATION}*"]}
                },
            )
        )
        key.grant_encrypt(self.stream)  # the table's key: the counter and survey writes are encrypted with it
        queues.outbound.grant_send_messages(self.stream)
        queues.media.grant_send_messages(self.stream)
        queues.routing.grant_send_messages(self.stream)  # routing's work: decide now, check later
        self.stream.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=STREAM_BATCH_SIZE,
                bisect_batch_on_error=True,
                retry_attempts=STREAM_RETRY_ATTEMPTS,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(queues.stream_dlq),
            )
        )

        self.agent_api = function(
            AGENT_API_FUNCTION,
            {
                Env.USER_POOL_ID: user_pool_id,
                Env.OUTBOUND_QUEUE_URL: queues.outbound.queue_url,
                Env.ALLOWED_ORIGINS: ",".join(allowed_origins),
                **secrets_env,
                **media_env,
                **cursor_env,
            },
        )
        self.cursor_key.grant_read(self.agent_api)
        table.grant_read_write_data(self.agent_api)
        # presigned links to stored media are signed with this role
        allow_objects(self.agent_api, media_bucket, "s3:GetObject", "media/*")
        # agents' attachments to replies are stored under their ticket (media/)
        allow_objects(self.agent_api, media_bucket, "s3:PutObject", "media/*")
        # Admins create and rotate inbox credentials; reading the current ones lets a partial update merge.
        self.agent_api.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "secretsmanager:CreateSecret",
                    "secretsmanager:PutSecretValue",
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:DescribeSecret",
                    "secretsmanager:TagResource",
                ],
                resources=[secret_arns],
            )
        )
        key.grant_encrypt_decrypt(self.agent_api)
        # saving an email inbox asks SES to verify its address (replies can only come from verified ones)
        self.agent_api.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ses:VerifyEmailIdentity"],
                resources=[Stack.of(self).format_arn(service="ses", resource="identity", resource_name="*")],
            )
        )

        # fetches inbound files from the providers into media/ (email attachments from the stored raw mail);
        # reads the message and the inbox, and updates the message's attachments (or records media_failed)
        self.media = function(MEDIA_FUNCTION, {**secrets_env, **media_env})
        table.grant_read_data(self.media)
        table.grant(self.media, "dynamodb:UpdateItem", "dynamodb:PutItem")
        key.grant_encrypt(self.media)  # the table's key: the writes above are encrypted with it
        allow_objects(self.media, media_bucket, "s3:PutObject", "media/*")
        allow_objects(self.media, media_bucket, "s3:GetObject", "raw-email/*")
        allow_objects(self.media, media_bucket, "s3:GetObject", f"{SES_INBOUND_PREFIX}*")
        self.media.add_event_source(
            sources.SqsEventSource(queues.media, batch_size=MEDIA_BATCH_SIZE, report_batch_item_failures=True)
        )

        self.outbound = function(OUTBOUND_FUNCTION, {**secrets_env, **media_env})
        # a reply's files leave as presigned links on channels that take links: signed with this role
        allow_objects(self.outbound, media_bucket, "s3:GetObject", "media/*")
        table.grant_read_write_data(self.outbound)
        # replies to email leave through SES
        self.outbound.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ses:SendRawEmail"],
                resources=[Stack.of(self).format_arn(service="ses", resource="identity", resource_name="*")],
            )
        )
        for ses_user in (self.outbound, self.agent_api):
            acknowledge(
                role_of(ses_user),
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:{region_of(self)}:{account_of(self)}:identity/*]",
                "Each email inbox sends from its own address, verified when an admin saves the inbox; the "
                "grant spans this account's SES identities in this region, which only inbox addresses use.",
            )
        for reader in (self.webhooks, self.outbound, self.media, self.ingest):
            reader.add_to_role_policy(
                iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret_arns])
            )
            key.grant_decrypt(reader)
        self.outbound.add_event_source(
            sources.SqsEventSource(queues.outbound, batch_size=SQS_BATCH_SIZE, report_batch_item_failures=True)
        )

        # assigns what waits (the claim writes the ticket, its event, the queue, the agent's profile and pool) and
        # runs routing's timers; re-delays a check that is further away than SQS's 15-minute delay
        self.routing = function(ROUTING_FUNCTION, {Env.ROUTING_QUEUE_URL: queues.routing.queue_url})
        table.grant_read_write_data(self.routing)
        queues.routing.grant_send_messages(self.routing)
        self.routing.add_event_source(
            sources.SqsEventSource(queues.routing, batch_size=SQS_BATCH_SIZE, report_batch_item_failures=True)
        )

        self.all: tuple[KefuFunction, ...] = (
            self.webhooks,
            self.ingest,
            self.stream,
            self.agent_api,
            self.outbound,
            self.media,
            self.routing,
        )
        for function_ in self.all:
            acknowledge_table_grant_wildcards(function_.role, table)
        region, account = region_of(self), account_of(self)
        for function_ in (self.webhooks, self.outbound, self.agent_api, self.media, self.ingest):
            acknowledge(
                role_of(function_),
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:{region}:{account}:"
                f"secret:{SECRETS_PREFIX}*]",
                "Each inbox has its own secret named after the inbox, created at run time by admins; the "
                "wildcard is limited to Kefu's inbox-credentials prefix in this account and region.",
            )


def acknowledge_table_grant_wildcards(grantee: IConstruct | None, table: dynamodb.Table) -> None:
    """Wildcards that ``table.grant_read_write_data`` writes, scoped to this one table and its key."""
    if grantee is None:
        raise ValueError("a Kefu function always has its own role")
    acknowledge(
        grantee,
        f"AwsSolutions-IAM5[Resource::<{cfn_logical_id(table)}.Arn>/index/*]",
        "Queries on the table's global secondary indexes (GSI1-GSI3) need their index ARNs; the wildcard "
        "only spans the indexes of this one table.",
    )
    for action in ("kms:ReEncrypt*", "kms:GenerateDataKey*"):
        acknowledge(
            grantee,
            f"AwsSolutions-IAM5[Action::{action}]",
            f"{action} is part of the encrypt/decrypt grant CDK gives for the table and queue key; the "
            "statement is limited to Kefu's one customer-managed key.",
        )


def region_of(scope: Construct) -> str:
    """The region as nag names resources: concrete where the stack's environment is, a token otherwise."""
    stack = Stack.of(scope)
    return "<AWS::Region>" if Token.is_unresolved(stack.region) else stack.region


def account_of(scope: Construct) -> str:
    stack = Stack.of(scope)
    return "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account


def allow_objects(function_: KefuFunction, bucket: s3.IBucket, action: str, prefix: str) -> None:
    """One S3 object action on one prefix of the bucket (narrower than the CDK grant helpers)."""
    function_.add_to_role_policy(iam.PolicyStatement(actions=[action], resources=[bucket.arn_for_objects(prefix)]))
    if bucket.encryption_key is not None:
        if action == "s3:GetObject":
            bucket.encryption_key.grant_decrypt(function_)
        else:
            bucket.encryption_key.grant_encrypt(function_)
    acknowledge(
        role_of(function_),
        f"AwsSolutions-IAM5[Resource::<{cfn_logical_id(bucket)}.Arn>/{prefix}]",
        f"Objects are keyed per ticket and message under {prefix.rstrip('*')}; the grant is {action} on that "
        "one prefix of the media bucket.",
    )


def role_of(function_: KefuFunction) -> IConstruct:
    if function_.role is None:
        raise ValueError("a Kefu function always has its own role")
    return function_.role
