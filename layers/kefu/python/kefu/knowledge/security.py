"""The search domain's fine-grained access control for Kefu's functions: two roles of the security plugin and
their mappings to the functions' IAM roles, written by the stack's custom resource (functions/search_security)
as the domain's master role, so search works right after ``cdk deploy``.

- ``kefu_kb_read``: search the knowledge base's alias and indexes (``kefu-kb*``), nothing else: the bot.
- ``kefu_kb_write``: that, plus indexing, creating and deleting the versioned indexes and moving the alias
  (reindexing with no downtime): the stream, the agent API (reindex) and the help center (which creates the
  index and alias on a new domain).

Every write is a ``PUT`` of the whole role or mapping (the security REST API's create-or-replace), so applying
twice, or after the stack changed the functions' roles, ends in the same state; removing deletes exactly these
two roles and mappings and treats "not there" as done. Nothing else on the domain is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

API = "/_plugins/_security/api"
READ_ROLE = "kefu_kb_read"
WRITE_ROLE = "kefu_kb_write"
DESCRIPTION = "Kefu knowledge base (written by the Kefu stack; changes here are replaced at the next deploy)"


@dataclass(frozen=True)
class Grants:
    index_pattern: str  # e.g. "kefu-kb*": the alias and its versioned indexes
    readers: tuple[str, ...]  # IAM role ARNs that search
    writers: tuple[str, ...]  # IAM role ARNs that also index and reindex


def role_bodies(index_pattern: str) -> dict[str, dict[str, Any]]:
    """The two roles, least privilege on the knowledge base's indexes."""
    return {
        READ_ROLE: {
            "description": DESCRIPTION,
            # multi-get, multi-search, scroll and reading which index an alias names
            "cluster_permissions": ["cluster_composite_ops_ro"],
            "index_permissions": [{"index_patterns": [index_pattern], "allowed_actions": ["read"]}],
        },
        WRITE_ROLE: {
            "description": DESCRIPTION,
            # bulk indexing and _aliases (moving the alias in one call) are cluster-level actions
            "cluster_permissions": ["cluster_composite_ops"],
            "index_permissions": [
                {
                    "index_patterns": [index_pattern],
                    "allowed_actions": [
                        "crud",
                        "create_index",
                        "manage_aliases",
                        "indices:admin/delete",
                        "indices:admin/refresh*",
                        "indices:admin/get",
                        "indices:admin/mapping/put",
                    ],
                }
            ],
        },
    }


def mapping_bodies(grants: Grants) -> dict[str, dict[str, Any]]:
    """Each role mapped to its functions' IAM roles (as backend roles; SigV4 requests carry them)."""
    return {
        READ_ROLE: {"backend_roles": sorted(set(grants.readers)), "description": DESCRIPTION},
        WRITE_ROLE: {"backend_roles": sorted(set(grants.writers)), "description": DESCRIPTION},
    }


def requests_to_apply(grants: Grants) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, body), in order: roles first (a mapping must name an existing role)."""
    out: list[tuple[str, str, dict[str, Any]]] = [
        ("PUT", f"{API}/roles/{name}", body) for name, body in role_bodies(grants.index_pattern).items()
    ]
    out += [("PUT", f"{API}/rolesmapping/{name}", body) for name, body in mapping_bodies(grants).items()]
    return out


def requests_to_remove() -> list[tuple[str, str]]:
    """Mappings first, then the roles."""
    names = (READ_ROLE, WRITE_ROLE)
    return [("DELETE", f"{API}/rolesmapping/{n}") for n in names] + [("DELETE", f"{API}/roles/{n}") for n in names]


class SecurityApiError(RuntimeError):
    """The domain refused a request of the security API (the message names the request and the answer)."""

    def __init__(self, message: str, status: Any = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def passing(self) -> bool:
        """A refusal that a new domain gives for a while (access control still starting, the master role's
        mapping not yet in place, throttling) or no answer at all: worth asking again."""
        return not isinstance(self.status, int) or self.status in (401, 403, 429) or self.status >= 500


RETRY_DELAYS = (5.0, 10.0, 20.0, 30.0)  # a new domain's access control settles in about a minute
RETRY_BUDGET_SECONDS = 150.0  # no new try after this; the function has 300 s, so it always answers CloudFormation


def apply(
    client: Any,
    grants: Grants,
    *,
    delays: tuple[float, ...] = RETRY_DELAYS,
    budget_seconds: float = RETRY_BUDGET_SECONDS,
) -> list[str]:
    """Write the roles and mappings; the paths written. A passing refusal is asked again after each of
    ``delays`` while the budget lasts (every request is a whole PUT, so asking again is safe); another
    refusal, or the last one, raises ``SecurityApiError``."""
    import time

    deadline = time.monotonic() + budget_seconds
    done: list[str] = []
    for method, path, body in requests_to_apply(grants):
        for delay in (*delays, None):
            try:
                _perform(client, method, path, body)
                break
            except SecurityApiError as error:
                if delay is None or not error.passing or time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
        done.append(path)
    return done


def remove(client: Any) -> list[str]:
    """Delete the roles and mappings (a 404 is fine: already gone); the paths that were deleted."""
    from opensearchpy.exceptions import NotFoundError

    done: list[str] = []
    for method, path in requests_to_remove():
        try:
            _perform(client, method, path, None)
        except SecurityApiError as error:
            if isinstance(error.__cause__, NotFoundError):
                continue
            raise
        done.append(path)
    return done


def _perform(client: Any, method: str, path: str, body: dict[str, Any] | None) -> Any:
    from opensearchpy.exceptions import TransportError

    try:
        return client.transport.perform_request(method, path, body=body)
    except TransportError as error:
        detail = str(error.info)[:300] if error.info else str(error.error)
        raise SecurityApiError(f"{method} {path}: {error.status_code} {detail}", error.status_code) from error


def client_as(role_arn: str, endpoint: str, region: str) -> Any:
    """An opensearch-py client signing as ``role_arn`` (the domain's master role), for one deploy step."""
    from botocore.credentials import Credentials

    from kefu import aws
    from kefu.knowledge.search import connect

    answer = aws.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="kefu-search-security")
    given = answer["Credentials"]
    credentials = Credentials(given["AccessKeyId"], given["SecretAccessKey"], given["SessionToken"])
    return connect(endpoint, region, credentials, timeout=10.0)
