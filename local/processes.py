"""Child processes that never outlive the local cloud.

The emulator and the functions' workers run in sessions of their own (a Ctrl-C meant for the local cloud must
not reach them before it has drained the queues and saved its state), so a kill of the local cloud's process
group does not reach them either. Linux's parent-death signal does: each child is killed when the thread that
started it ends. All children are therefore started from one thread that lives as long as the process.
"""

from __future__ import annotations

import ctypes
import queue
import signal
import subprocess
import threading
from concurrent.futures import Future
from typing import Any

PR_SET_PDEATHSIG = 1
_requests: queue.Queue[tuple[list[str], dict[str, Any], Future[subprocess.Popen[bytes]]]] = queue.Queue()
_started = threading.Lock()
_thread: threading.Thread | None = None


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _serve() -> None:
    while True:
        command, options, result = _requests.get()
        try:
            result.set_result(subprocess.Popen(command, preexec_fn=_die_with_parent, **options))  # noqa: PLW1509
        except BaseException as error:
            result.set_exception(error)


def spawn(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(command, **options)``, killed with SIGKILL if the local cloud's process dies."""
    global _thread  # noqa: PLW0603 - one spawning thread per process
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_serve, name="spawner", daemon=True)
            _thread.start()
    result: Future[subprocess.Popen[bytes]] = Future()
    _requests.put((command, options, result))
    return result.result(timeout=60)
