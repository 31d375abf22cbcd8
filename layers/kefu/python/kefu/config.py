"""Settings, parsed once per process from the environment.

The environment variable names live here and nowhere else: the CDK constructs import ``Env`` to set them,
the functions read them only through ``get_settings()``. Locally the values differ only in endpoints.

Each function names what it needs in a class of its own (``WebhooksSettings`` …, ``FunctionSettings``): its
handler calls ``require()`` at init, so a missing, empty or misspelled variable fails the cold start with
the variable's name, locally and in AWS, instead of turning into a silent no-op at the first request.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

ENV_PREFIX = "KEFU_"


class Env:
    """Names of the environment variables the functions read (shared with infra/)."""

    TABLE_NAME = "KEFU_TABLE_NAME"
    INBOUND_QUEUE_URL = "KEFU_INBOUND_QUEUE_URL"
    OUTBOUND_QUEUE_URL = "KEFU_OUTBOUND_QUEUE_URL"
    MEDIA_QUEUE_URL = "KEFU_MEDIA_QUEUE_URL"
    USER_POOL_ID = "KEFU_USER_POOL_ID"
    MEDIA_BUCKET = "KEFU_MEDIA_BUCKET"
    CHAT_SESSION_TTL_HOURS = "KEFU_CHAT_SESSION_TTL_HOURS"
    DEDUP_TTL_DAYS = "KEFU_DEDUP_TTL_DAYS"
    STAGE = "KEFU_STAGE"
    SECRETS_PREFIX = "KEFU_SECRETS_PREFIX"
    SECRETS_KMS_KEY_ID = "KEFU_SECRETS_KMS_KEY_ID"
    CURSOR_KEY_SECRET_ARN = "KEFU_CURSOR_KEY_SECRET_ARN"  # noqa: S105 - a variable's name, not a secret
    ALLOWED_ORIGINS = "KEFU_ALLOWED_ORIGINS"
    ROUTING_QUEUE_URL = "KEFU_ROUTING_QUEUE_URL"
    PRESENCE_TIMEOUT_SECONDS = "KEFU_PRESENCE_TIMEOUT_SECONDS"
    SLA_STATE_MACHINE_ARN = "KEFU_SLA_STATE_MACHINE_ARN"
    SLA_TOPIC_ARN = "KEFU_SLA_TOPIC_ARN"
    SLA_EMAIL = "KEFU_SLA_EMAIL"
    SEARCH_ENDPOINT = "KEFU_SEARCH_ENDPOINT"
    KB_INDEX = "KEFU_KB_INDEX"
    KB_SYNONYMS = "KEFU_KB_SYNONYMS"
    HELP_BASE_URL = "KEFU_HELP_BASE_URL"
    HELP_CHAT_URL = "KEFU_HELP_CHAT_URL"
    BOT_QUEUE_URL = "KEFU_BOT_QUEUE_URL"
    BOT_GENERATIVE_MODEL_ID = "KEFU_BOT_GENERATIVE_MODEL_ID"
    USER_POOL_CLIENT_ID = "KEFU_USER_POOL_CLIENT_ID"
    REALTIME_URL = "KEFU_REALTIME_URL"
    ORDERS_ENDPOINT = "KEFU_ORDERS_ENDPOINT"
    ORDERS_SECRET_ARN = "KEFU_ORDERS_SECRET_ARN"  # noqa: S105 - a variable's name, not a secret
    ORDERS_AUTH_HEADER = "KEFU_ORDERS_AUTH_HEADER"
    ORDERS_TIMEOUT_SECONDS = "KEFU_ORDERS_TIMEOUT_SECONDS"
    PUBLIC_BASE_URL = "KEFU_PUBLIC_BASE_URL"
    CSAT_SURVEY = "KEFU_CSAT_SURVEY"


# Where inbox credentials live in Secrets Manager (the functions' IAM policies are scoped to this prefix).
SECRETS_PREFIX = "kefu/inbox/"

# How often SQS hands a message to its consumer before the DLQ takes it (the queues' maxReceiveCount).
MAX_RECEIVE_COUNT = 5


class SettingsError(RuntimeError):
    """The function's environment lacks, or misspells, what its settings model requires."""


