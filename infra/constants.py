"""Names the stacks define and the tests, the local cloud and the docs rely on.

Environment variable NAMES are not here: they belong to ``kefu.config.Env`` (the functions' side of the
contract) and the constructs import them from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_ASSET_DIR = REPO_ROOT / "functions"
KEFU_LAYER_DIR = REPO_ROOT / "layers" / "kefu"
DEPS_LAYER_DIR = REPO_ROOT / ".build" / "layers" / "deps"
# copies of functions/ and layers/kefu with the runtime's bytecode (infra.bytecode)
ASSET_BUILD_DIR = REPO_ROOT / ".build" / "assets"
DEPS_LAYER_BUILD_SCRIPT = REPO_ROOT / "layers" / "deps" / "build.py"
SPA_DIST_DIR = REPO_ROOT / "spa" / "dist"

STACK_ID = "Kefu"
BACKUP_STACK_ID = "KefuBackup"
DEFAULT_REGION = "us-east-1"
DEFAULT_BACKUP_REGION = "us-west-2"


class Context:
    """Context keys the app reads (``cdk deploy -c key=value`` or cdk.json "context")."""

    REGION = "kefu:region"
    BACKUP_REGION = "kefu:backupRegion"
    ALARM_EMAIL = "kefu:alarmEmail"
    # the address SLA escalations are mailed to (and from, through SES; verify it there); none: no mail
    SLA_EMAIL = "kefu:slaEmail"
    # the backlog alarm: more than this many tickets waiting for an agent (default 50)
    BACKLOG_ALARM_THRESHOLD = "kefu:backlogAlarmThreshold"
    # "auto" (default: hosted only when spa/dist exists at synth), "true" (required) or "false" (skipped).
    WEB_HOSTING = "kefu:webHosting"
    API_ALLOWED_ORIGINS = "kefu:apiAllowedOrigins"
    LOG_LEVEL = "kefu:logLevel"
    # the knowledge base's own synonym groups, "a, b; c, d" (added to the built-in ones)
    KB_SYNONYMS = "kefu:kbSynonyms"
    # the help center's absolute address for the links the bot sends (default: "/help/" on the API's host)
    HELP_BASE_URL = "kefu:helpBaseUrl"
    # the API's public address for the satisfaction survey's links (default: the API's own stage URL)
    PUBLIC_BASE_URL = "kefu:publicBaseUrl"
    # "false" sends no satisfaction survey after resolution (default: sent)
    CSAT_SURVEY = "kefu:csatSurvey"
    # a Bedrock model id for the bot's generative answers grounded in the articles (default: off)
    BOT_GENERATIVE_MODEL = "kefu:botGenerativeModel"
    # the installation's order system (docs/orders.md): its https endpoint (default: no order lookup), the
    # header its token goes in (default Authorization: Bearer <token>) and the seconds one request may take
    ORDERS_ENDPOINT = "kefu:ordersEndpoint"
    ORDERS_AUTH_HEADER = "kefu:ordersAuthHeader"
    ORDERS_TIMEOUT_SECONDS = "kefu:ordersTimeoutSeconds"


# AWS Backup copies recovery points into this vault of the backup-region stack. The name is fixed so the
# primary stack can build the vault's ARN as a plain string (no cross-region reference machinery).
BACKUP_VAULT_NAME = "kefu-backup-replica"
BACKUP_RETENTION_DAYS = 35

SERVICE_NAME = "kefu"
METRICS_NAMESPACE = "Kefu"
DEFAULT_LOG_LEVEL = "INFO"


API_NAME = "Kefu"
API_STAGE = "prod"
USER_GROUPS = ("agent", "supervisor", "admin")


class Table:
    PARTITION_KEY = "PK"
    SORT_KEY = "SK"
    TTL_ATTRIBUTE = "expires_at"
    # (index name, partition key, sort key); all string keys, projection ALL.
    GLOBAL_SECONDARY_INDEXES = (
        ("GSI1", "GSI1PK", "GSI1SK"),
        ("GSI2", "GSI2PK", "GSI2SK"),
        ("GSI3", "GSI3PK", "GSI3SK"),
    )


# SQS redrive: a message that failed this many receives goes to the queue's dead-letter queue.
MAX_RECEIVE_COUNT = 5
# AWS guidance for Lambda SQS consumers: visibility timeout at least 6x the function timeout.
VISIBILITY_TIMEOUT_FACTOR = 6


@dataclass(frozen=True)
class FunctionSpec:
    construct_id: str
    folder: str  # the package under functions/
    timeout_seconds: int
    memory_mb: int = 512

    @property
    def handler(self) -> str:
        return f"{self.folder}.handler.lambda_handler"


# API Gateway gives up after 29 s; webhook providers want an answer within seconds (WeChat: 5 s).
WEBHOOKS_FUNCTION = FunctionSpec("WebhooksFunction", "webhooks", timeout_seconds=15)
INGEST_FUNCTION = FunctionSpec("IngestFunction", "ingest", timeout_seconds=60)
# The stream only queues work (replies, media jobs): short, so a bad batch is retried quickly.
STREAM_FUNCTION = FunctionSpec("StreamFunction", "stream", timeout_seconds=60)
AGENT_API_FUNCTION = FunctionSpec("AgentApiFunction", "agent_api", timeout_seconds=29)
OUTBOUND_FUNCTION = FunctionSpec("OutboundFunction", "outbound", timeout_seconds=60)
# Downloads customers' files (up to 25 MiB each, from providers that can be slow), apart from everything else.
MEDIA_FUNCTION = FunctionSpec("MediaFunction", "media", timeout_seconds=300, memory_mb=1024)
# Assigns waiting tickets and runs routing's timers (reassignment, presence expiry); claims are short.
ROUTING_FUNCTION = FunctionSpec("RoutingFunction", "routing", timeout_seconds=30)
# A due SLA timer, acted on (warn or escalate): one ticket's transaction and a notification.
SLA_FUNCTION = FunctionSpec("SlaFunction", "sla", timeout_seconds=30)
# The public help center (search, articles, helpful votes, its pages): short, like any public route.
HELP_FUNCTION = FunctionSpec("HelpFunction", "help", timeout_seconds=15)
# The bot's decisions: one search and one transaction per message; a handoff must reach routing in seconds.
BOT_FUNCTION = FunctionSpec("BotFunction", "bot", timeout_seconds=30)
# The agent app's WebSocket connections ($connect checks the token, one Put transaction; $disconnect deletes it).
REALTIME_FUNCTION = FunctionSpec("RealtimeFunction", "realtime", timeout_seconds=10, memory_mb=256)
# Pushes from the table's stream to the connections of each change's recipients (small posts, no waiting).
REALTIME_PUSH_FUNCTION = FunctionSpec("RealtimePushFunction", "realtime_push", timeout_seconds=30, memory_mb=256)
# Deploy time only (not in FUNCTIONS: it serves no traffic and is watched by CloudFormation, whose custom
# resource it answers): writes the search domain's roles and role mappings for the functions.
SEARCH_SECURITY_FUNCTION = FunctionSpec("SearchSecurityFunction", "search_security", timeout_seconds=300, memory_mb=256)
FUNCTIONS = (
    WEBHOOKS_FUNCTION,
    INGEST_FUNCTION,
    STREAM_FUNCTION,
    AGENT_API_FUNCTION,
    OUTBOUND_FUNCTION,
    MEDIA_FUNCTION,
    HELP_FUNCTION,
    BOT_FUNCTION,
    ROUTING_FUNCTION,
    SLA_FUNCTION,
    REALTIME_FUNCTION,
    REALTIME_PUSH_FUNCTION,
)


class LogicalIds:
    """Fixed CloudFormation logical ids of the resources other tools look up in the template.

    Pinned so that refactoring the construct tree never replaces the table or the user pool, and so the
    local cloud and the tests can find resources by a readable name.
    """

    KEY = "KefuKey"
    TABLE = "Table"
    INBOUND_QUEUE = "InboundQueue"
    INBOUND_DLQ = "InboundDeadLetterQueue"
    OUTBOUND_QUEUE = "OutboundQueue"
    OUTBOUND_DLQ = "OutboundDeadLetterQueue"
    STREAM_DLQ = "StreamDeadLetterQueue"
    MEDIA_QUEUE = "MediaQueue"
    MEDIA_DLQ = "MediaDeadLetterQueue"
    ROUTING_QUEUE = "RoutingQueue"
    BOT_QUEUE = "BotQueue"
    BOT_DLQ = "BotDeadLetterQueue"
    ROUTING_DLQ = "RoutingDeadLetterQueue"
    USER_POOL = "UserPool"
    USER_POOL_CLIENT = "UserPoolClient"
    API = "Api"
    AGENT_AUTHORIZER = "AgentAuthorizer"
    ALARM_TOPIC = "AlarmTopic"
    SLA_TOPIC = "SlaTopic"
    SLA_STATE_MACHINE = "SlaStateMachine"
    SLA_FUNCTION_ID = "SlaFunction"
    WEB_BUCKET = "WebBucket"
    REALTIME_API = "RealtimeApi"


class Outputs:
    USER_POOL_ID = "UserPoolId"
    USER_POOL_CLIENT_ID = "UserPoolClientId"
    API_URL = "ApiUrl"
    WEB_URL = "WebUrl"
    REGION = "Region"
    REALTIME_URL = "RealtimeUrl"
