"""The template's API Gateway WebSocket APIs on the local gateway, and their Management API.

Read from the template as API Gateway reads it: the ``AWS::ApiGatewayV2::Api`` (``ProtocolType`` WEBSOCKET), its
routes (``RouteKey``, the ``Target`` integration's function) and stage. A client connects to
``ws://<gateway>/ws/<api id>/<stage>`` (the API's ``ApiEndpoint`` here is ``ws://<gateway>/ws/<api id>``, so the
stack's own ``Fn::GetAtt ApiEndpoint`` + ``/<stage>`` resolves to it); the routes' functions get API Gateway's
WebSocket event (``requestContext.routeKey``, ``eventType``, ``connectionId``, ``domainName``, ``stage`` ...):

* ``$connect`` with the handshake's headers; a non-2xx ``statusCode`` refuses the handshake with that status,
  a ``Sec-WebSocket-Protocol`` response header picks the subprotocol;
* each message the client sends to the route its ``RouteSelectionExpression`` (``$request.body.action``)
  names, else ``$default``; the function's answer goes back only on routes with a route response, as in AWS;
* ``$disconnect`` when either side closes.

The Management API (what ``boto3.client("apigatewaymanagementapi", endpoint_url="https://<host>/<stage>")``
calls) is served at ``/ws/<api id>/<stage>/@connections/<id>``: POST sends the body to the client, GET describes
the connection, DELETE closes it; an unknown connection is 410 ``GoneException``. Each call must be signed
(SigV4, service ``execute-api``) with the credentials of a role the local cloud handed a function, and that
role's policies must allow ``execute-api:ManageConnections`` on
``arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/@connections/<id>`` (evaluated with the
emulator's policy engine), as API Gateway checks the caller's IAM permissions.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from local.lambdas import LocalFunction
from local.template import ACCOUNT_ID, Resolver, physical_name, referenced_logical_ids, resources_of_type

log = logging.getLogger("local")

PATH_PREFIX = "/ws"
ROLE_POLICY_SECONDS = 5.0  # role policies are read again after this long (an IAM change shows within seconds)
MAX_FRAME_BYTES = 128 * 1024  # API Gateway's WebSocket frame limit (32 KB frames, 128 KB messages)


@dataclass
class WebSocketApiSpec:
    logical_id: str
    api_id: str
    stage: str
    routes: dict[str, str]  # route key -> function logical id
    route_responses: set[str] = field(default_factory=set)  # route keys that answer the client
    selection_expression: str = "$request.body.action"


def register_websocket_apis(template: dict[str, Any], resolver: Resolver, gateway_ws_url: str) -> None:
    """Names the WebSocket APIs before the provisioner resolves anything (the functions' environment refers to
    their endpoints): ``Ref`` is the API id, ``ApiEndpoint`` the local gateway's address of the API."""
    for logical_id, resource in resources_of_type(template, "AWS::ApiGatewayV2::Api").items():
        if resource.get("Properties", {}).get("ProtocolType") != "WEBSOCKET":
            continue
        api_id = physical_name(logical_id, lowercase=True)
        resolver.register(
            logical_id,
            api_id,
            ApiEndpoint=f"{gateway_ws_url.rstrip('/')}{PATH_PREFIX}/{api_id}",
            ApiId=api_id,
        )


def websocket_api_specs(template: dict[str, Any], resolver: Resolver) -> list[WebSocketApiSpec]:
    apis = {
        logical_id: resource
        for logical_id, resource in resources_of_type(template, "AWS::ApiGatewayV2::Api").items()
        if resource.get("Properties", {}).get("ProtocolType") == "WEBSOCKET"
    }
    integrations = resources_of_type(template, "AWS::ApiGatewayV2::Integration")
    lambdas = set(resources_of_type(template, "AWS::Lambda::Function"))
    specs: list[WebSocketApiSpec] = []
    for logical_id, api in apis.items():
        stage = next(
            (
                str(s["Properties"].get("StageName"))
                for s in resources_of_type(template, "AWS::ApiGatewayV2::Stage").values()
                if referenced_logical_ids(s["Properties"].get("ApiId")) == {logical_id}
            ),
            "$default",
        )
        spec = WebSocketApiSpec(
            logical_id=logical_id,
            api_id=str(resolver.ref(logical_id)),
            stage=stage,
            routes={},
            selection_expression=str(api["Properties"].get("RouteSelectionExpression", "$request.body.action")),
        )
        for route in resources_of_type(template, "AWS::ApiGatewayV2::Route").values():
            props = route["Properties"]
            if referenced_logical_ids(props.get("ApiId")) != {logical_id}:
                continue
            targets = referenced_logical_ids(props.get("Target")) & set(integrations)
            for integration in targets:
                functions = referenced_logical_ids(integrations[integration]["Properties"].get("IntegrationUri"))
                function_id = next(iter(functions & lambdas), None)
                if function_id:
                    spec.routes[str(props["RouteKey"])] = function_id
            if props.get("RouteResponseSelectionExpression"):
                spec.route_responses.add(str(props["RouteKey"]))
        specs.append(spec)
    return specs


