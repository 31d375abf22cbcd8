"""The AWS emulator in a process of its own: moto's server, our hot-spot patches, IAM enforced.

``python -m local.emulator --port N`` serves moto on loopback. The parent (the local cloud) talks to it
only over HTTP, as every SDK does: the service APIs, moto's own ``/moto-api/``, and a few ``/_kefu/``
calls for what no AWS API allows (fixed KMS key material, Cognito users with their passwords and subs,
so that a restart keeps them). A process of its own gives the emulator a core of its own.

IAM: every request is authenticated and authorized from the first one on
(``INITIAL_NO_AUTH_ACTION_COUNT=0``). The local cloud's own credentials (``testing``) act as the account's
root user, which IAM never restricts; each function signs with the credentials of its own role, which
the emulator checks against that role's policies. What moto cannot check is in docs/local-cloud.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

ROOT_ACCESS_KEY = "testing"
ROOT_SECRET_KEY = "testing"  # noqa: S105 - the emulator's fixed root credentials, loopback only
CONTROL_PREFIX = "/_kefu/"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class ControlApp:
    """moto's WSGI app with a few control calls in front of it (``/_kefu/...``), counting what it serves."""

    def __init__(self, moto_app: Any) -> None:
        self.moto_app = moto_app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(CONTROL_PREFIX):
            started = time.thread_time()
            try:
                return self.moto_app(environ, start_response)
            finally:
                SERVED.count(environ, time.thread_time() - started)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
        try:
            result = CONTROL_CALLS[path[len(CONTROL_PREFIX) :]](body)
            status, payload = "200 OK", result
        except KeyError as error:
            status, payload = "404 Not Found", {"message": f"no such control call or object: {error}"}
        except Exception as error:  # the caller sees what went wrong
            status, payload = "500 Internal Server Error", {"message": f"{type(error).__name__}: {error}"}
        data = json.dumps(payload, default=_blob_in_base64).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]


class ServedRequests:
    """What the emulator served, by service, action and caller (the root user or the role a function acts
    as), with the CPU its request thread spent in moto (``thread_time``: a thread waiting for the GIL or
    the socket spends none). For the benchmark's profile of where the emulator's time goes; a few
    microseconds a request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._served: dict[tuple[str, str, str], list[float]] = {}
        self._callers: dict[str, str] = {}

    def count(self, environ: Environ, cpu_seconds: float) -> None:
        key = (*_service_and_action(environ), self._caller(environ.get("HTTP_AUTHORIZATION", "")))
        with self._lock:
            served = self._served.setdefault(key, [0, 0.0])
            served[0] += 1
            served[1] += cpu_seconds

    def report(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            rows = [
                {"service": service, "action": action, "caller": caller, "calls": int(calls), "cpu_seconds": cpu}
                for (service, action, caller), (calls, cpu) in self._served.items()
            ]
            if body.get("reset"):
                self._served.clear()
        return {"requests": rows}

    def _caller(self, authorization: str) -> str:
        key_id = authorization.partition("Credential=")[2].partition("/")[0]
        if not key_id:
            return "unsigned"
        if key_id == ROOT_ACCESS_KEY:
            return "root"
        if key_id not in self._callers:
            from moto.sts.models import sts_backends

            roles = (
                role.role_arn.rsplit("/", 1)[-1]
                for account in list(sts_backends)
                for backend in sts_backends[account].values()
                for role in backend.assumed_roles
                if role.access_key_id == key_id
            )
            self._callers[key_id] = next(roles, "unknown key")
        return self._callers[key_id]


def _service_and_action(environ: Environ) -> tuple[str, str]:
    scope = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2].partition(",")[0].split("/")
    service = scope[3] if len(scope) > 3 else "?"
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return service, target.rpartition(".")[2]
    action = [part[7:] for part in environ.get("QUERY_STRING", "").split("&") if part.startswith("Action=")]
    if action:
        return service, action[0]
    return service, f"{environ.get('REQUEST_METHOD', '?')} /{environ.get('PATH_INFO', '').strip('/').split('/')[0]}"


SERVED = ServedRequests()


# -- control calls (run inside the emulator process, next to moto's backends) -----------------------------


def _fixed_kms_key(body: dict[str, Any]) -> dict[str, Any]:
    """A key with a fixed id and material, so ciphertexts stored before a restart decrypt after it."""
    from moto.kms.models import kms_backends

    backend = kms_backends[body["account"]][body["region"]]
    key_id = body["key_id"]
    if key_id not in backend.keys:
        created = backend.create_key(
            policy=None,
            key_usage="ENCRYPT_DECRYPT",
            key_spec="SYMMETRIC_DEFAULT",
            description=body.get("description", ""),
            tags=None,
        )
        key = backend.keys.pop(created.id)
        key.id = key_id
        key.arn = f"arn:aws:kms:{body['region']}:{body['account']}:key/{key_id}"
        key.key_material = bytes.fromhex(body["material"])
        backend.keys[key_id] = key
    return {"key_id": key_id}


def _blob_in_base64(value: Any) -> str:
    """What DynamoDB's JSON writes for a blob (moto keeps some as bytes); nothing else is left to encode."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _export_table(body: dict[str, Any]) -> dict[str, Any]:
    """Every item of a table, as a consistent Scan returns them (DynamoDB's JSON, blobs in base64), read where
    moto keeps them. The local cloud's periodic snapshot was a paginated Scan: moto sorting the whole table
    and serializing it page by page, botocore parsing every attribute back, every 30 s, growing with the data
    (a quarter of the gateway process's CPU under load, docs/benchmarks.md)."""
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[body["account"]][body["region"]].get_table(body["table"])
    items: list[dict[str, Any]] = []
    for partition in list(table.items.values()):  # copied at once: writers go on while the export runs
        for item in list(partition.values()) if table.range_key_attr else [partition]:
            items.append(_item_attributes(item))
    return {"items": items}


