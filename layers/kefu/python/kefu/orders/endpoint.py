"""Which order-system endpoints are acceptable (shared by the connector and the CDK app, which refuses a bad
one at synth)."""

from __future__ import annotations

import ipaddress
import urllib.parse


def check_endpoint(endpoint: str) -> str:
    """The endpoint without its trailing slash; HTTPS, or plain HTTP to this machine only (a token must never
    cross a network in clear). ValueError otherwise."""
    parts = urllib.parse.urlsplit(endpoint.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise ValueError("the order system's endpoint must be an https:// URL without query or fragment")
    if parts.scheme == "http" and not _loopback(host):
        raise ValueError("the order system's endpoint must use https (plain http only to this machine)")
    return endpoint.strip().rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
