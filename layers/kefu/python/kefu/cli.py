"""The ``kefu`` command: the project's tools for people, beside ``make`` (which builds, tests and deploys).

Verbs:
- ``kefu local``: run the local cloud in the foreground on the synthesized stack in ``cdk.out/`` (``make dev``
  builds and synthesizes first, then does the same);
- ``kefu trace ID``: every line the local cloud's functions logged for one correlation id, in time order;
- ``kefu mask``: copy text with phone numbers and emails masked, e.g. a log excerpt for an issue.

``local`` and ``trace`` work from a checkout of Kefu (``pip install -e .`` or ``make install``), which is
where the local cloud lives; ``mask`` works anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

# layers/kefu/python/kefu/cli.py -> the checkout's root
CHECKOUT = Path(__file__).resolve().parents[4]
DEFAULT_STATE_DIR = ".kefu"  # the local cloud's default --state-dir, relative to the checkout


def _checkout_root() -> Path:
    if not (CHECKOUT / "local" / "__main__.py").is_file():
        raise SystemExit(
            f"kefu: no Kefu checkout at {CHECKOUT} (the local cloud lives in one; install with `pip install -e .`)"
        )
    return CHECKOUT


def run_local(arguments: Sequence[str]) -> int:
    """Become ``python -m local`` in the checkout, with the caller's arguments (``kefu local --help`` lists
    them). Exec, not a child process: Ctrl-C and SIGTERM then reach the local cloud itself, which drains and
    saves its state, instead of a parent that would kill it."""
    root = _checkout_root()
    os.chdir(root)
    # the person's own arguments for their own local cloud, run by this interpreter: nothing untrusted
    os.execv(sys.executable, [sys.executable, "-m", "local", *arguments])  # noqa: S606
    return 0  # not reached: execv replaces this process


def moment(record: dict[str, Any]) -> float:
    """When a line was written, in epoch seconds: Powertools' ``timestamp``, or a metric's ``_aws.Timestamp``."""
    metric = record.get("_aws")
    if isinstance(metric, dict) and isinstance(metric.get("Timestamp"), int | float):
        return float(metric["Timestamp"]) / 1000
    try:
        return datetime.strptime(str(record.get("timestamp")), "%Y-%m-%d %H:%M:%S,%f%z").timestamp()
    except ValueError:
        return 0.0


def trace_lines(logs_dir: Path, correlation_id: str) -> Iterator[tuple[float, str, str]]:
    """(when, function, line) of every JSON log line in ``logs_dir/*.log`` that carries the id."""
    for log_file in sorted(logs_dir.glob("*.log")):
        with log_file.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if correlation_id not in line:
                    continue  # cheap filter before parsing
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("correlation_id") == correlation_id:
                    yield moment(record), log_file.stem, line.rstrip("\n")


def run_trace(correlation_id: str, state_dir: Path, out: TextIO) -> int:
    logs_dir = state_dir / "logs"
    if not logs_dir.is_dir():
        print(f"kefu: no function logs in {logs_dir} (is this the local cloud's --state-dir?)", file=sys.stderr)
        return 1
    found = sorted(trace_lines(logs_dir, correlation_id))
    if not found:
        print(f"kefu: no line carries correlation id {correlation_id!r} in {logs_dir}", file=sys.stderr)
        return 1
    for _, function, line in found:
        print(f"{function}: {line}", file=out)
    return 0


def run_mask(texts: Sequence[str], source: TextIO, out: TextIO) -> int:
    from kefu.privacy import mask_personal_data

    if texts:
        print(mask_personal_data(" ".join(texts)), file=out)
        return 0
    for line in source:
        out.write(mask_personal_data(line))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kefu", description="Kefu's tools: run the local cloud, follow a trace.")
    verbs = root.add_subparsers(dest="verb", metavar="VERB", required=True)
    verbs.add_parser(
        "local",
        help="run the local cloud in the foreground (arguments go to it: kefu local --help)",
        add_help=False,
    )
    trace = verbs.add_parser("trace", help="every function's log lines for one correlation id, in time order")
    trace.add_argument("correlation_id", help="the id on the log lines (a request's X-Correlation-Id or request id)")
    trace.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("KEFU_STATE_DIR") or CHECKOUT / DEFAULT_STATE_DIR),
        help="the local cloud's state folder (default: .kefu in the checkout; env KEFU_STATE_DIR)",
    )
    mask = verbs.add_parser("mask", help="copy text with phone numbers and emails masked (138****5678)")
    mask.add_argument("text", nargs="*", help="the text; without it, standard input is copied")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["local"]:
        return run_local(arguments[1:])  # everything after the verb belongs to the local cloud
    args = parser().parse_args(arguments)
    if args.verb == "trace":
        return run_trace(args.correlation_id, args.state_dir, sys.stdout)
    return run_mask(args.text, sys.stdin, sys.stdout)