def _item_attributes(item: Any) -> dict[str, Any]:
    # An UpdateItem may be changing this very item in place (moto's Scan has the same race): read it again.
    for _ in range(10):
        try:
            return item.to_json()["Attributes"]
        except RuntimeError:  # dictionary changed size during iteration
            continue
    return item.to_json()["Attributes"]


def _cognito_pool(body: dict[str, Any]) -> Any:
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[body["account"]][body["region"]].user_pools[body["pool_id"]]


def _export_pool(body: dict[str, Any]) -> dict[str, Any]:
    pool = _cognito_pool(body)
    return {
        "groups": [
            {"name": group.group_name, "description": group.description, "precedence": group.precedence}
            for group in pool.groups.values()
        ],
        "users": [
            {
                "username": user.username,
                "sub": user.id,
                "password": user.password,
                "status": user.status,
                "enabled": user.enabled,
                "attributes": [attr for attr in user.attributes if attr["Name"] != "sub"],
                "groups": sorted(group.group_name for group in user.groups),
                "mfa": _mfa_of(user),
            }
            for user in list(pool.users.values())
        ],
    }


def _mfa_of(user: Any) -> dict[str, Any] | None:
    """A user's TOTP set-up (``emulator_patches._cognito_totp_as_aws_does`` keeps the secret on the user)."""
    secret = getattr(user, "kefu_totp_secret", None)
    if not secret:
        return None
    return {"secret": secret, "enabled": user.software_token_mfa_enabled, "preferred": user.preferred_mfa_setting}


def _import_users(body: dict[str, Any]) -> dict[str, Any]:
    """Users as they were (sub, password, status, groups); the groups themselves exist already."""
    from moto.cognitoidp.models import CognitoIdpUser, UserStatus

    pool = _cognito_pool(body)
    for saved in body.get("users", []):
        # the status as moto's enum, not its JSON string: GetUser compares it by identity (`is CONFIRMED`)
        status = UserStatus(saved["status"])
        user = CognitoIdpUser(body["pool_id"], saved["username"], saved["password"], status, saved["attributes"])
        user.id = saved["sub"]
        user.username = saved["username"]
        user.enabled = saved.get("enabled", True)
        user.update_attributes([{"Name": "sub", "Value": saved["sub"]}])
        pool.users[user.username] = user
        mfa = saved.get("mfa")
        if mfa:
            user.kefu_totp_secret = mfa["secret"]  # type: ignore[attr-defined]
            user.token_verified = True
            user.software_token_mfa_enabled = bool(mfa["enabled"])
            user.preferred_mfa_setting = mfa.get("preferred") or ""
        for name in saved.get("groups", []):
            group = pool.groups.get(name)
            if group is not None:
                group.users.add(user)
                user.groups.add(group)
    return {"users": len(body.get("users", []))}


# -- schedules (their creation dates and start dates as they were: the API would refuse old start dates) ------

SCHEDULE_FIELDS = (
    "description", "schedule_expression", "schedule_expression_timezone", "flexible_time_window", "target",
    "state", "kms_key_arn", "start_date", "end_date", "action_after_completion", "creation_date",
    "last_modified_date",
)  # fmt: skip
# what serve() started that control calls talk to: the scheduler (local/scheduler.py), woken on an import
RUNNING: dict[str, Any] = {}


def _export_schedules(body: dict[str, Any]) -> dict[str, Any]:
    from moto.scheduler.models import scheduler_backends

    backend = scheduler_backends[body["account"]][body["region"]]
    return {
        "groups": [name for name in backend.schedule_groups if name != "default"],
        "schedules": [
            {
                "group": group.name,
                "name": schedule.name,
                "local_last_fired": getattr(schedule, "local_last_fired", None),
                **{key: getattr(schedule, key) for key in SCHEDULE_FIELDS},
            }
            for group in backend.schedule_groups.values()
            for schedule in group.schedules.values()
        ],
    }


