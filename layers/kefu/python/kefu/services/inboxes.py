"""Inboxes: one channel account each. Credentials go to Secrets Manager (KMS-encrypted) and never come back
whole: the table keeps the secret's name and a masked hint per key, the API shows only the hints, and every
change is written to the audit trail."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import ClientError

from kefu import aws
from kefu.auth import Caller
from kefu.channels.base import InboxConfig, adapter_class
from kefu.clock import new_id, now_iso
from kefu.config import get_settings
from kefu.errors import InvalidInput, ProviderError
from kefu.models import AuditEntry, InboxRecord
from kefu.observability import decided
from kefu.store import Store

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_CREDENTIAL = 4096
# Identifiers, not secrets: shown whole so an admin can tell inboxes apart.
PUBLIC_CREDENTIALS = frozenset(
    {"address", "topic_arns", "app_id", "corp_id", "agent_id", "phone_number_id", "account_sid", "from_number"}
)
CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class InboxSpec:
    id: str
    channel: str
    name: str = ""
    credentials: dict[str, str] | None = None
    api_base: str | None = None
    public_url: str | None = None


@dataclass(frozen=True)
class InboxChanges:
    name: str | None = None
    credentials: dict[str, str] | None = None  # keys given replace the stored ones; others are kept
    api_base: str | None = None
    public_url: str | None = None


def hint(key: str, value: str) -> str:
    if key in PUBLIC_CREDENTIALS:
        return value
    return "****" + value[-4:] if len(value) >= 12 else "****"


def _check_url(field: str, value: str | None) -> None:
    if value is None:
        return
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(value) > 2048:
        raise InvalidInput(f"{field} must be an http(s) URL")


def _check_credentials(channel: str, credentials: dict[str, str], *, partial: bool) -> None:
    adapter = adapter_class(channel)
    allowed = set(adapter.credential_keys) | set(adapter.optional_credential_keys)
    unknown = sorted(set(credentials) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed)) or "none"
        raise InvalidInput(f"unknown credential(s) for {channel}: {', '.join(unknown)} (expected: {expected})")
    for key, value in credentials.items():
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_CREDENTIAL:
            raise InvalidInput(f"credential '{key}' must be a non-empty string of at most {MAX_CREDENTIAL} characters")
    if not partial:
        missing = [key for key in adapter.credential_keys if key not in credentials]
        if missing:
            raise InvalidInput(f"missing credential(s) for {channel}: {', '.join(missing)}")


class CredentialStore:
    """Secrets Manager behind a short in-process cache (a webhook burst reads a secret once, not per request)."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def name_for(self, inbox_id: str) -> str:
        return f"{get_settings().secrets_prefix}{inbox_id}"

    def read(self, secret_name: str) -> dict[str, str]:
        with self._lock:
            cached = self._cache.get(secret_name)
            if cached and cached[0] > time.monotonic():
                return dict(cached[1])
        try:
            raw = aws.client("secretsmanager").get_secret_value(SecretId=secret_name)["SecretString"]
        except ClientError as err:
            raise ProviderError(f"could not read the inbox credentials: {err}", retryable=True) from err
        values = {str(k): str(v) for k, v in json.loads(raw).items()}
        with self._lock:
            self._cache[secret_name] = (time.monotonic() + CACHE_SECONDS, values)
        return dict(values)

    def write(self, secret_name: str, values: dict[str, str], *, new: bool) -> None:
        client = aws.client("secretsmanager")
        payload = json.dumps(values, separators=(",", ":"))
        if new:
            kwargs: dict[str, Any] = {
                "Name": secret_name,
                "SecretString": payload,
                "Tags": [{"Key": "kefu:purpose", "Value": "inbox-credentials"}],
            }
            key = get_settings().secrets_kms_key_id
            if key:
                kwargs["KmsKeyId"] = key
            try:
                client.create_secret(**kwargs)
            except ClientError as err:
                if err.response["Error"]["Code"] != "ResourceExistsException":
                    raise
                client.put_secret_value(SecretId=secret_name, SecretString=payload)
        else:
            client.put_secret_value(SecretId=secret_name, SecretString=payload)
        with self._lock:
            self._cache.pop(secret_name, None)


credentials = CredentialStore()


def load_inbox(store: Store, inbox_id: str) -> InboxConfig:
    """The inbox with its credentials, for the functions that talk to the provider (both cached a while)."""
    return inbox_config(store.inboxes.get(inbox_id))


