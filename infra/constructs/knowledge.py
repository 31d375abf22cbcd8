"""The knowledge base: the OpenSearch Service domain its articles are searched in, the public help-center
function, and the grants of the functions that index or search.

The domain: encryption at rest with Kefu's key, node-to-node encryption, HTTPS only (TLS 1.2), fine-grained
access control with an IAM master role, and a domain policy that lets only the functions' roles make
(SigV4-signed) requests. Application, search and indexing slow logs go to an encrypted log group.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchservice as opensearch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import (
    BOT_FUNCTION,
    HELP_FUNCTION,
    MAX_RECEIVE_COUNT,
    SEARCH_SECURITY_FUNCTION,
    VISIBILITY_TIMEOUT_FACTOR,
    Context,
    LogicalIds,
)
from infra.constructs.functions import acknowledge_table_grant_wildcards
from infra.constructs.lambda_function import LOG_RETENTION, KefuFunction
from infra.nag import acknowledge, cfn_logical_id, pin_logical_id
from kefu.config import Env

KB_INDEX_ALIAS = "kefu-kb"
BOT_BATCH_SIZE = 10
# es:ESHttp* per purpose: readers search, writers index (and create the index and alias on first use)
READ_ACTIONS = ["es:ESHttpGet", "es:ESHttpPost", "es:ESHttpHead"]
WRITE_ACTIONS = [*READ_ACTIONS, "es:ESHttpPut", "es:ESHttpDelete"]


class Knowledge(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        table: dynamodb.Table,
        code: lambda_.Code,
        layers: list[lambda_.ILayerVersion],
        log_level: str,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self._code, self._layers, self._key, self._log_level = code, layers, key, log_level
        self._readers: list[iam.IRole] = []
        self._writers: list[iam.IRole] = []
        # Administers the domain's security plugin (role mappings); assumed by operators, used by no function.
        self.admin_role = iam.Role(
            self,
            "SearchAdminRole",
            assumed_by=iam.AccountRootPrincipal(),
            description="Kefu: fine-grained access master of the knowledge-base search domain",
        )
        slow_logs = logs.LogGroup(
            self, "SearchLogs", retention=LOG_RETENTION, encryption_key=key, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        self.domain = opensearch.Domain(
            self,
            "SearchDomain",
            version=opensearch.EngineVersion.OPENSEARCH_2_19,
            capacity=opensearch.CapacityConfig(
                data_nodes=2, data_node_instance_type="m6g.large.search", multi_az_with_standby_enabled=False
            ),
            zone_awareness=opensearch.ZoneAwarenessConfig(enabled=True, availability_zone_count=2),
            ebs=opensearch.EbsOptions(volume_size=20, volume_type=cdk.aws_ec2.EbsDeviceVolumeType.GP3),
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True, kms_key=key),
            node_to_node_encryption=True,
            enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            fine_grained_access_control=opensearch.AdvancedSecurityOptions(master_user_arn=self.admin_role.role_arn),
            logging=opensearch.LoggingOptions(
                app_log_enabled=True,
                app_log_group=slow_logs,
                slow_search_log_enabled=True,
                slow_search_log_group=slow_logs,
                slow_index_log_enabled=True,
                slow_index_log_group=slow_logs,
            ),
            # the log group's resource policy is written below as a plain resource (no custom-resource Lambda)
            suppress_logs_resource_policy=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # The domain policy admits the account's identities, and of those only the ones whose own policy grants
        # es:ESHttp* on this domain (the functions below): it delegates to IAM. Written on the domain resource
        # itself: the construct's access_policies would add a custom-resource Lambda to set it.
        cfn_domain = self.domain.node.default_child
        assert isinstance(cfn_domain, opensearch.CfnDomain)
        cfn_domain.access_policies = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{stack.partition}:iam::{stack.account}:root"},
                    "Action": WRITE_ACTIONS,
                    "Resource": f"arn:{stack.partition}:es:{stack.region}:{stack.account}:domain/*",
                }
            ],
        }
        logs.CfnResourcePolicy(
            self,
            "SearchLogsPolicy",
            policy_name=f"{stack.stack_name}-search-logs",
            policy_document=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "es.amazonaws.com"},
                            "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                            "Resource": "*",
                        }
                    ],
                }
            ),
        ).node.add_dependency(slow_logs)
        key.grant_encrypt_decrypt(iam.ServicePrincipal("logs.amazonaws.com"))
        self.endpoint = self.domain.domain_endpoint
        acknowledge(
            self.domain,
            "AwsSolutions-OS1",
            "The functions that search run outside a VPC (Kefu has none); every request is SigV4-signed, "
            "allowed only for the functions' roles by the domain policy and checked by fine-grained access.",
        )
        acknowledge(
            self.domain,
            "AwsSolutions-OS3",
            "No IP allow-list: Lambda has no fixed addresses; access is by IAM identity (signed requests from "
            "the functions' roles only) with fine-grained access control behind it.",
        )
        acknowledge(
            self.domain,
            "AwsSolutions-OS4",
            "Two data nodes in two zones hold a small index (thousands of articles); dedicated masters would "
            "triple the cost for a cluster this size. Add them in the domain's capacity for large installs.",
        )

        # The public help center: reads published articles and the index, counts helpful votes.
        self.help = KefuFunction(
            self,
            HELP_FUNCTION,
            code=code,
            layers=layers,
            environment={
                Env.TABLE_NAME: table.table_name,
                Env.SEARCH_ENDPOINT: self.endpoint,
                Env.KB_INDEX: KB_INDEX_ALIAS,
                Env.KB_SYNONYMS: synonyms_of(self),
            },
            log_key=key,
            log_level=log_level,
        )
        table.grant_read_data(self.help)
        table.grant(self.help, "dynamodb:UpdateItem")  # the votes counter item (ADD)
        key.grant_encrypt(self.help)
        self.grant_search(self.help, write=True)  # creates the index and alias when the domain is new
        acknowledge_table_grant_wildcards(self.help.role, table)

        # The bot: customer messages of tickets it answers come on a FIFO queue of their own (one group per
        # ticket), so ingest never waits for it and a failed decision is retried, then kept in the DLQ.
        def fifo(construct_id: str, **extra: object) -> sqs.Queue:
            return sqs.Queue(
                self,
                construct_id,
                fifo=True,
                content_based_deduplication=False,
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=key,
                data_key_reuse=cdk.Duration.minutes(5),
                enforce_ssl=True,
                **extra,  # type: ignore[arg-type]
            )

        self.bot_dlq = fifo("BotDeadLetterQueue", retention_period=cdk.Duration.days(14))
        pin_logical_id(self.bot_dlq, LogicalIds.BOT_DLQ)
        self.bot_queue = fifo(
            "BotQueue",
            visibility_timeout=cdk.Duration.seconds(BOT_FUNCTION.timeout_seconds * VISIBILITY_TIMEOUT_FACTOR),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.bot_dlq, max_receive_count=MAX_RECEIVE_COUNT),
        )
        pin_logical_id(self.bot_queue, LogicalIds.BOT_QUEUE)
        self.bot = KefuFunction(
            self,
            BOT_FUNCTION,
            code=code,
            layers=layers,
            environment={
                Env.TABLE_NAME: table.table_name,
                Env.HELP_BASE_URL: str(self.node.try_get_context(Context.HELP_BASE_URL) or ""),
            },
            log_key=key,
            log_level=log_level,
        )
        # reads the ticket and its thread; writes its reply, events and the ticket (and the queue entry)
        table.grant_read_write_data(self.bot)
        self.grant_search(self.bot, write=False)
        self.bot.add_event_source(
            sources.SqsEventSource(self.bot_queue, batch_size=BOT_BATCH_SIZE, report_batch_item_failures=True)
        )
        acknowledge_table_grant_wildcards(self.bot.role, table)
        model = str(self.node.try_get_context(Context.BOT_GENERATIVE_MODEL) or "")
        if model:  # generative answers (kefu.knowledge.generative): Converse on this one model only
            self.bot.add_environment(Env.BOT_GENERATIVE_MODEL_ID, model)
            self.bot.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["bedrock:InvokeModel"],
                    resources=[f"arn:{stack.partition}:bedrock:{stack.region}::foundation-model/{model}"],
                )
            )

    def feed_bot(self, stream: lambda_.Function) -> None:
        """The stream puts the bot's customer messages on its queue."""
        stream.add_environment(Env.BOT_QUEUE_URL, self.bot_queue.queue_url)
        self.bot_queue.grant_send_messages(stream)

    def grant_search(self, function_: lambda_.Function, *, write: bool) -> None:
        """The function may make signed requests to the domain's indexes (and learns its endpoint)."""
        function_.add_environment(Env.SEARCH_ENDPOINT, self.endpoint)
        function_.add_environment(Env.KB_INDEX, KB_INDEX_ALIAS)
        function_.add_environment(Env.KB_SYNONYMS, synonyms_of(self))
        actions = WRITE_ACTIONS if write else READ_ACTIONS
        resources = [
            self.domain.domain_arn,
            f"{self.domain.domain_arn}/{KB_INDEX_ALIAS}*",
            f"{self.domain.domain_arn}/_*",
        ]
        function_.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=resources))
        if function_.role is not None:  # and fine-grained access lets it in (map_search_roles)
            (self._writers if write else self._readers).append(function_.role)
        role = function_.role or function_
        for resource in (
            f"<{cfn_logical_id(self.domain)}.Arn>/{KB_INDEX_ALIAS}*",
            f"<{cfn_logical_id(self.domain)}.Arn>/_*",
        ):
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::{resource}]",
                "OpenSearch names indexes and APIs as paths under the domain ARN: the grant spans the knowledge "
                "base's alias and versioned indexes (reindexing creates new ones) and the read-only _ APIs "
                "(_search, _aliases, _bulk) of this one domain.",
            )

    def map_search_roles(self) -> cdk.CustomResource:
        """Search works right after ``cdk deploy``: a custom resource writes the domain's two roles (read; read
        and write, on the knowledge base's indexes only) and maps the roles of the functions granted above to
        them, as the domain's master role (kefu.knowledge.security). Call it after the last ``grant_search``."""
        stack = cdk.Stack.of(self)
        # the master role may administer the security plugin's roles and mappings, nothing else of the domain
        admin_policy = iam.Policy(
            self,
            "SearchAdminPolicy",
            statements=[
                iam.PolicyStatement(
                    actions=["es:ESHttpGet", "es:ESHttpPut", "es:ESHttpDelete"],
                    resources=[f"{self.domain.domain_arn}/_plugins/_security/api/*"],
                )
            ],
        )
        admin_policy.attach_to_role(self.admin_role)
        acknowledge(
            admin_policy,
            f"AwsSolutions-IAM5[Resource::<{cfn_logical_id(self.domain)}.Arn>/_plugins/_security/api/*]",
            "The security plugin's REST API is a path under the domain ARN: roles and role mappings of this one "
            "domain, which the master role exists to administer.",
        )
        function_ = KefuFunction(
            self,
            SEARCH_SECURITY_FUNCTION,
            code=self._code,
            layers=self._layers,
            environment={},
            log_key=self._key,
            log_level=self._log_level,
        )
        self.admin_role.grant_assume_role(function_.role)  # type: ignore[arg-type]
        resource = cdk.CustomResource(
            self,
            "SearchSecurity",
            service_token=function_.function_arn,
            resource_type="Custom::KefuSearchSecurity",
            properties={
                "Endpoint": self.endpoint,
                "Region": stack.region,
                "MasterRoleArn": self.admin_role.role_arn,
                "IndexPattern": f"{KB_INDEX_ALIAS}*",
                "ReaderRoleArns": [role.role_arn for role in self._readers],
                "WriterRoleArns": [role.role_arn for role in self._writers],
            },
        )
        resource.node.add_dependency(admin_policy)
        return resource


def synonyms_of(scope: Construct) -> str:
    value = scope.node.try_get_context(Context.KB_SYNONYMS)
    return str(value or "")