def _import_schedules(body: dict[str, Any]) -> dict[str, Any]:
    """Schedules as they were; one the template created again (same group and name) is kept as it is now."""
    from moto.scheduler.models import Schedule, scheduler_backends

    backend = scheduler_backends[body["account"]][body["region"]]
    for name in body.get("groups", []):
        if name not in backend.schedule_groups:
            backend.create_schedule_group(name=name, tags=[])
    imported = 0
    for saved in body.get("schedules", []):
        group = backend.schedule_groups.get(saved["group"])
        if group is None or saved["name"] in group.schedules:
            continue
        schedule = Schedule(
            region=body["region"],
            account_id=body["account"],
            group_name=group.name,
            name=saved["name"],
            description=saved.get("description"),
            schedule_expression=saved["schedule_expression"],
            schedule_expression_timezone=saved.get("schedule_expression_timezone"),
            flexible_time_window=saved.get("flexible_time_window") or {"Mode": "OFF"},
            target=saved["target"],
            state=saved.get("state"),
            kms_key_arn=saved.get("kms_key_arn"),
            start_date=None,
            end_date=saved.get("end_date"),
            action_after_completion=saved.get("action_after_completion"),
        )
        schedule.start_date = saved.get("start_date")
        schedule.creation_date = saved.get("creation_date", schedule.creation_date)
        schedule.last_modified_date = saved.get("last_modified_date", schedule.last_modified_date)
        if saved.get("local_last_fired") is not None:
            schedule.local_last_fired = saved["local_last_fired"]  # type: ignore[attr-defined]
        group.add_schedule(schedule)
        imported += 1
    if "scheduler" in RUNNING:
        RUNNING["scheduler"].wake()
    return {"schedules": imported}


CONTROL_CALLS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "scheduler/export": _export_schedules,
    "scheduler/import": _import_schedules,
    "kms/fixed-key": _fixed_kms_key,
    "dynamodb/export": _export_table,
    "cognito/export": _export_pool,
    "cognito/import-users": _import_users,
    "requests": SERVED.report,
}


# -- the process ------------------------------------------------------------------------------------------


def serve(host: str, port: int, enforce_iam: bool = True, lambda_endpoint: str = "") -> None:
    os.environ.setdefault("MOTO_PORT", str(port))  # the Step Functions interpreter calls back on it
    from moto import settings
    from moto.moto_api._internal import mock_random  # noqa: F401 - loads moto's api backend first
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from local import emulator_patches

    emulator_patches.apply()
    _full_collections_on_a_timer()
    if lambda_endpoint:
        emulator_patches.lambda_invocations_to(lambda_endpoint)
    if enforce_iam:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        emulator_patches.iam_for_the_local_cloud(ROOT_ACCESS_KEY)
        emulator_patches.step_functions_tasks_as_their_role(ROOT_ACCESS_KEY, ROOT_SECRET_KEY)
    app = ControlApp(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True)
    # What the scheduler does (each invocation, each failure) goes to the emulator's log, as Scheduler's
    # CloudWatch metrics and dead-letter events would tell it in AWS.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("local.scheduler").addHandler(handler)
    logging.getLogger("local.scheduler").setLevel(logging.INFO)
    # Schedules fire from inside the emulator (they watch its store) and call their targets through it.
    RUNNING["scheduler"] = emulator_patches.schedules_fired(
        f"http://{host}:{server.server_port}", ROOT_ACCESS_KEY, ROOT_SECRET_KEY
    )
    server.daemon_threads = True  # type: ignore[attr-defined]
    stop = threading.Event()

    def shutdown(*_: object) -> None:
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    print(f"emulator listening on http://{host}:{server.server_port}", flush=True)
    server.serve_forever(poll_interval=0.2)


# How often the emulator's cyclic garbage is collected in full (the young generations as CPython does).
FULL_COLLECTION_SECONDS = 60.0


def _full_collections_on_a_timer(interval: float = FULL_COLLECTION_SECONDS) -> threading.Event:
    """The emulator holds every item, stream record and queued message as Python objects (~470 for a chat
    message), and CPython's automatic full collections walk all of them: under bench (c) they took 2 s of the
    emulator's CPU for 1,000 messages, each stopping every request for 0.25-0.35 s, longer as the data grows.
    Full collections come from a timer instead (the young generations are collected as CPython does), so a
    garbage cycle that outlives the young generations is freed within the interval. Set the event to stop."""
    import gc

    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 2**31 - 1)  # no automatic full collection
    stop = threading.Event()

    def collect() -> None:
        while not stop.wait(interval):
            gc.collect()

    threading.Thread(target=collect, name="full-collections", daemon=True).start()
    return stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.emulator", description="The AWS emulator (moto).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--no-iam", action="store_true", help="do not enforce IAM (moto's default)")
    parser.add_argument("--lambda-endpoint", default="", help="where Invoke calls go (the local cloud's Lambda API)")
    args = parser.parse_args(argv)
    serve(args.host, args.port, enforce_iam=not args.no_iam, lambda_endpoint=args.lambda_endpoint)
    return 0


if __name__ == "__main__":
    sys.exit(main())
