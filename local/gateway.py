"""The API Gateway stand-in: the template's REST routes, proxy events, the Cognito authorizer, the SPA.

Routing follows API Gateway: the most specific resource wins (literal path parts over ``{param}`` over
``{proxy+}``), then the method (``ANY`` matches every method). Unknown paths get 404 ``{"message": "Not
Found"}`` (API Gateway itself answers 403 "Missing Authentication Token"); a known path with a method it
does not have gets 405.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from local.auth import CognitoVerifier, Unauthorized
from local.edge import HttpEdge, localized, spa_headers
from local.events import authorizer_claims, proxy_event
from local.lambdas import LocalFunction
from local.template import Resolver, referenced_logical_ids, resources_of_type
from local.websocket import WebSocketGateway

log = logging.getLogger("local")

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass
class MethodSpec:
    http_method: str
    authorization_type: str = "NONE"
    function_logical_id: str | None = None
    pool_ids: list[str] = field(default_factory=list)
    mock_status: int = 200
    mock_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RouteSpec:
    resource_path: str
    methods: dict[str, MethodSpec] = field(default_factory=dict)

    @property
    def parts(self) -> list[str]:
        return [part for part in self.resource_path.split("/") if part]

    def match(self, segments: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """(specificity, path parameters) when ``segments`` fit this resource path."""
        parts = self.parts
        params: dict[str, str] = {}
        score: list[int] = []
        for index, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}"):
                rest = segments[index:]
                if not rest or index != len(parts) - 1:
                    return None
                params[part[1:-2]] = "/".join(rest)
                score.append(0)
                return tuple(score), params
            if index >= len(segments):
                return None
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]] = segments[index]
                score.append(1)
            elif part == segments[index]:
                score.append(2)
            else:
                return None
        if len(segments) != len(parts):
            return None
        return tuple(score), params


@dataclass
class ApiSpec:
    routes: list[RouteSpec]
    stage: str = "prod"
    binary_media_types: list[str] = field(default_factory=list)
    # the SPA's security headers: the template's CloudFront response headers policy (local.edge)
    spa_headers: dict[str, str] = field(default_factory=dict)

    def find(self, path: str) -> tuple[RouteSpec, dict[str, str]] | None:
        segments = [unquote(part) for part in path.split("/") if part]
        best: tuple[tuple[int, ...], RouteSpec, dict[str, str]] | None = None
        for route in self.routes:
            matched = route.match(segments)
            if matched and (best is None or matched[0] > best[0]):
                best = (matched[0], route, matched[1])
        return (best[1], best[2]) if best else None


def api_spec(template: dict[str, Any], resolver: Resolver) -> ApiSpec:
    """The REST API's routes, read from the RestApi, Resource, Method, Authorizer and Stage resources."""
    resources = resources_of_type(template, "AWS::ApiGateway::Resource")
    apis = resources_of_type(template, "AWS::ApiGateway::RestApi")
    lambdas = set(resources_of_type(template, "AWS::Lambda::Function"))
    authorizers = resources_of_type(template, "AWS::ApiGateway::Authorizer")

    def path_of(resource_ref: Any) -> str:
        if isinstance(resource_ref, dict) and "Ref" in resource_ref and resource_ref["Ref"] in resources:
            props = resources[resource_ref["Ref"]]["Properties"]
            parent = path_of(props["ParentId"])
            return parent.rstrip("/") + "/" + props["PathPart"]
        return "/"  # the API's root resource (Fn::GetAtt [RestApi, RootResourceId])

    def pools_of(authorizer_ref: Any) -> list[str]:
        logical_id = authorizer_ref.get("Ref") if isinstance(authorizer_ref, dict) else None
        if logical_id not in authorizers:
            return []
        arns = resolver.resolve(authorizers[logical_id]["Properties"].get("ProviderARNs", []))
        return [str(arn).rsplit("/", 1)[-1] for arn in arns]

    routes: dict[str, RouteSpec] = {}
    for resource in resources_of_type(template, "AWS::ApiGateway::Method").values():
        props = resource["Properties"]
        path = path_of(props.get("ResourceId"))
        integration = props.get("Integration", {})
        method = MethodSpec(
            http_method=props["HttpMethod"].upper(),
            authorization_type=props.get("AuthorizationType", "NONE"),
        )
        if integration.get("Type") in ("AWS_PROXY", "AWS"):
            targets = referenced_logical_ids(integration.get("Uri")) & lambdas
            method.function_logical_id = next(iter(targets), None)
        elif integration.get("Type") == "MOCK":
            responses = integration.get("IntegrationResponses") or [{}]
            method.mock_status = int(responses[0].get("StatusCode", 200))
            for name, value in resolver.resolve(responses[0].get("ResponseParameters", {})).items():
                header = name.removeprefix("method.response.header.")
                method.mock_headers[header] = str(value).strip("'")
        if method.authorization_type == "COGNITO_USER_POOLS":
            method.pool_ids = pools_of(props.get("AuthorizerId"))
        routes.setdefault(path, RouteSpec(path)).methods[method.http_method] = method
    stage = next(
        (
            str(stage["Properties"].get("StageName"))
            for stage in resources_of_type(template, "AWS::ApiGateway::Stage").values()
        ),
        "prod",
    )
    binary_types: list[str] = []
    for api in apis.values():
        binary_types += api.get("Properties", {}).get("BinaryMediaTypes", [])
    return ApiSpec(
        routes=list(routes.values()), stage=stage, binary_media_types=binary_types, spa_headers=spa_headers(template)
    )


