"""The local cloud for end-to-end tests, run as a real subprocess (``python -m local``) on free ports.

A subprocess keeps the handlers' process environment away from the test process, and makes ``restart()``
a real stop (SIGTERM: drain, snapshot) and start on the same state dir and ports.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import boto3
import httpx
import pytest

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "cdk.out" / "Kefu.template.json"
READY = re.compile(r"ready at (http://\S+)")
START_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0


# What the synthesized assets are made of: a change here means cdk.out holds old code.
SOURCES = ("functions", "layers/kefu/python", "layers/deps/requirements.txt", "infra", "local/cdk-context.json")


def _newest_source() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = (
            [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        )
        newest = max([newest, *(file.stat().st_mtime for file in files)])
    return newest


def synthesize_once() -> None:
    """The local cloud runs the synthesized template and its assets (functions and layers as ``cdk deploy``
    would ship them): synthesize when there is none, or when the sources changed since."""
    with (ROOT / ".synth.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once must not write cdk.out together
        if TEMPLATE.is_file() and TEMPLATE.stat().st_mtime >= _newest_source():
            return
        env = {
            **os.environ,
            # the local cloud's own installation context, as `make synth` passes it (the demo order system)
            "CDK_CONTEXT_JSON": (ROOT / "local" / "cdk-context.json").read_text(),
            "CDK_OUTDIR": str(ROOT / "cdk.out"),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        }
        subprocess.run([sys.executable, "infra/app.py"], cwd=ROOT, env=env, check=True, timeout=600)
        if not TEMPLATE.is_file():
            raise RuntimeError(f"synth ran but {TEMPLATE} is missing")


class LocalCloudProcess:
    def __init__(self, state_dir: Path, log_path: Path) -> None:
        self.state_dir = state_dir
        self.log_path = log_path
        self.port = free_port()
        self.aws_port = free_port()
        self.search_port = free_port()
        self.orders_port = free_port()  # the demo order system (local/orders.py)
        self.url = ""
        self.aws_endpoint = ""
        self.region = ""
        self.user_pool_id = ""
        self.client_id = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0

    def start(self, reset: bool) -> None:
        command = [
            sys.executable, "-m", "local",
            "--port", str(self.port),
            "--aws-port", str(self.aws_port),
            "--search-port", str(self.search_port),
            "--orders-port", str(self.orders_port),
            "--state-dir", str(self.state_dir),
            "--template", str(TEMPLATE),
        ]  # fmt: skip
        if reset:
            command.append("--reset")
        self._log = self.log_path.open("ab")
        offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.starts += 1
        self.url = self._wait_for_ready(offset)
        config = httpx.get(f"{self.url}/config.json", timeout=10).json()
        self.aws_endpoint = config["cognitoEndpoint"]
        self.region = config["region"]
        self.user_pool_id = config["userPoolId"]
        self.client_id = config["userPoolClientId"]

    def _wait_for_ready(self, offset: int) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        assert self.process is not None
        while time.monotonic() < deadline:
            with self.log_path.open("rb") as log:
                log.seek(offset)
                for line in log.read().decode("utf-8", "replace").splitlines():
                    match = READY.search(line)
                    if match:
                        return match.group(1)
            if self.process.poll() is not None:
                raise RuntimeError(f"local cloud exited with {self.process.returncode}; see {self.log_path}")
            time.sleep(0.2)
        raise RuntimeError(f"local cloud not ready within {START_TIMEOUT} s; see {self.log_path}")

    def stop(self) -> int | None:
        """SIGTERM (a clean stop: drain, snapshot), then kill the whole process group if it lingers."""
        process, self.process = self.process, None
        if process is None:
            return None
        code: int | None = None
        try:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            code = process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # children (the search server) included
            process.wait()
            if self._log is not None:
                self._log.close()
        return code

    def restart(self) -> None:
        code = self.stop()
        if code != 0:
            raise RuntimeError(f"local cloud did not stop cleanly (exit {code}); see {self.log_path}")
        self.start(reset=False)

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.aws_endpoint,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def login(self, email: str, password: str) -> str:
        """A Cognito ID token (USER_PASSWORD_AUTH against the emulator, as the SPA does)."""
        result = self.client("cognito-idp").initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        return str(result["AuthenticationResult"]["IdToken"])

    def table_name(self) -> str:
        names = self.client("dynamodb").list_tables()["TableNames"]
        return str(names[0])

    def describe(self) -> str:
        return json.dumps({"url": self.url, "aws": self.aws_endpoint, "state_dir": str(self.state_dir)})


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudProcess]:
    synthesize_once()
    base = tmp_path_factory.mktemp("local-cloud")
    cloud = LocalCloudProcess(base / "state", base / "local-cloud.log")
    try:
        cloud.start(reset=True)
        yield cloud
    finally:
        cloud.stop()


def login(cloud: LocalCloudProcess, email: str, password: str) -> str:
    return cloud.login(email, password)
