"""``python -m local``: start the local cloud in the foreground; Ctrl-C or SIGTERM stops it cleanly."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from local.cloud import DEFAULT_TEMPLATE, LocalCloud
from local.console import say
from local.seed import describe_users


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    root = Path.cwd()
    parser = argparse.ArgumentParser(prog="python -m local", description="Run Kefu's local cloud.")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("KEFU_PORT", "8080")),
        help="gateway port (0 = any free port; env KEFU_PORT)",
    )
    parser.add_argument(
        "--aws-port",
        type=int,
        default=int(os.environ.get("KEFU_AWS_PORT", "4566")),
        help="AWS emulator port (env KEFU_AWS_PORT)",
    )
    parser.add_argument(
        "--search-port",
        type=int,
        default=int(os.environ.get("KEFU_SEARCH_PORT", "9200")),
        help="OpenSearch-compatible server port (env KEFU_SEARCH_PORT)",
    )
    parser.add_argument(
        "--orders-port",
        type=int,
        default=int(os.environ.get("KEFU_ORDERS_PORT", "9300")),
        help="demo order system port, when the template configures order lookup (0 = any free port; env "
        "KEFU_ORDERS_PORT)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("KEFU_LOCAL_CONCURRENCY", "0")) or None,
        help="workers per function that reserves no concurrency (default 4 behind the API, 2 for event sources; "
        "env KEFU_LOCAL_CONCURRENCY)",
    )
    parser.add_argument("--state-dir", type=Path, default=root / ".kefu", help="where state is kept")
    parser.add_argument("--reset", action="store_true", help="wipe the state and start from demo data")
    parser.add_argument("--template", type=Path, default=root / DEFAULT_TEMPLATE, help="synthesized template")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    cloud = LocalCloud(
        root=Path.cwd(),
        state_dir=args.state_dir,
        port=args.port,
        aws_port=args.aws_port,
        search_port=args.search_port,
        orders_port=args.orders_port,
        reset=args.reset,
        template=args.template,
        concurrency=args.concurrency,
        echo_function_logs=True,
    )
    try:
        cloud.start()
    except FileNotFoundError as error:
        say(f"kefu local cloud: {error}", sys.stderr)
        cloud.stop()
        return 2
    except BaseException:
        cloud.stop()
        raise
    _startup_objects_frozen()
    say("Demo users (local only):")
    for line in describe_users():
        say(line)
    say(f"AWS emulator: {cloud.aws_endpoint}   search: {cloud.search_endpoint or 'not running'}")
    orders = cloud.orders_endpoint or cloud.orders_failure or "not configured (kefu:ordersEndpoint)"
    say(f"demo order system: {orders}")
    say(f"kefu local cloud ready at {cloud.url}")
    while not stop.wait(0.5):
        pass
    say("stopping: draining the queues and saving state ...")
    cloud.stop()
    say("stopped")
    return 0


def _startup_objects_frozen() -> None:
    """This process starts with ~410,000 objects that live as long as it does (botocore's service models for
    every client, the template, the routes), and each of CPython's full collections walked them all: under
    bench (c), ~0.3 s each (0.61 s in a run), every thread of the gateway and the dispatchers stopped. What
    exists once the cloud is up is collected once and frozen (left out of later collections: 0.04 s in the
    same run); what is made afterwards is collected as always."""
    gc.collect()
    gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