class Gateway:
    def __init__(
        self,
        api: ApiSpec,
        functions: dict[str, LocalFunction],
        verifier: CognitoVerifier,
        config: dict[str, str],
        spa_dir: Path,
        websockets: WebSocketGateway | None = None,
    ) -> None:
        self.api = api
        self.websockets = websockets
        self.functions = functions
        self.verifier = verifier
        self.config = config
        self.spa_dir = spa_dir
        self.ready = False
        self.accepting = True
        # The edge (local.edge) caps headers and bodies as API Gateway does and adds the security headers.
        emulator = [origin for origin in (config.get("cognitoEndpoint"),) if origin]
        self.routes = Starlette(
            routes=[
                Route("/healthz", self.healthz, methods=["GET"]),
                Route("/config.json", self.config_json, methods=["GET"]),
                Route("/app", lambda request: RedirectResponse("/app/"), methods=["GET"]),
                Route("/app/{path:path}", self.spa, methods=["GET", "HEAD"]),
                *(websockets.routes() if websockets else []),  # the template's WebSocket APIs (local.websocket)
                Route("/{path:path}", self.proxy, methods=ALL_METHODS),
            ]
        )
        self.app = HttpEdge(self.routes, spa=localized(api.spa_headers, emulator))

    async def healthz(self, request: Request) -> Response:
        if not self.ready:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def config_json(self, request: Request) -> Response:
        config = dict(self.config)
        config["apiBase"] = str(request.base_url).rstrip("/")
        if self.websockets is not None:
            config |= self.websockets.config(config["apiBase"])
        return JSONResponse(config)

    async def spa(self, request: Request) -> Response:
        index = self.spa_dir / "index.html"
        if not index.is_file():
            return HTMLResponse(
                "<!doctype html><title>Kefu</title><p>The agent app is not built yet: run <code>make build</code>"
                " (or <code>npm --prefix spa run build</code>) and reload.</p>"
            )
        relative = request.path_params["path"]
        candidate = (self.spa_dir / relative).resolve()
        if relative and candidate.is_file() and candidate.is_relative_to(self.spa_dir.resolve()):
            return FileResponse(candidate)
        return FileResponse(index)  # client-side routes

    async def proxy(self, request: Request) -> Response:
        if not self.accepting:
            return JSONResponse({"message": "Service Unavailable"}, status_code=503)
        path = request.url.path
        found = self.api.find(path)
        if found is None:
            if path == "/" and request.method == "GET":
                return RedirectResponse("/app/")
            return JSONResponse({"message": "Not Found"}, status_code=404)
        route, path_parameters = found
        method = route.methods.get(request.method) or route.methods.get("ANY")
        if method is None and request.method == "HEAD":
            method = route.methods.get("GET")
        if method is None:
            return JSONResponse({"message": "Method Not Allowed"}, status_code=405)
        if method.function_logical_id is None:
            return Response(status_code=method.mock_status, headers=method.mock_headers)
        claims: dict[str, str] | None = None
        if method.authorization_type == "COGNITO_USER_POOLS":
            try:
                token_claims = await anyio.to_thread.run_sync(
                    self.verifier.verify, request.headers.get("authorization"), method.pool_ids
                )
            except Unauthorized:
                return JSONResponse({"message": "Unauthorized"}, status_code=401)
            claims = authorizer_claims(token_claims)
        function = self.functions.get(method.function_logical_id)
        if function is None:
            return JSONResponse({"message": "Internal server error"}, status_code=500)
        raw = await request.body()
        body, is_base64 = _encode(raw, request.headers.get("content-type"), self.api.binary_media_types)
        # API Gateway tells the function how the client called it; the local gateway is served like a
        # custom domain (no stage prefix in the URL), so the path called is the path itself.
        headers = list(request.headers.items())
        present = {name.lower() for name, _ in headers}
        forwarded = {
            "x-forwarded-proto": request.url.scheme,
            "x-forwarded-port": str(request.url.port or (443 if request.url.scheme == "https" else 80)),
            "x-forwarded-for": request.client.host if request.client else "127.0.0.1",
        }
        headers += [(name, value) for name, value in forwarded.items() if name not in present]
        event = proxy_event(
            method=request.method,
            path=path,
            request_path=path,
            resource=route.resource_path,
            headers=headers,
            query=list(request.query_params.multi_items()),
            path_parameters=path_parameters,
            body=body,
            is_base64=is_base64,
            stage=self.api.stage,
            source_ip=request.client.host if request.client else "127.0.0.1",
            host=request.headers.get("host", "localhost"),
            claims=claims,
        )
        try:
            result = await anyio.to_thread.run_sync(function.invoke, event)
        except Exception:
            log.exception("function %s failed", function.spec.name)
            return _gateway_error()
        return _to_response(result)


