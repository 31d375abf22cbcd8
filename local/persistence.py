"""Keeping the local cloud's data across restarts: a snapshot of the emulator's state in the state dir.

A snapshot holds every table item, every Cognito user (with its ``sub``, password, status and groups, read
through the emulator's control calls so ids survive), the pools' groups, the buckets' objects and the schedules
(those a function created at runtime too, with their creation dates). It is written
periodically and on a clean stop, atomically, and restored at start before any dispatcher runs. Queues are
drained on a clean stop instead of being saved.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import threading
from pathlib import Path
from typing import Any

import httpx

from local.provision import Provisioned
from local.template import ACCOUNT_ID

log = logging.getLogger("local")

SNAPSHOT_VERSION = 1


class StateStore:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.snapshot_path = state_dir / "snapshot.json"
        self._lock = threading.Lock()

    @property
    def fresh(self) -> bool:
        return not self.snapshot_path.exists()

    def key_secret(self) -> bytes:
        """A per-state-dir secret the KMS key material is derived from (so ciphertexts survive restarts)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / "kms-secret"
        if not path.exists():
            path.write_text(secrets.token_hex(32), encoding="utf-8")
        return bytes.fromhex(path.read_text(encoding="utf-8").strip())

    # -- save -----------------------------------------------------------------------------------------------

    def save(self, cloud: Provisioned, clients: Any) -> None:
        with self._lock:
            snapshot = {
                "version": SNAPSHOT_VERSION,
                "tables": {
                    lid: _control(cloud, "dynamodb/export", {"table": name})["items"]
                    for lid, name in cloud.tables.items()
                },
                "user_pools": {
                    lid: _pool_state(cloud.endpoint, cloud.region, pool_id) for lid, pool_id in cloud.user_pools.items()
                },
                "buckets": {lid: _bucket_objects(clients.s3, name) for lid, name in cloud.buckets.items()},
                "schedules": _control(cloud, "scheduler/export", {}),
            }
            self.state_dir.mkdir(parents=True, exist_ok=True)
            temporary = self.snapshot_path.with_suffix(".tmp")
            temporary.write_text(json.dumps(snapshot), encoding="utf-8")
            os.replace(temporary, self.snapshot_path)

    # -- restore --------------------------------------------------------------------------------------------

    def restore(self, cloud: Provisioned, clients: Any) -> None:
        snapshot = json.loads(self.snapshot_path.read_text(encoding="utf-8"))
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"{self.snapshot_path} has an unknown version; run with --reset")
        for logical_id, items in snapshot.get("tables", {}).items():
            if logical_id in cloud.tables:
                _write_items(clients.dynamodb, cloud.tables[logical_id], items)
            else:
                log.warning("snapshot table %s is no longer in the template; its items are dropped", logical_id)
        for logical_id, state in snapshot.get("user_pools", {}).items():
            if logical_id in cloud.user_pools:
                _restore_pool(clients.cognito, cloud.endpoint, cloud.region, cloud.user_pools[logical_id], state)
        if snapshot.get("schedules"):  # those created at runtime (a function's one-shot timers) come back too
            _control(cloud, "scheduler/import", snapshot["schedules"])
        for logical_id, objects in snapshot.get("buckets", {}).items():
            if logical_id in cloud.buckets:
                for obj in objects:
                    clients.s3.put_object(
                        Bucket=cloud.buckets[logical_id],
                        Key=obj["key"],
                        Body=base64.b64decode(obj["body"]),
                        ContentType=obj.get("content_type", "binary/octet-stream"),
                    )


def _control(cloud: Provisioned, call: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{cloud.endpoint}/_kefu/{call}", json={"account": ACCOUNT_ID, "region": cloud.region, **body}, timeout=60
    )
    response.raise_for_status()
    return dict(response.json())


# -- DynamoDB ---------------------------------------------------------------------------------------------


def _write_items(dynamodb: Any, table_name: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": _text_to_binaries(item)}} for item in items[start : start + 25]]
        pending = {table_name: requests}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def _text_to_binaries(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "B" and isinstance(item, str):
                out[key] = base64.b64decode(item)
            elif key == "BS" and isinstance(item, list) and all(isinstance(part, str) for part in item):
                out[key] = [base64.b64decode(part) for part in item]
            else:
                out[key] = _text_to_binaries(item)
        return out
    if isinstance(value, list):
        return [_text_to_binaries(item) for item in value]
    return value


# -- Cognito (through the emulator's control calls: the API never reveals passwords, nor lets us set subs) --


def _pool_state(endpoint: str, region: str, pool_id: str) -> dict[str, Any]:
    response = httpx.post(
        f"{endpoint}/_kefu/cognito/export",
        json={"account": ACCOUNT_ID, "region": region, "pool_id": pool_id},
        timeout=60,
    )
    response.raise_for_status()
    return dict(response.json())


def _restore_pool(cognito: Any, endpoint: str, region: str, pool_id: str, state: dict[str, Any]) -> None:
    existing = {group["GroupName"] for group in cognito.list_groups(UserPoolId=pool_id, Limit=60).get("Groups", [])}
    for group in state.get("groups", []):
        if group["name"] not in existing:
            request: dict[str, Any] = {"UserPoolId": pool_id, "GroupName": group["name"]}
            if group.get("description"):
                request["Description"] = group["description"]
            if group.get("precedence") is not None:
                request["Precedence"] = int(group["precedence"])
            cognito.create_group(**request)
    httpx.post(
        f"{endpoint}/_kefu/cognito/import-users",
        json={"account": ACCOUNT_ID, "region": region, "pool_id": pool_id, "users": state.get("users", [])},
        timeout=60,
    ).raise_for_status()


# -- S3 ---------------------------------------------------------------------------------------------------


def _bucket_objects(s3: Any, bucket: str) -> list[dict[str, Any]]:
    objects = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            obj = s3.get_object(Bucket=bucket, Key=entry["Key"])
            objects.append(
                {
                    "key": entry["Key"],
                    "content_type": obj.get("ContentType", "binary/octet-stream"),
                    "body": base64.b64encode(obj["Body"].read()).decode("ascii"),
                }
            )
    return objects
