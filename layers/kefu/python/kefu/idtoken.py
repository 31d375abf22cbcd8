"""Verifying a Cognito ID token where no API Gateway authorizer did it (the WebSocket $connect).

RS256 against the user pool's published keys (JWKS), then the claims API Gateway's Cognito authorizer checks: the
pool's issuer, ``token_use`` ``id``, the app client as audience, not expired. Built on ``cryptography`` (already in
the dependencies layer). The keys are fetched from the pool's issuer URL; where the SDK is pointed elsewhere
(``AWS_ENDPOINT_URL_COGNITO_IDP`` or ``AWS_ENDPOINT_URL``, the standard AWS configuration) from there instead.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import urllib.request
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kefu.errors import Unauthenticated

JWKS_TIMEOUT_SECONDS = 3
# an unknown key id makes us fetch the keys again (Cognito rotated them), at most this often
REFETCH_AFTER_SECONDS = 60


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _int(segment: str) -> int:
    return int.from_bytes(_b64(segment), "big")


class CognitoIdTokens:
    """One user pool's ID tokens for one app client; keys cached for the life of the container."""

    def __init__(self, region: str, pool_id: str, client_id: str) -> None:
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        self.pool_id = pool_id
        self.client_id = client_id
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def jwks_url(self) -> str:
        endpoint = os.environ.get("AWS_ENDPOINT_URL_COGNITO_IDP") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            return f"{endpoint.rstrip('/')}/{self.pool_id}/.well-known/jwks.json"
        return f"{self.issuer}/.well-known/jwks.json"

    def _fetch(self) -> dict[str, rsa.RSAPublicKey]:
        url = self.jwks_url()
        if not url.startswith(("https://", "http://")):
            raise ValueError("the key set's address is not HTTP(S)")
        with urllib.request.urlopen(url, timeout=JWKS_TIMEOUT_SECONDS) as response:  # noqa: S310 - checked above
            document = json.loads(response.read())
        found: dict[str, rsa.RSAPublicKey] = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") == "RSA" and jwk.get("kid"):
                found[str(jwk["kid"])] = rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"])).public_key()
        return found

    def _key(self, kid: str) -> rsa.RSAPublicKey:
        with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at > REFETCH_AFTER_SECONDS:
                self._keys = self._fetch()
                self._fetched_at = time.monotonic()
            key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("the token is signed with an unknown key")
        return key

    def verify(self, token: str, *, now: float | None = None) -> dict[str, Any]:
        """The token's claims; ``Unauthenticated`` for anything but a valid, current ID token of this client."""
        try:
            header_b64, payload_b64, signature_b64 = token.split(".")
            header = json.loads(_b64(header_b64))
            claims = json.loads(_b64(payload_b64))
            signature = _b64(signature_b64)
        except ValueError as error:
            raise Unauthenticated("not a JWT") from error
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise Unauthenticated("not a JWT")
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise Unauthenticated("unexpected token algorithm")
        if claims.get("iss") != self.issuer:
            raise Unauthenticated("token from another issuer")
        key = self._key(header["kid"])
        try:
            key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, UnicodeEncodeError) as error:
            raise Unauthenticated("bad token signature") from error
        if claims.get("token_use") != "id":
            raise Unauthenticated("not an ID token")
        if claims.get("aud") != self.client_id:
            raise Unauthenticated("token for another client")
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or expires <= (time.time() if now is None else now):
            raise Unauthenticated("the token has expired")
        if not claims.get("sub"):
            raise Unauthenticated("the token names no user")
        return claims
