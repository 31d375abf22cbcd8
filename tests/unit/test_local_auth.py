"""The local gateway's authorizer asks the emulator for a pool's app clients once, not on every request."""

from __future__ import annotations

from local.auth import CognitoVerifier


def test_pool_clients_are_asked_for_once_and_again_only_for_an_unknown_audience() -> None:
    asked: list[str] = []
    clients = {"pool-1": {"client-a"}}

    def client_ids(pool_id: str) -> set[str]:
        asked.append(pool_id)
        return set(clients[pool_id])

    verifier = CognitoVerifier("http://emulator", "us-east-1", client_ids)
    for _ in range(3):
        assert verifier._is_client("pool-1", "client-a")
    assert asked == ["pool-1"]

    clients["pool-1"].add("client-b")  # an app client made after the first request
    assert verifier._is_client("pool-1", "client-b")
    assert asked == ["pool-1", "pool-1"]

    assert not verifier._is_client("pool-1", "someone-else")
    assert asked == ["pool-1", "pool-1", "pool-1"]
