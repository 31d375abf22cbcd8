"""Two requests served at the same moment by Powertools resolvers in one process must not see each
other's event (the local cloud runs every function, and several containers of each, in one process)."""

from __future__ import annotations

import threading
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

import local.lambdas  # noqa: F401  (installs the per-thread current event)
from tests.support.aws_events import FakeContext, api_event


def test_overlapping_requests_each_see_their_own_event() -> None:
    both_inside = threading.Barrier(2, timeout=10)
    apps = [APIGatewayRestResolver(), APIGatewayRestResolver()]  # two functions (or two containers)
    for app in apps:

        @app.get("/whoami/<name>")
        def whoami(name: str, app: APIGatewayRestResolver = app) -> dict[str, Any]:
            both_inside.wait()  # the other request has been resolved too by now
            return {"path_param": name, "event_path": app.current_event.path}

    seen: dict[str, Any] = {}

    def call(index: int, name: str) -> None:
        response = apps[index].resolve(api_event("GET", f"/whoami/{name}"), cast(LambdaContext, FakeContext()))
        seen[name] = response["body"]

    threads = [threading.Thread(target=call, args=(0, "alice")), threading.Thread(target=call, args=(1, "bob"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert '"event_path":"/whoami/alice"' in seen["alice"]
    assert '"event_path":"/whoami/bob"' in seen["bob"]
