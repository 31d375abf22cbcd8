"""The local cloud's own lines on stdout, one whole line per write.

``print`` writes a line's text and its newline as two writes, and the gateway process prints from several
threads (the startup lines, every function's log lines echoed by their pool's reader): another thread's line
could land between the two, e.g. ``ready at http://127.0.0.1:54425[kefu-StreamFunction] ...``, which broke the
tests (and any script) that read the URL from the ready line."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

_WRITING = threading.Lock()


def say(line: str, stream: TextIO | None = None) -> None:
    """Write ``line`` and its newline in one write and flush, never interleaved with another thread's."""
    with _WRITING:
        out = stream if stream is not None else sys.stdout
        out.write(f"{line}\n")
        out.flush()