Required = Annotated[str, Field(min_length=1)]
PUBLIC_URL = r"^https?://[^\s/?#]+(/[^\s?#]*)?$"  # an absolute http(s) address, no query or fragment


class Settings(BaseModel):
    """Everything a function may read. Optional values here; each function's model requires its own.

    A plain pydantic model read from the environment by ``from_environ`` (``KEFU_`` + the field's name in
    capitals, exactly as the stack sets it): pydantic-settings cost ~25 ms of every cold start for sources a
    function never has (.env files, secrets folders, nested JSON)."""

    # defer_build: the validator is built at require() (at init), not by whatever imports this module (the CDK
    # app imports Env); the functions' requirements are plain classes (FunctionSettings), not models
    model_config = ConfigDict(extra="ignore", defer_build=True)

    table_name: Required
    inbound_queue_url: str = ""
    outbound_queue_url: str = ""
    media_queue_url: str = ""
    user_pool_id: str = ""
    media_bucket: str = ""
    chat_session_ttl_hours: int = Field(default=24 * 30, ge=1)
    # Providers retry for days (WhatsApp); a dedup marker outlives every retry window.
    dedup_ttl_days: int = Field(default=14, ge=1)
    stage: str = "prod"
    # Inbox credentials live in Secrets Manager under this prefix, encrypted with this key.
    secrets_prefix: str = SECRETS_PREFIX
    secrets_kms_key_id: str = ""
    # The secret whose value keys the HMAC of list cursors (kefu.cursor); read once per process.
    cursor_key_secret_arn: str = ""
    # Browser origins that may call the agent API cross-origin, comma-separated ("" = same origin only).
    allowed_origins: str = ""
    # Routing's work (kefu.services.routing_jobs): decisions to make now and checks to make later (SQS delays).
    routing_queue_url: str = ""
    # An online agent with no heartbeat (PUT /me/presence) for this long goes offline (docs/routing.md).
    presence_timeout_seconds: int = Field(default=900, ge=5, le=24 * 3600)
    # SLA (kefu.services.sla): the per-ticket timer workflow, where notifications are published, and the
    # address escalations are mailed to and from through SES ("" = no mail)
    sla_state_machine_arn: str = ""
    sla_topic_arn: str = ""
    sla_email: str = ""
    # The knowledge base's OpenSearch domain (host as OpenSearch Service gives it, or a URL), the alias its
    # articles are searched through, and an installation's own synonym groups ("a, b; c, d").
    search_endpoint: str = ""
    kb_index: str = "kefu-kb"
    kb_synonyms: str = ""
    # Where the help center's article pages live, for the links the bot sends ("" = the API's own /help/).
    help_base_url: str = ""
    # A page where customers can start a chat, linked from the help center ("" = no link).
    help_chat_url: str = ""
    # The bot's FIFO queue: the stream puts customer messages for the bot there (kefu.services.bot).
    bot_queue_url: str = ""
    # A Bedrock model for generative answers grounded in the articles ("" = off: the bot quotes the article).
    bot_generative_model_id: str = ""
    # The agent app's Cognito client: the audience of the ID tokens a WebSocket connection opens with.
    user_pool_client_id: str = ""
    # The agent app's WebSocket stage (wss://<api>.execute-api.<region>.amazonaws.com/<stage>); pushes are posted
    # to its Management API (https://... the same host and stage).
    realtime_url: str = ""
    # The installation's order system (kefu.orders): its HTTP JSON endpoint ("" = no order lookup), the secret
    # holding its token, the header the token goes in ("Authorization" sends "Bearer <token>") and the time one
    # request may take (connect and read each). None, not "": no test placeholder turns order lookup on.
    orders_endpoint: str | None = None
    orders_secret_arn: str | None = None
    orders_auth_header: str = Field(default="Authorization", pattern=r"^[A-Za-z0-9-]{1,64}$")
    orders_timeout_seconds: float = Field(default=3.0, gt=0, le=10)
    # The public API's base (https://<api>/<stage>/): the satisfaction survey's link is <base>csat/<token>
    # (kefu.services.csat). Only an absolute http(s) URL: a link a customer's phone cannot open is no link.
    public_base_url: str | None = Field(default=None, pattern=PUBLIC_URL)
    # The satisfaction survey after resolution, on the customer's channel (false: none is sent).
    csat_survey: bool = True

    @property
    def allowed_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.allowed_origins.split(",") if origin.strip()]

    @classmethod
    def from_environ(
        cls, environ: dict[str, str] | None = None, *, required: tuple[str, ...] = (), name: str | None = None
    ) -> Settings:
        """``required``: fields that must be set and not empty (a function's, see ``FunctionSettings``)."""
        env = dict(os.environ if environ is None else environ)
        known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
        unknown = sorted(name for name in env if name.startswith(ENV_PREFIX) and name not in known)
        # A function's sandbox holds exactly its template environment, so an unknown KEFU_ variable there is a
        # misspelling; a developer's shell or a test runner may carry others of its own (KEFU_PORT, ...).
        in_a_function = environ is not None or "AWS_LAMBDA_FUNCTION_NAME" in env
        if unknown and in_a_function:
            raise SettingsError(
                f"unknown setting(s) {', '.join(unknown)}: misspelled? (known: {', '.join(sorted(known))})"
            )
        values: dict[str, Any] = {
            name: env[f"{ENV_PREFIX}{name.upper()}"]
            for name in cls.model_fields
            if f"{ENV_PREFIX}{name.upper()}" in env
        }
        problems = [
            f"{ENV_PREFIX}{field.upper()} (field required)"
            if field not in values
            else f"{ENV_PREFIX}{field.upper()} (empty)"
            for field in required
            if not values.get(field)
        ]
        settings = None
        try:
            settings = cls(**values)
        except ValidationError as error:
            problems += [
                f"{ENV_PREFIX}{str(issue['loc'][0]).upper()} ({issue['msg'].lower()})" for issue in error.errors()
            ]
        if problems or settings is None:
            raise SettingsError(f"{name or cls.__name__}: {'; '.join(problems)}")
        return settings