def inbox_config(record: InboxRecord) -> InboxConfig:
    """A stored inbox with its credentials from Secrets Manager."""
    values = credentials.read(record.credentials_secret) if record.credentials_secret else {}
    return InboxConfig(
        id=record.id,
        channel=record.channel,
        name=record.name,
        credentials=values,
        api_base=record.api_base,
        public_url=record.public_url,
    )


def view(record: InboxRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "channel": record.channel,
        "name": record.name,
        "credentials": dict(record.credential_hints),
        "api_base": record.api_base,
        "public_url": record.public_url,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def create_inbox(store: Store, caller: Caller, spec: InboxSpec) -> InboxRecord:
    caller.require("admin")
    if not _ID.match(spec.id):
        raise InvalidInput("id must be 1-63 characters: lower-case letters, digits, '-' and '_'")
    given = dict(spec.credentials or {})
    _check_credentials(spec.channel, given, partial=False)
    _check_url("api_base", spec.api_base)
    _check_url("public_url", spec.public_url)
    stamp = now_iso()
    record = InboxRecord(
        id=spec.id,
        channel=spec.channel,
        name=spec.name,
        api_base=spec.api_base,
        public_url=spec.public_url,
        credentials_secret=credentials.name_for(spec.id) if given else None,
        credential_hints={k: hint(k, v) for k, v in given.items()},
        created_at=stamp,
        updated_at=stamp,
    )
    store.inboxes.put(record, new=True)  # claims the id first: a taken id never overwrites someone's secret
    if given and record.credentials_secret:
        credentials.write(record.credentials_secret, given, new=True)
    _saved(record, given)
    _audit(store, caller, "inbox.created", spec.id, {"channel": spec.channel, "credential_keys": sorted(given)})
    decided("inbox", "created", channel=spec.channel, inbox=spec.id, credential_keys=sorted(given))
    return record


def update_inbox(store: Store, caller: Caller, inbox_id: str, changes: InboxChanges) -> InboxRecord:
    caller.require("admin")
    record = store.inboxes.get_fresh(inbox_id)
    _check_url("api_base", changes.api_base)
    _check_url("public_url", changes.public_url)
    updates: dict[str, Any] = {"updated_at": now_iso()}
    for field in ("name", "api_base", "public_url"):
        value = getattr(changes, field)
        if value is not None:
            updates[field] = value
    changed_keys: list[str] = []
    if changes.credentials:
        _check_credentials(record.channel, changes.credentials, partial=True)
        current = credentials.read(record.credentials_secret) if record.credentials_secret else {}
        merged = {**current, **changes.credentials}
        secret_name = record.credentials_secret or credentials.name_for(inbox_id)
        credentials.write(secret_name, merged, new=record.credentials_secret is None)
        updates["credentials_secret"] = secret_name
        updates["credential_hints"] = {k: hint(k, v) for k, v in merged.items()}
        changed_keys = sorted(changes.credentials)
    updated = record.model_copy(update=updates)
    store.inboxes.put(updated)
    _saved(updated, credentials.read(updated.credentials_secret) if updated.credentials_secret else {})
    details = {
        "fields": sorted(k for k in updates if k not in ("updated_at", "credential_hints", "credentials_secret")),
        "credential_keys": changed_keys,
    }
    _audit(store, caller, "inbox.updated", inbox_id, details)
    decided("inbox", "updated", channel=updated.channel, inbox=inbox_id, **details)
    return updated


def list_inboxes(store: Store, caller: Caller) -> list[InboxRecord]:
    caller.require("admin", "supervisor")
    return store.inboxes.all()


def get_inbox(store: Store, caller: Caller, inbox_id: str) -> InboxRecord:
    caller.require("admin", "supervisor")
    return store.inboxes.get_fresh(inbox_id)


def _saved(record: InboxRecord, values: dict[str, str]) -> None:
    config = InboxConfig(
        id=record.id,
        channel=record.channel,
        name=record.name,
        credentials=values,
        api_base=record.api_base,
        public_url=record.public_url,
    )
    adapter_class(record.channel)().on_inbox_saved(config)


def _audit(store: Store, caller: Caller, action: str, target: str, details: dict[str, Any]) -> None:
    store.audit.put(
        AuditEntry(
            id=new_id(),
            actor_id=caller.id,
            actor_email=caller.email,
            action=action,
            target=target,
            details=details,
            created_at=now_iso(),
        )
    )