# ---------------------------------------------------------------- who signed a Management API call


@dataclass(frozen=True)
class Signer:
    role_arn: str
    secret_key: str
    session_token: str | None


SignerLookup = Callable[[str], Signer | None]  # access key id -> the role it belongs to


def signers_of(roles: dict[str, Any]) -> SignerLookup:
    """The local cloud's function roles (local.iam.RoleCredentials) by their current access key."""

    def lookup(access_key: str) -> Signer | None:
        for credentials in roles.values():
            current = credentials()
            if current.get("AWS_ACCESS_KEY_ID") == access_key:
                return Signer(credentials.role_arn, current["AWS_SECRET_ACCESS_KEY"], current.get("AWS_SESSION_TOKEN"))
        return None

    return lookup


class Forbidden(Exception):
    pass


def verify_signature(method: str, url: str, headers: dict[str, str], body: bytes, lookup: SignerLookup) -> Signer:
    """The role that signed the request (SigV4, ``execute-api``); ``Forbidden`` when the signature is missing,
    made with an unknown key, or does not match the request."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    authorization = headers.get("authorization", "")
    if not authorization.startswith("AWS4-HMAC-SHA256 "):
        raise Forbidden("Missing Authentication Token")
    parts = dict(
        part.strip().split("=", 1) for part in authorization.removeprefix("AWS4-HMAC-SHA256 ").split(",") if "=" in part
    )
    try:
        access_key, _day, region, service, _terminal = parts["Credential"].split("/")
        signed_headers = parts["SignedHeaders"].split(";")
        given = parts["Signature"]
        timestamp = headers["x-amz-date"]
    except (KeyError, ValueError) as error:
        raise Forbidden("malformed Authorization header") from error
    signer = lookup(access_key)
    if signer is None or service != "execute-api":
        raise Forbidden("The security token included in the request is invalid")
    request = AWSRequest(method=method, url=url, data=body, headers={name: headers[name] for name in signed_headers})
    auth = SigV4Auth(Credentials(access_key, signer.secret_key, signer.session_token), service, region)
    request.context["timestamp"] = timestamp
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    if not hmac.compare_digest(expected, given):
        raise Forbidden("The request signature we calculated does not match the signature you provided")
    if signer.session_token and headers.get("x-amz-security-token") != signer.session_token:
        raise Forbidden("The security token included in the request is invalid")
    return signer


class RolePolicies:
    """A role's inline policies, read from the emulator's IAM and evaluated by moto's policy engine."""

    def __init__(self, iam: Any) -> None:
        self.iam = iam
        self._cache: dict[str, tuple[float, list[str]]] = {}
        self._lock = threading.Lock()

    def _documents(self, role_name: str) -> list[str]:
        with self._lock:
            held = self._cache.get(role_name)
            if held and time.monotonic() - held[0] < ROLE_POLICY_SECONDS:
                return held[1]
        documents = []
        for name in self.iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
            document = self.iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
            documents.append(document if isinstance(document, str) else json.dumps(document))
        with self._lock:
            self._cache[role_name] = (time.monotonic(), documents)
        return documents

    def allows(self, role_arn: str, action: str, resource: str) -> bool:
        from moto.iam.access_control import IAMPolicy, PermissionResult

        allowed = False
        for document in self._documents(role_arn.rsplit("/", 1)[-1]):
            result = IAMPolicy(document).is_action_permitted(action, resource)
            if result == PermissionResult.DENIED:
                return False
            allowed = allowed or result == PermissionResult.PERMITTED
        return allowed


