"""The X-Ray SDK is loaded only when the stack asks for it (kefu.observability.xray_sdk_wanted): off (the
default), a handler's ``Tracer()`` and its decorator work without importing it (it costs ~80 ms of a cold
start)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.observability import xray_sdk_wanted

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import kefu.observability
from aws_lambda_powertools import Tracer

tracer = Tracer()

@tracer.capture_lambda_handler
def handler(event, context):
    if event.get("fail"):
        raise ValueError("told to fail")
    return {"ok": event}

assert handler({"n": 1}, None) == {"ok": {"n": 1}}
try:
    handler({"fail": True}, None)
except ValueError:
    pass
else:
    raise AssertionError("the error did not come through")
print("xray" if "aws_xray_sdk.core" in sys.modules else "no-xray")
"""


def _probe(**environ: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("POWERTOOLS_", "LAMBDA_", "AWS_SAM"))}
    env.update(environ, PYTHONPATH=str(ROOT / "layers/kefu/python"), AWS_DEFAULT_REGION="us-east-1")
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_off_the_sdk_is_never_imported_and_handlers_still_work() -> None:
    assert _probe(LAMBDA_TASK_ROOT="/var/task") == "no-xray"  # the default: nothing said
    assert _probe(LAMBDA_TASK_ROOT="/var/task", POWERTOOLS_TRACE_DISABLED="true") == "no-xray"


def test_on_in_lambda_the_sdk_traces() -> None:
    assert _probe(LAMBDA_TASK_ROOT="/var/task", POWERTOOLS_TRACE_DISABLED="false") == "xray"


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({"LAMBDA_TASK_ROOT": "/var/task"}, False),  # opt-in
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        ({"POWERTOOLS_TRACE_DISABLED": "false"}, False),  # outside Lambda Powertools never traces
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false", "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_when_the_sdk_is_wanted(environ: dict[str, str], wanted: bool) -> None:
    assert xray_sdk_wanted(environ) is wanted