class FunctionSettings:
    """What one function requires of ``Settings``: the fields in ``required`` set and not empty.

    A plain class, not a pydantic model per function: twelve subclasses of ``Settings`` cost every cold start
    ~6 ms of CPU (each copies the 35 fields of ``Settings``) for the one a function uses. ``from_environ``
    parses ``Settings`` and refuses what is missing, naming the function's class and the variables."""

    required: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        return Settings.from_environ(environ, required=cls.required, name=cls.__name__)


class WebhooksSettings(FunctionSettings):
    required = ("inbound_queue_url", "media_bucket", "secrets_kms_key_id", "cursor_key_secret_arn")


class IngestSettings(FunctionSettings):
    required = ("secrets_kms_key_id",)


class StreamSettings(FunctionSettings):
    # public_base_url: the survey's link (kefu.services.csat); Settings checks that it is an http(s) URL
    required = (
        "outbound_queue_url",
        "public_base_url",
        "media_queue_url",
        "sla_state_machine_arn",
        "routing_queue_url",
        "bot_queue_url",
    )


class RoutingSettings(FunctionSettings):
    required = ("routing_queue_url",)


class AgentApiSettings(FunctionSettings):
    required = ("user_pool_id", "outbound_queue_url", "media_bucket", "secrets_kms_key_id", "cursor_key_secret_arn")


class SlaSettings(FunctionSettings):
    required = ("sla_topic_arn",)


class HelpSettings(FunctionSettings):
    required = ("search_endpoint",)


class BotFunctionSettings(FunctionSettings):
    required = ("search_endpoint",)


class RealtimeSettings(FunctionSettings):
    required = ("user_pool_id", "user_pool_client_id")


class RealtimePushSettings(FunctionSettings):
    required = ("realtime_url",)


class OutboundSettings(FunctionSettings):
    # media_bucket: an agent's files are sent as presigned links on channels that take links
    required = ("secrets_kms_key_id", "media_bucket")


class MediaSettings(FunctionSettings):
    required = ("media_bucket", "secrets_kms_key_id")


_function: type[FunctionSettings] = FunctionSettings


def require(function: type[FunctionSettings]) -> Settings:
    """At a function's init: its requirements become this process's, and the settings are parsed (and checked)
    now."""
    global _function  # noqa: PLW0603 - one function per process, chosen by the handler at init
    _function = function
    get_settings.cache_clear()
    return get_settings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return _function.from_environ()
