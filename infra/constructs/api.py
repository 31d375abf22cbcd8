"""The REST API: public webhook/chat/form/help routes and the Cognito-protected agent API."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constants import API_NAME, API_STAGE, LogicalIds
from infra.constructs.lambda_function import LOG_RETENTION
from infra.nag import acknowledge, pin_logical_id

PUBLIC_ROUTE_REASON = (
    "Public by design: channel providers (WeChat, WhatsApp, Twilio, ...) and anonymous web-chat visitors "
    "cannot carry a Cognito token; the webhooks function verifies each provider's signature or the chat "
    "session token in code and answers 401/403 otherwise."
)
PREFLIGHT_REASON = (
    "CORS preflight (OPTIONS) requests never carry credentials by the Fetch standard; API Gateway answers "
    "them with a mock integration that touches no data."
)
# X-Correlation-Id: a browser caller may name the trace of its request (kefu.observability)
CHAT_CORS_HEADERS = [
    "Content-Type",
    "Authorization",
    "X-Amz-Date",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Correlation-Id",
]
# API Gateway's own answers (401 from the authorizer, 413, 429, 5xx) carry the same edge headers as the
# functions' (kefu.api.EDGE_HEADERS); they hold no data, so any origin may read them.
GATEWAY_RESPONSE_HEADERS = {
    "Access-Control-Allow-Origin": "'*'",
    "X-Content-Type-Options": "'nosniff'",
    "X-Frame-Options": "'DENY'",
    "Cache-Control": "'no-store'",
    "Referrer-Policy": "'no-referrer'",
}
# What POST /chat/{inbox}/messages takes (the function checks the same with pydantic, and more).
CHAT_MESSAGE_SCHEMA = apigw.JsonSchema(
    schema=apigw.JsonSchemaVersion.DRAFT4,
    type=apigw.JsonSchemaType.OBJECT,
    required=["text"],
    additional_properties=False,
    properties={
        "text": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, max_length=10_000),
        "client_message_id": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, pattern="^[A-Za-z0-9._:-]{1,128}$"),
        # ids from POST /chat/{inbox}/attachments
        "attachments": apigw.JsonSchema(
            type=apigw.JsonSchemaType.ARRAY,
            max_items=10,
            items=apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, pattern="^[0-9A-HJKMNP-TV-Z]{26}$"),
        ),
    },
)


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        webhooks_function: lambda_.IFunction,
        agent_api_function: lambda_.IFunction,
        help_function: lambda_.IFunction,
        user_pool: cognito.IUserPool,
        key: kms.IKey,
        api_allowed_origins: list[str],
    ) -> None:
        """``api_allowed_origins``: browser origins allowed to call /api/v1 (empty: same origin only)."""
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=LOG_RETENTION,
            encryption_key=key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.rest_api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=API_NAME,
            description="Kefu: channel webhooks, web chat, forms, help center and the agent API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=API_STAGE,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # bodies carry customer messages (PII)
                throttling_rate_limit=200,
                throttling_burst_limit=400,
            ),
        )
        pin_logical_id(self.rest_api, LogicalIds.API)
        self.url = self.rest_api.url
        acknowledge(
            self.rest_api,
            "AwsSolutions-APIG3",
            "No WAF web ACL by default: managed rule sets block legitimate provider payloads (large SNS email "
            "notifications, XML from WeChat) and add a fixed monthly cost; stage throttling and signature "
            "checks protect the public routes. docs/deploy.md shows how to attach a web ACL.",
        )
        # The account-level role API Gateway uses to write execution logs (APIG6).
        acknowledge(
            self.rest_api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "AWS's own service-role policy for API Gateway execution logging; it only allows writing to "
            "CloudWatch Logs and is what the API Gateway documentation prescribes for the account role.",
        )
        # Browsers must see CORS headers on API Gateway's own errors too (401 from the authorizer, 429, 5xx).
        for response_type, response_id in (
            (apigw.ResponseType.DEFAULT_4_XX, "Default4xx"),
            (apigw.ResponseType.DEFAULT_5_XX, "Default5xx"),
        ):
            self.rest_api.add_gateway_response(
                response_id, type=response_type, response_headers=dict(GATEWAY_RESPONSE_HEADERS)
            )
        # Parameter validation rejects requests without the declared path parameters before any function
        # runs; body validation applies where a route declares a model (chat messages). The functions check
        # every body again at their edge (kefu.api.check_request_body: size, type, UTF-8, JSON depth).
        self.validator = self.rest_api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )

        webhooks = apigw.LambdaIntegration(webhooks_function, allow_test_invoke=False)
        agent_api = apigw.LambdaIntegration(agent_api_function, allow_test_invoke=False)
        root = self.rest_api.root

        def public(
            resource: apigw.IResource,
            method: str,
            *path_params: str,
            body: apigw.IModel | None = None,
            integration: apigw.Integration | None = None,
        ) -> apigw.Method:
            added = resource.add_method(
                method,
                integration or webhooks,
                authorization_type=apigw.AuthorizationType.NONE,
                request_validator=self.validator,
                request_parameters={f"method.request.path.{name}": True for name in path_params},
                request_models={"application/json": body} if body is not None else None,
            )
            acknowledge(added, "AwsSolutions-APIG4", PUBLIC_ROUTE_REASON)
            acknowledge(added, "AwsSolutions-COG4", PUBLIC_ROUTE_REASON)
            return added

        # Channel webhooks: /webhooks/{channel}/{inbox}[/{action}] (twilio sms/voice, recording callbacks).
        webhook_inbox = root.add_resource("webhooks").add_resource("{channel}").add_resource("{inbox}")
        for method in ("GET", "POST"):
            public(webhook_inbox, method, "channel", "inbox")
        public(webhook_inbox.add_resource("{action}"), "POST", "channel", "inbox", "action")

        # Web chat, called from any site that embeds the widget: any origin (the session token, sent as a
        # bearer header and never a cookie, is what protects a conversation).
        chat_inbox = root.add_resource(
            "chat",
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=apigw.Cors.ALL_ORIGINS,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=CHAT_CORS_HEADERS,
                max_age=cdk.Duration.hours(1),
            ),
        ).add_resource("{inbox}")
        public(chat_inbox.add_resource("sessions"), "POST", "inbox")
        chat_messages = chat_inbox.add_resource("messages")
        public(chat_messages, "GET", "inbox")
        chat_message_model = self.rest_api.add_model(
            "ChatMessage", content_type="application/json", schema=CHAT_MESSAGE_SCHEMA
        )
        public(chat_messages, "POST", "inbox", body=chat_message_model)
        # a customer's image for the next message, typing, and the satisfaction rating (kefu.services.thread)
        for action in ("attachments", "typing", "rating"):
            public(chat_inbox.add_resource(action), "POST", "inbox")

        public(root.add_resource("forms").add_resource("{inbox}").add_resource("tickets"), "POST", "inbox")
        # The chat widget (one <script> tag on the customer's site) comes from the same host as the chat API.
        public(root.add_resource("widget.js"), "GET")
        # The satisfaction survey a resolved ticket's customer is sent (kefu.services.csat): its page and its answer.
        survey = root.add_resource("csat").add_resource("{token}")
        public(survey, "GET", "token")
        public(survey, "POST", "token")
        # The help center: its pages and self-service search, served by a function of its own.
        help_center = root.add_resource("help")
        help_ = apigw.LambdaIntegration(help_function, allow_test_invoke=False)
        public(help_center, "GET", integration=help_)
        public(help_center.add_resource("search"), "GET", integration=help_)
        help_article = help_center.add_resource("articles").add_resource("{id}")
        public(help_article, "GET", "id", integration=help_)
        public(help_article.add_resource("helpful"), "POST", "id", integration=help_)

        # Agent API: Cognito JWT (the IdToken as "Authorization: Bearer ..."), its OpenAPI schema included
        # (the contract: no token under /api/v1 -> 401; tools fetch the schema with the token they call with).
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self,
            "AgentAuthorizer",
            cognito_user_pools=[user_pool],
            identity_source=apigw.IdentitySource.header("Authorization"),
            results_cache_ttl=cdk.Duration.minutes(5),
        )
        pin_logical_id(self.authorizer, LogicalIds.AGENT_AUTHORIZER)
        api_v1 = root.add_resource("api").add_resource(
            "v1",
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=api_allowed_origins,
                allow_methods=apigw.Cors.ALL_METHODS,
                allow_headers=CHAT_CORS_HEADERS,
                max_age=cdk.Duration.hours(1),
            )
            if api_allowed_origins
            else None,
        )
        api_v1.add_proxy(
            any_method=True,
            default_integration=agent_api,
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.COGNITO,
                authorizer=self.authorizer,
            ),
        )

        # Every OPTIONS method added by the CORS preflight options above.
        for child in self.rest_api.node.find_all():
            if isinstance(child, apigw.Method) and child.http_method == "OPTIONS":
                acknowledge(child, "AwsSolutions-APIG4", PREFLIGHT_REASON)
                acknowledge(child, "AwsSolutions-COG4", PREFLIGHT_REASON)
