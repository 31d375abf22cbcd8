"""Killing the local cloud outright (SIGKILL: no drain, no cleanup) leaves none of its processes behind:
the emulator and every function's workers run in sessions of their own, and die with it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from local_helpers import TEMPLATE

from tests.support.ports import free_port
from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[3]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                continue
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_local_cloud_takes_its_emulator_and_workers_with_it(tmp_path: Path) -> None:
    log = tmp_path / "cloud.log"
    command = [
        sys.executable, "-m", "local",
        "--port", str(free_port()), "--aws-port", str(free_port()), "--search-port", str(free_port()),
        "--orders-port", str(free_port()),
        "--state-dir", str(tmp_path / "state"), "--template", str(TEMPLATE), "--reset",
    ]  # fmt: skip
    with log.open("wb") as output:
        cloud = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        eventually(lambda: re.search(r"ready at", log.read_text()), "the local cloud ready", 120, 0.2)
        children = children_of(cloud.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() for pid in children]
        assert any("local.emulator" in c for c in commands), commands
        assert sum("awslambdaric" in c for c in commands) >= 3, commands
        os.kill(cloud.pid, signal.SIGKILL)
        cloud.wait(timeout=10)
        eventually(lambda: not any(alive(pid) for pid in children), "no process of the cloud left", 10, 0.1)
    finally:
        if cloud.poll() is None:
            os.killpg(cloud.pid, signal.SIGKILL)
            cloud.wait()
        time.sleep(0)
