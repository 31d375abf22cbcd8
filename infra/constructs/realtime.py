"""Real time for the agent app: an API Gateway WebSocket API, its connections in the table, pushes from the stream.

``$connect`` is authorized in the connections function itself (kefu.idtoken), not by a Lambda authorizer: the
function must read the agent's profile (teams, roles) to store the connection's audiences anyway, so one
invocation checks the token and stores it, and a refused token leaves nothing behind. The push function reads
the table's stream on its own event source mapping, filtered to the items that push (tickets, messages,
agents), and may post only to this API's connections.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import API_STAGE, REALTIME_FUNCTION, REALTIME_PUSH_FUNCTION, FunctionSpec, LogicalIds
from infra.constructs.functions import account_of, acknowledge_table_grant_wildcards, region_of, role_of
from infra.constructs.lambda_function import LOG_RETENTION, KefuFunction
from infra.nag import acknowledge, pin_logical_id
from kefu.config import Env
from kefu.services.realtime import PUSHED_ENTITIES
from kefu.store.keys import AGENT, TICKET, WS_AUDIENCE, WS_CONNECTION

PUSH_BATCH_SIZE = 100
PUSH_RETRY_ATTEMPTS = 3
ROUTE_REASON = (
    "API Gateway WebSocket routes take IAM or a Lambda authorizer only on $connect; $connect is authorized by the "
    "connections function itself, which verifies the Cognito ID token against the user pool's keys and refuses "
    "(401, nothing stored) otherwise. $disconnect and $default are reachable only on a connection that passed."
)


def _leading_keys(prefixes: list[str]) -> dict[str, object]:
    return {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{prefix}*" for prefix in prefixes]}}


class Realtime(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.Table,
        key: kms.IKey,
        code: lambda_.Code,
        layers: list[lambda_.ILayerVersion],
        user_pool_id: str,
        user_pool_client_id: str,
        stream_dlq: sqs.IQueue,
        log_level: str,
    ) -> None:
        super().__init__(scope, construct_id)

        def function(spec: FunctionSpec, environment: dict[str, str]) -> KefuFunction:
            return KefuFunction(
                self,
                spec,
                code=code,
                layers=layers,
                environment={Env.TABLE_NAME: table.table_name, **environment},
                log_key=key,
                log_level=log_level,
            )

        self.connections = function(
            REALTIME_FUNCTION, {Env.USER_POOL_ID: user_pool_id, Env.USER_POOL_CLIENT_ID: user_pool_client_id}
        )
        # the agent's profile (teams) and its own connection items; writes only to the connection partitions
        self.connections.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem"],
                resources=[table.table_arn],
                conditions=_leading_keys([AGENT, WS_CONNECTION]),
            )
        )
        self.connections.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:PutItem", "dynamodb:DeleteItem"],
                resources=[table.table_arn],
                conditions=_leading_keys([WS_CONNECTION, WS_AUDIENCE]),
            )
        )
        key.grant_encrypt_decrypt(self.connections)

        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            api_name="kefu-realtime",
            description="Kefu: pushes to the agent app (WebSocket)",
            connect_route_options=apigwv2.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration("ConnectIntegration", self.connections)
            ),
            disconnect_route_options=apigwv2.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration("DisconnectIntegration", self.connections)
            ),
            default_route_options=apigwv2.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration("DefaultIntegration", self.connections),
            ),
        )
        pin_logical_id(self.api, LogicalIds.REALTIME_API)
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=LOG_RETENTION,
            encryption_key=key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=API_STAGE,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=100, burst_limit=200),
        )
        stage = self.stage.node.default_child
        assert isinstance(stage, apigwv2.CfnStage)
        # who connected when, and how it ended (no headers: the token travels in Sec-WebSocket-Protocol)
        stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn,
            format=(
                '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
                '"requestTime":"$context.requestTime","routeKey":"$context.routeKey",'
                '"status":"$context.status","connectionId":"$context.connectionId",'
                '"eventType":"$context.eventType","error":"$context.integrationErrorMessage"}'
            ),
        )
        for route in self.api.node.find_all():
            if isinstance(route, apigwv2.CfnRoute):
                acknowledge(route, "AwsSolutions-APIG4", ROUTE_REASON)
        # wss://<api id>.execute-api.<region>.amazonaws.com/<stage>: the app connects here, pushes post to its
        # Management API (https://, the same host and stage)
        self.url = cdk.Fn.join("", [self.api.api_endpoint, "/", API_STAGE])

        self.push = function(REALTIME_PUSH_FUNCTION, {Env.REALTIME_URL: self.url})
        self.stage.grant_management_api_access(self.push)
        # the tickets of a batch's messages (their assignee and team: one BatchGetItem a batch, a GetItem for a
        # ticket outside it), the recipients' connections, gone connections deleted
        self.push.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"],
                resources=[table.table_arn],
                conditions=_leading_keys([TICKET, WS_CONNECTION, WS_AUDIENCE]),
            )
        )
        self.push.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:DeleteItem"],
                resources=[table.table_arn],
                conditions=_leading_keys([WS_CONNECTION, WS_AUDIENCE]),
            )
        )
        key.grant_decrypt(self.push)
        self.push.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.LATEST,  # a push about the past helps nobody
                batch_size=PUSH_BATCH_SIZE,
                max_batching_window=cdk.Duration.seconds(0),
                bisect_batch_on_error=True,
                retry_attempts=PUSH_RETRY_ATTEMPTS,
                max_record_age=cdk.Duration.minutes(5),
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(stream_dlq),
                filters=[
                    lambda_.FilterCriteria.filter(
                        {"dynamodb": {"NewImage": {"entity": {"S": lambda_.FilterRule.or_(*PUSHED_ENTITIES)}}}}
                    )
                ],
            )
        )
        for function_ in (self.connections, self.push):
            acknowledge_table_grant_wildcards(function_.role, table)
        acknowledge(
            role_of(self.push),
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:{region_of(self)}:{account_of(self)}:"
            f"<{LogicalIds.REALTIME_API}>/{API_STAGE}/*/@connections/*]",
            "Posting to a connection names the connection id, which API Gateway makes up at $connect; the grant "
            "is ManageConnections on this one WebSocket API's stage only.",
        )
