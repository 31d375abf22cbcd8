"""Checking Cognito ID tokens the way API Gateway's COGNITO_USER_POOLS authorizer does."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import jwt


class Unauthorized(Exception):
    """The request carries no valid token for the method's user pools (API Gateway answers 401)."""


class CognitoVerifier:
    def __init__(self, endpoint: str, region: str, client_ids: Callable[[str], set[str]]) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.client_ids = client_ids  # pool id -> the pool's app client ids
        self._keys: dict[str, jwt.PyJWKSet] = {}
        self._clients: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def issuer(self, pool_id: str) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{pool_id}"

    def _key_set(self, pool_id: str, refresh: bool = False) -> jwt.PyJWKSet:
        with self._lock:
            if refresh or pool_id not in self._keys:
                response = httpx.get(f"{self.endpoint}/{pool_id}/.well-known/jwks.json", timeout=5)
                response.raise_for_status()
                self._keys[pool_id] = jwt.PyJWKSet.from_dict(response.json())
            return self._keys[pool_id]

    def _signing_key(self, pool_id: str, kid: str | None) -> Any:
        for refresh in (False, True):  # an unknown kid may mean the keys rotated: fetch once more
            for key in self._key_set(pool_id, refresh=refresh).keys:
                if key.key_id == kid:
                    return key.key
        raise Unauthorized("unknown signing key")

    def verify(self, authorization: str | None, pool_ids: list[str]) -> dict[str, Any]:
        """The token's claims, or Unauthorized. Accepts ``Bearer <token>`` or the bare token."""
        if not authorization:
            raise Unauthorized("no token")
        token = authorization.strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise Unauthorized("not a JWT") from error
        pool_id = str(unverified.get("iss", "")).rsplit("/", 1)[-1]
        if pool_id not in pool_ids:
            raise Unauthorized("token from another issuer")
        if header.get("alg") != "RS256":
            raise Unauthorized("unexpected algorithm")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._signing_key(pool_id, header.get("kid")),
                algorithms=["RS256"],
                issuer=self.issuer(pool_id),
                options={"verify_aud": False, "require": ["exp", "iss", "token_use"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthorized(str(error)) from error
        if claims.get("token_use") != "id":
            raise Unauthorized("not an ID token")
        if not self._is_client(pool_id, claims.get("aud")):
            raise Unauthorized("token for another client")
        return claims

    def _is_client(self, pool_id: str, audience: object) -> bool:
        """Whether the token's audience is an app client of the pool. The pool's clients are asked for once,
        not on every request; an unknown audience may be a client made since, so ask once more."""
        for refresh in (False, True):
            with self._lock:
                if refresh or pool_id not in self._clients:
                    self._clients[pool_id] = set(self.client_ids(pool_id))
                if audience in self._clients[pool_id]:
                    return True
        return False
