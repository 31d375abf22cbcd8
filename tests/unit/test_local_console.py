"""The local cloud's stdout lines come out whole, whichever threads write them at once."""

from __future__ import annotations

import io
import threading
import time

from local.console import say


class _SlowStream(io.StringIO):
    """Records each write and gives the other threads a chance to run inside it, as a real file's write may."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        time.sleep(0)
        self.writes.append(text)
        return len(text)

    def flush(self) -> None:
        time.sleep(0)


def test_lines_written_by_many_threads_at_once_each_come_out_whole_in_one_write() -> None:
    stream = _SlowStream()
    lines = {f"[kefu-Function{n}] line {i}" for n in range(8) for i in range(200)}

    def write_lines(n: int) -> None:
        for i in range(200):
            say(f"[kefu-Function{n}] line {i}", stream)

    threads = [threading.Thread(target=write_lines, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(text.endswith("\n") and text.count("\n") == 1 for text in stream.writes)
    assert {text.rstrip("\n") for text in stream.writes} == lines
