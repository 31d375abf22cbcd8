"""The primary stack ``Kefu``: everything that serves customers and agents."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from constructs import Construct

from infra.constants import API_STAGE, Context, Outputs
from infra.constructs.api import Api
from infra.constructs.auth import Auth
from infra.constructs.backup import Backup
from infra.constructs.data import Data
from infra.constructs.functions import Functions, acknowledge_table_grant_wildcards
from infra.constructs.knowledge import Knowledge
from infra.constructs.media import Media
from infra.constructs.monitoring import DEFAULT_BACKLOG_THRESHOLD, Monitoring
from infra.constructs.orders import OrderLookup
from infra.constructs.queues import Queues
from infra.constructs.realtime import Realtime
from infra.constructs.web_hosting import WebHosting
from infra.constructs.workflows import SlaWorkflow, grant_notices
from kefu.config import Env


class KefuStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        env: cdk.Environment,
        backup_region: str,
        log_level: str,
        api_allowed_origins: list[str] | None,
        alarm_email: str | None,
        spa_dist_dir: Path | None,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=env,
            description="Kefu: serverless omnichannel customer support (primary region)",
        )
        data = Data(self, "Data")
        queues = Queues(self, "Queues", key=data.key)
        auth = Auth(self, "Auth")
        media = Media(self, "Media", key=data.key)
        web = WebHosting(self, "Web", dist_dir=spa_dist_dir) if spa_dist_dir is not None else None
        # Browsers may call /api/v1 from the configured origins; by default only from the hosted SPA's own.
        if api_allowed_origins is None:
            api_allowed_origins = [web.origin] if web is not None else []
        functions = Functions(
            self,
            "Functions",
            table=data.table,
            queues=queues,
            user_pool_id=auth.user_pool.user_pool_id,
            key=data.key,
            media_bucket=media.bucket,
            log_level=log_level,
            allowed_origins=api_allowed_origins,
        )
        # SLA timers (kefu.services.sla): the stream starts and stops each ticket's execution; the workflow's
        # function and the agent API (manual escalation) warn and escalate
        sla_email = self.node.try_get_context(Context.SLA_EMAIL) or None
        sla = SlaWorkflow(
            self,
            "Sla",
            table=data.table,
            key=data.key,
            code=functions.code,
            layers=functions.layers,
            log_level=log_level,
            sla_email=sla_email,
        )
        functions.stream.add_environment(Env.SLA_STATE_MACHINE_ARN, sla.state_machine.state_machine_arn)
        sla.grant_timers(functions.stream)
        functions.agent_api.add_environment(Env.SLA_TOPIC_ARN, sla.topic.topic_arn)
        if sla_email:
            functions.agent_api.add_environment(Env.SLA_EMAIL, sla_email)
        grant_notices(functions.agent_api, sla.topic, sla_email)
        acknowledge_table_grant_wildcards(sla.function.role, data.table)
        # the knowledge base: the search domain, the help center; the stream indexes, the agent API searches
        knowledge = Knowledge(
            self,
            "Knowledge",
            key=data.key,
            table=data.table,
            code=functions.code,
            layers=functions.layers,
            log_level=log_level,
        )
        knowledge.grant_search(functions.stream, write=True)
        knowledge.grant_search(functions.agent_api, write=True)  # admins rebuild the index (reindex)
        knowledge.feed_bot(functions.stream)
        knowledge.map_search_roles()  # after the last grant_search: fine-grained access lets them in
        # order lookup, only when the installation names its order system (infra/constructs/orders.py)
        orders_endpoint = self.node.try_get_context(Context.ORDERS_ENDPOINT)
        if orders_endpoint:
            orders = OrderLookup(
                self,
                "Orders",
                key=data.key,
                endpoint=str(orders_endpoint),
                auth_header=self.node.try_get_context(Context.ORDERS_AUTH_HEADER),
                timeout_seconds=self.node.try_get_context(Context.ORDERS_TIMEOUT_SECONDS),
            )
            orders.grant(knowledge.bot)
            orders.grant(functions.agent_api)
        api = Api(
            self,
            "Api",
            webhooks_function=functions.webhooks,
            agent_api_function=functions.agent_api,
            help_function=knowledge.help,
            user_pool=auth.user_pool,
            key=data.key,
            api_allowed_origins=api_allowed_origins,
        )
        # the satisfaction survey's links lead to the API's /csat/{token} (kefu.services.csat)
        functions.stream.add_environment(
            Env.PUBLIC_BASE_URL, str(self.node.try_get_context(Context.PUBLIC_BASE_URL) or api.url)
        )
        survey = self.node.try_get_context(Context.CSAT_SURVEY)
        if survey is not None:
            functions.stream.add_environment(Env.CSAT_SURVEY, str(survey).lower())
        # real time for the agent app: the WebSocket API and the pushes from the stream (infra/constructs/realtime.py)
        realtime = Realtime(
            self,
            "Realtime",
            table=data.table,
            key=data.key,
            code=functions.code,
            layers=functions.layers,
            user_pool_id=auth.user_pool.user_pool_id,
            user_pool_client_id=auth.spa_client.user_pool_client_id,
            stream_dlq=queues.stream_dlq,
            log_level=log_level,
        )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            key=data.key,
            dead_letter_queues=[
                ("Inbound", queues.inbound_dlq),
                ("Outbound", queues.outbound_dlq),
                ("Stream", queues.stream_dlq),
                ("Media", queues.media_dlq),
                ("Routing", queues.routing_dlq),
                ("Bot", knowledge.bot_dlq),
            ],
            functions=[
                *functions.all,
                sla.function,
                knowledge.help,
                knowledge.bot,
                realtime.connections,
                realtime.push,
            ],
            alarm_email=alarm_email,
            api=api.rest_api,
            state_machines=[sla.state_machine],
            backlog_threshold=int(
                self.node.try_get_context(Context.BACKLOG_ALARM_THRESHOLD) or DEFAULT_BACKLOG_THRESHOLD
            ),
        )
        self.backup = Backup(self, "Backup", table=data.table, key=data.key, backup_region=backup_region)
        if web is not None:
            web.deploy_config(
                {
                    "apiBase": api.rest_api.url_for_path("/"),
                    "region": self.region,
                    "userPoolId": auth.user_pool.user_pool_id,
                    "userPoolClientId": auth.spa_client.user_pool_client_id,
                    "realtimeUrl": realtime.url,
                }
            )
            cdk.CfnOutput(self, Outputs.WEB_URL, value=web.url, description="The agent SPA")

        cdk.CfnOutput(self, Outputs.USER_POOL_ID, value=auth.user_pool.user_pool_id)
        cdk.CfnOutput(self, Outputs.USER_POOL_CLIENT_ID, value=auth.spa_client.user_pool_client_id)
        cdk.CfnOutput(self, Outputs.API_URL, value=api.url, description=f"Base URL of the API (stage {API_STAGE})")
        cdk.CfnOutput(self, Outputs.REGION, value=self.region)
        cdk.CfnOutput(self, Outputs.REALTIME_URL, value=realtime.url, description="The agent app's WebSocket (pushes)")
