"""Settings, parsed once per process from the environment.

The environment variable names live here and nowhere else: the CDK constructs import ``Env`` to set them,
the functions read them only through ``get_settings()``. Locally the values differ only in endpoints.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


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
    CURSOR_KEY_SECRET_ARN = "KEFU_CURSOR_KEY_SECRET_ARN"
    ALLOWED_ORIGINS = "KEFU_ALLOWED_ORIGINS"


# Where inbox credentials live in Secrets Manager (the functions' IAM policies are scoped to this prefix).
SECRETS_PREFIX = "kefu/inbox/"

# How often SQS hands a message to its consumer before the DLQ takes it (the queues' maxReceiveCount).
MAX_RECEIVE_COUNT = 5


class Settings(BaseModel):
    table_name: str = Field(min_length=1)
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

    @property
    def allowed_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.allowed_origins.split(",") if origin.strip()]

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for field, name in (
            ("table_name", Env.TABLE_NAME),
            ("inbound_queue_url", Env.INBOUND_QUEUE_URL),
            ("outbound_queue_url", Env.OUTBOUND_QUEUE_URL),
            ("media_queue_url", Env.MEDIA_QUEUE_URL),
            ("user_pool_id", Env.USER_POOL_ID),
            ("media_bucket", Env.MEDIA_BUCKET),
            ("chat_session_ttl_hours", Env.CHAT_SESSION_TTL_HOURS),
            ("dedup_ttl_days", Env.DEDUP_TTL_DAYS),
            ("stage", Env.STAGE),
            ("secrets_prefix", Env.SECRETS_PREFIX),
            ("secrets_kms_key_id", Env.SECRETS_KMS_KEY_ID),
            ("cursor_key_secret_arn", Env.CURSOR_KEY_SECRET_ARN),
            ("allowed_origins", Env.ALLOWED_ORIGINS),
        ):
            if name in env:
                values[field] = env[name]
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environ()