def _encode(raw: bytes, content_type: str | None, binary_types: list[str]) -> tuple[str | None, bool]:
    from local.events import encode_body

    return encode_body(raw, content_type, binary_types)


def _gateway_error() -> Response:
    # What API Gateway answers when the integration fails or returns something malformed.
    return JSONResponse(
        {"message": "Internal server error"},
        status_code=502,
        headers={"x-amzn-ErrorType": "InternalServerErrorException"},
    )


def _to_response(result: Any) -> Response:
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        log.error("malformed Lambda proxy response: %r", result)
        return _gateway_error()
    body = result.get("body")
    if body is None:
        content = b""
    elif result.get("isBase64Encoded"):
        content = base64.b64decode(body)
    else:
        content = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
    response = Response(content=content, status_code=result["statusCode"])
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((name, str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        singles = {key.lower() for key, _ in headers}
        if name.lower() in singles:
            headers = [(key, value) for key, value in headers if key.lower() != name.lower()]
        headers += [(name, str(value)) for value in values]
    names = {key.lower() for key, _ in headers}
    if "content-type" not in names:
        headers.append(("Content-Type", "application/json"))
    headers.append(("x-amzn-RequestId", str(uuid.uuid4())))
    raw = [(k, v) for k, v in response.raw_headers if k.lower() == b"content-length"]
    raw += [
        (key.lower().encode("latin-1"), value.encode("latin-1"))
        for key, value in headers
        if key.lower() != "content-length"
    ]
    response.raw_headers = raw
    return response
