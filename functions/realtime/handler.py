"""The agent app's WebSocket connections ($connect, $disconnect, $default of the WebSocket API).

$connect checks the Cognito ID token the app offers as its second subprotocol and stores the connection with
its audiences (kefu.services.realtime); a missing, bad or expired token is refused with 401 and nothing stored.
$disconnect deletes what $connect stored. $default answers the app's keep-alive pings (API Gateway closes a
connection idle for ten minutes) and nothing else: the app only listens.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from kefu import store
from kefu.config import RealtimeSettings, require
from kefu.errors import Forbidden, Unauthenticated
from kefu.idtoken import CognitoIdTokens
from kefu.observability import decided, logger
from kefu.services import realtime

settings = require(RealtimeSettings)
# Lambda sets both; the issuer names the pool's region
region = os.environ.get("AWS_REGION") or os.environ["AWS_DEFAULT_REGION"]
tokens = CognitoIdTokens(region, settings.user_pool_id, settings.user_pool_client_id)


def _status(code: int, **extra: Any) -> dict[str, Any]:
    return {"statusCode": code, **extra}


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event.get("requestContext") or {}
    route, connection_id = request.get("routeKey"), str(request.get("connectionId", ""))
    if route == "$connect":
        headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
        try:
            connection = realtime.connect(store.current(), tokens, connection_id, headers.get("sec-websocket-protocol"))
        except (Unauthenticated, Forbidden) as error:
            decided("realtime", "refused", reason=str(error))
            return _status(403 if isinstance(error, Forbidden) else 401)
        decided("realtime", "connected", agent_id=connection.agent_id, audiences=len(connection.audiences))
        # the browser requires the server to pick one of the offered subprotocols
        return _status(200, headers={"Sec-WebSocket-Protocol": realtime.SUBPROTOCOL})
    if route == "$disconnect":
        realtime.disconnect(store.current(), connection_id)
        return _status(200)
    return _status(200, body='{"type":"pong"}')