# ---------------------------------------------------------------- the connections


@dataclass
class _Connection:
    websocket: WebSocket
    connected_at: float
    source_ip: str
    user_agent: str
    last_active_at: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class WebSocketGateway:
    """Serves every WebSocket API of the template on the local gateway's port (routes for local.gateway)."""

    def __init__(
        self,
        specs: list[WebSocketApiSpec],
        functions: dict[str, LocalFunction],
        *,
        region: str,
        signers: SignerLookup,
        policies: RolePolicies | None,
    ) -> None:
        self.specs = {spec.api_id: spec for spec in specs}
        self.functions = functions
        self.region = region
        self.signers = signers
        self.policies = policies  # None: IAM not enforced (the local cloud's --no-iam)
        self.connections: dict[str, _Connection] = {}

    def routes(self) -> list[BaseRoute]:
        return [
            WebSocketRoute(PATH_PREFIX + "/{api_id}/{stage}", self.serve),
            Route(
                PATH_PREFIX + "/{api_id}/{stage}/@connections/{connection_id}",
                self.manage,
                methods=["GET", "POST", "DELETE"],
            ),
        ]

    def config(self, base_url: str) -> dict[str, str]:
        """``realtimeUrl`` for the SPA's config.json: the first WebSocket API's stage, on the caller's host."""
        spec = next(iter(self.specs.values()), None)
        if spec is None:
            return {}
        base = base_url.rstrip("/").replace("https://", "wss://").replace("http://", "ws://")
        return {"realtimeUrl": f"{base}{PATH_PREFIX}/{spec.api_id}/{spec.stage}"}

    # -- the client side ----------------------------------------------------------------------------------

    def _event(
        self, spec: WebSocketApiSpec, websocket: WebSocket, connection_id: str, route_key: str, event_type: str
    ) -> dict[str, Any]:
        now = time.time()
        host = websocket.headers.get("host", "localhost")
        return {
            "requestContext": {
                "routeKey": route_key,
                "eventType": event_type,
                "messageDirection": "IN",
                "connectionId": connection_id,
                "connectedAt": int(self.connections[connection_id].connected_at * 1000)
                if connection_id in self.connections
                else int(now * 1000),
                "requestId": str(uuid.uuid4()),
                "extendedRequestId": str(uuid.uuid4()),
                "requestTimeEpoch": int(now * 1000),
                "requestTime": formatdate(now, usegmt=True),
                "domainName": host,
                "stage": spec.stage,
                "apiId": spec.api_id,
                "identity": {
                    "sourceIp": websocket.client.host if websocket.client else "127.0.0.1",
                    "userAgent": websocket.headers.get("user-agent", ""),
                },
            },
            "isBase64Encoded": False,
        }

    async def _invoke(self, spec: WebSocketApiSpec, route_key: str, event: dict[str, Any]) -> Any:
        function = self.functions.get(spec.routes.get(route_key, ""))
        if function is None:
            return None
        return await anyio.to_thread.run_sync(function.invoke, event)

    async def serve(self, websocket: WebSocket) -> None:
        spec = self.specs.get(websocket.path_params["api_id"])
        if spec is None or websocket.path_params["stage"] != spec.stage:
            await websocket.close(code=1008)
            return
        connection_id = base64.b64encode(secrets.token_bytes(12)).decode("ascii").replace("/", "_").replace("+", "-")
        event = self._event(spec, websocket, connection_id, "$connect", "CONNECT")
        headers = {name.title(): value for name, value in websocket.headers.items()}
        event |= {
            "headers": headers,
            "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "queryStringParameters": dict(websocket.query_params) or None,
        }
        result: Any = {"statusCode": 200}
        try:
            if "$connect" in spec.routes:
                result = await self._invoke(spec, "$connect", event)
        except Exception:
            log.exception("the $connect function of %s failed", spec.logical_id)
            result = {"statusCode": 500}
        if not isinstance(result, dict):
            result = {"statusCode": 500}
        status = int(result.get("statusCode", 200))
        if not 200 <= status < 300:
            await websocket.send_denial_response(Response(status_code=status))
            return
        given = result.get("headers") or {}
        answer_headers = {str(name).lower(): str(value) for name, value in given.items()}
        now = time.time()
        self.connections[connection_id] = _Connection(
            websocket,
            connected_at=now,
            source_ip=websocket.client.host if websocket.client else "127.0.0.1",
            user_agent=websocket.headers.get("user-agent", ""),
            last_active_at=now,
        )
        await websocket.accept(subprotocol=answer_headers.get("sec-websocket-protocol"))
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                data = text if text is not None else (message.get("bytes") or b"").decode("utf-8", "replace")
                self.connections[connection_id].last_active_at = time.time()
                await self._message(spec, websocket, connection_id, data)
        except WebSocketDisconnect:
            pass
        finally:
            self.connections.pop(connection_id, None)
            disconnect = self._event(spec, websocket, connection_id, "$disconnect", "DISCONNECT")
            try:
                with anyio.CancelScope(shield=True):  # the client is gone; its $disconnect still runs
                    await self._invoke(spec, "$disconnect", disconnect)
            except Exception:
                log.exception("the $disconnect function of %s failed", spec.logical_id)

    async def _message(self, spec: WebSocketApiSpec, websocket: WebSocket, connection_id: str, data: str) -> None:
        route_key = "$default"
        if spec.selection_expression.startswith("$request.body."):
            try:
                body = json.loads(data)
            except ValueError:
                body = None
            selected = (
                body.get(spec.selection_expression.removeprefix("$request.body.")) if isinstance(body, dict) else None
            )
            if isinstance(selected, str) and selected in spec.routes:
                route_key = selected
        if route_key not in spec.routes:
            return
        event = self._event(spec, websocket, connection_id, route_key, "MESSAGE") | {"body": data}
        try:
            result = await self._invoke(spec, route_key, event)
        except Exception:
            log.exception("the %s function of %s failed", route_key, spec.logical_id)
            return
        if route_key in spec.route_responses and isinstance(result, dict) and result.get("body") is not None:
            connection = self.connections.get(connection_id)
            if connection is not None:
                async with connection.lock:
                    await websocket.send_text(str(result["body"]))

    # -- the Management API --------------------------------------------------------------------------------

    async def manage(self, request: Request) -> Response:
        spec = self.specs.get(request.path_params["api_id"])
        if spec is None or request.path_params["stage"] != spec.stage:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        connection_id = request.path_params["connection_id"]
        body = await request.body()
        raw_path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        url = f"{request.url.scheme}://{request.headers.get('host', 'localhost')}{raw_path}"
        headers = {name.lower(): value for name, value in request.headers.items()}
        try:
            signer = await anyio.to_thread.run_sync(verify_signature, request.method, url, headers, body, self.signers)
            resource = (
                f"arn:aws:execute-api:{self.region}:{ACCOUNT_ID}:{spec.api_id}/{spec.stage}/"
                f"{request.method}/@connections/{connection_id}"
            )
            if self.policies is not None and not await anyio.to_thread.run_sync(
                self.policies.allows, signer.role_arn, "execute-api:ManageConnections", resource
            ):
                raise Forbidden(
                    f"User: {signer.role_arn} is not authorized to perform: execute-api:ManageConnections on "
                    f"resource: {resource}"
                )
        except Forbidden as error:
            return _error(403, "ForbiddenException", str(error))
        connection = self.connections.get(connection_id)
        if connection is None:
            return _error(410, "GoneException", "")
        if request.method == "POST":
            if len(body) > MAX_FRAME_BYTES:
                return _error(413, "PayloadTooLargeException", "Message too long")
            try:
                async with connection.lock:
                    await connection.websocket.send_text(body.decode("utf-8", "replace"))
            except Exception:  # the client went away meanwhile
                self.connections.pop(connection_id, None)
                return _error(410, "GoneException", "")
            return Response(status_code=200)
        if request.method == "DELETE":
            self.connections.pop(connection_id, None)
            async with connection.lock:
                await connection.websocket.close(code=1000)
            return Response(status_code=204)
        return JSONResponse(
            {
                "connectedAt": _iso(connection.connected_at),
                "lastActiveAt": _iso(connection.last_active_at),
                "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
            }
        )


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"message": message}, status_code=status, headers={"x-amzn-ErrorType": code})
