"""Each function runs as Lambda runs it: its own process, its asset and layers only, its own environment
and role, and Lambda's answers for a crash, an exit, a timeout and too much memory."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from local_helpers import FIXTURES

from local.cloud import LocalCloud
from local.packaging import runtime_python
from local.runtime import FunctionError, FunctionWorkers, WorkerSpec
from tests.support.waiting import eventually


def environment_of(cloud: LocalCloud) -> dict[str, Any]:
    response = httpx.get(f"{cloud.url}/webhooks/media/environment", timeout=30)
    assert response.status_code == 200
    return dict(response.json())


def test_a_function_sees_only_what_lambda_gives_it(fixture_cloud: LocalCloud) -> None:
    seen = environment_of(fixture_cloud)
    environ, path = seen["environ"], seen["path"]
    assert environ["AWS_LAMBDA_FUNCTION_NAME"] == "kefu-ApiFn"
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert environ["LAMBDA_TASK_ROOT"] == str(FIXTURES / "asset.abc")
    assert environ["_HANDLER"] == "fixture_fn.handler.api"
    assert environ["KEFU_TABLE_NAME"] == "kefu-DataTable1A2B3C4D"
    # its role's temporary credentials, never the local cloud's own
    assert environ["AWS_SESSION_TOKEN"]
    assert environ["AWS_ACCESS_KEY_ID"] != "testing"
    # nothing of the developer's environment: no virtualenv, no repository checkout on sys.path
    assert "VIRTUAL_ENV" not in environ
    assert not any(".venv" in entry for entry in path)
    assert str(Path(sys.prefix)) not in " ".join(path)
    assert not any(entry.rstrip("/").endswith("layers/kefu/python") for entry in path)
    # its asset ships no bytecode, and Lambda's /var/task is read-only: it is compiled at every cold start
    assert environ["PYTHONDONTWRITEBYTECODE"] == "1"
    assert "PYTHONPYCACHEPREFIX" not in environ


def test_the_context_carries_the_request_id_and_remaining_time(fixture_cloud: LocalCloud, received: Any) -> None:
    httpx.get(f"{fixture_cloud.url}/webhooks/wechat/context-probe", timeout=30)
    record = eventually(
        lambda: next(
            (r for r in reversed(received.records("api")) if r["event"]["path"].endswith("context-probe")), None
        ),
        "the probe's event in the function's log",
        10,
        0.05,
    )
    context = record["context"]
    assert context["function_name"] == "kefu-ApiFn"
    assert int(context["memory_limit_in_mb"]) == 256
    assert 0 < context["remaining_ms"] <= 30_000
    assert len(context["aws_request_id"]) == 36


def test_the_role_allows_what_it_grants_and_nothing_else(fixture_cloud: LocalCloud) -> None:
    allowed = httpx.get(f"{fixture_cloud.url}/webhooks/media/aws?action=get", timeout=30).json()
    assert allowed["allowed"] is True
    assert ".build/local/runtime" in allowed["boto3"]  # the runtime's boto3, as on Lambda
    refused = httpx.get(f"{fixture_cloud.url}/webhooks/media/aws?action=put", timeout=30).json()
    # as DynamoDB refuses it: 400 AccessDeniedException (not a 403)
    assert refused == {"allowed": False, "status": 400, "error": "ClientError", "code": "AccessDeniedException"}


def test_a_worker_that_exits_is_replaced(fixture_cloud: LocalCloud, received: Any) -> None:
    assert httpx.get(f"{fixture_cloud.url}/webhooks/media/exit", timeout=30).status_code == 502
    assert httpx.get(f"{fixture_cloud.url}/webhooks/wechat/after-exit", timeout=30).status_code == 200


# -- the runtime on its own, with limits small enough to hit ------------------------------------------------


@pytest.fixture
def tight_function(tmp_path: Path) -> Any:
    def make(timeout: int = 1, memory: int = 128, handler: str = "fixture_fn.handler.api") -> FunctionWorkers:
        workers = FunctionWorkers(
            WorkerSpec(
                name="tight",
                arn="arn:aws:lambda:us-east-1:123456789012:function:tight",
                handler=handler,
                task_root=FIXTURES / "asset.abc",
                layer_paths=[],
                runtime_python=runtime_python(),
                environment={"KEFU_TABLE_NAME": "none"},
                credentials=lambda: {},
                timeout_seconds=timeout,
                memory_mb=memory,
                log_path=tmp_path / "tight.log",
                max_workers=1,
            )
        )
        made.append(workers)
        return workers

    made: list[FunctionWorkers] = []
    yield make
    for workers in made:
        workers.stop()


def invoke(workers: FunctionWorkers, path: str, query: dict[str, str] | None = None) -> Any:
    event = {"path": path, "httpMethod": "GET", "queryStringParameters": query}
    return json.loads(workers.invoke(json.dumps(event).encode()))


def test_a_timeout_is_reported_as_lambda_reports_it(tight_function: Any) -> None:
    workers = tight_function(timeout=1)
    with pytest.raises(FunctionError) as failure:
        invoke(workers, "/sleep", {"seconds": "5"})
    assert failure.value.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in failure.value.message
    assert invoke(workers, "/after")["statusCode"] == 200  # a new sandbox takes the next one


def test_more_memory_than_configured_kills_the_sandbox(tight_function: Any) -> None:
    workers = tight_function(timeout=10, memory=128)
    with pytest.raises(FunctionError) as failure:
        invoke(workers, "/hog", {"mb": "300"})
    assert failure.value.error_type == "Runtime.OutOfMemory"


def test_an_unhandled_exception_is_a_function_error(tight_function: Any) -> None:
    workers = tight_function()
    with pytest.raises(FunctionError) as failure:
        invoke(workers, "/crash")
    assert failure.value.error_type == "RuntimeError"
    assert failure.value.message == "injected failure"


def test_an_import_error_fails_the_invocation_that_started_the_sandbox(tight_function: Any) -> None:
    workers = tight_function(handler="fixture_fn.missing_module.api")
    for _ in range(2):  # each invocation tries the cold start again, as Lambda does
        with pytest.raises(FunctionError) as failure:
            invoke(workers, "/x")
        assert failure.value.error_type == "Runtime.ImportModuleError"
        assert "fixture_fn.missing_module" in failure.value.message


def test_concurrent_invocations_never_start_more_workers_than_allowed(tight_function: Any) -> None:
    import threading

    workers = tight_function(timeout=10)
    workers.spec.max_workers = 3
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(invoke(workers, "/sleep", {"seconds": "0.5"})))
        for _ in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 12
    started = {worker.process.pid for worker in workers.workers if worker.process is not None}
    assert len(workers.workers) <= 3 and len(started) <= 3

    def seen_pids() -> set[int] | None:
        lines = [line for line in workers.spec.log_path.read_text().splitlines() if line.startswith("RECEIVED api ")]
        return {json.loads(line.split(" ", 2)[2])["pid"] for line in lines} if len(lines) >= 12 else None

    pids = eventually(seen_pids, "every invocation's line in the log", 10, 0.05)
    assert 1 <= len(pids) <= 3, pids
