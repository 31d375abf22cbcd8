"""The local cloud: the emulator, the template's resources, the gateway, the dispatchers and persistence."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import httpx
import uvicorn

from local.auth import CognitoVerifier
from local.console import say
from local.dispatchers import Dispatcher, SqsPoller, StreamReader, mapping_specs
from local.emulator import ROOT_ACCESS_KEY, ROOT_SECRET_KEY
from local.gateway import Gateway, api_spec
from local.iam import RoleCredentials
from local.lambda_api import LambdaApi
from local.lambdas import LocalFunction
from local.persistence import StateStore
from local.processes import spawn
from local.provision import REST_API_ID, Provisioned, Provisioner
from local.seed import seed_domain, seed_users
from local.template import load_template
from local.websocket import RolePolicies, WebSocketGateway, register_websocket_apis, signers_of, websocket_api_specs

log = logging.getLogger("local")


def on_the_gateway(environment: dict[str, str], stage_url: str, gateway_url: str) -> dict[str, str]:
    """A function's variables with the REST API's stage URL (``https://<api>.execute-api.<region>.amazonaws.com
    /<stage>``, e.g. the base of the satisfaction survey's link) pointing at the local gateway, which serves the
    stage's paths at its root: the execute-api host exists only in AWS. Nothing else is changed."""

    def moved(value: str) -> str:
        rest = value[len(stage_url) :]
        return gateway_url + rest if value.startswith(stage_url) and rest[:1] in ("", "/") else value

    return {name: moved(value) for name, value in environment.items()}


# Workers per function (Lambda's concurrency) unless the template reserves a number: for a function someone
# waits on (behind the gateway, or a Step Functions task) several, so concurrent invocations overlap on I/O
# (the emulator) instead of queueing behind one another, as Lambda scales them.
GATEWAY_CONTAINERS = 4
EVENT_SOURCE_CONTAINERS = 2
EMULATOR_START_TIMEOUT = 60.0

DEFAULT_TEMPLATE = Path("cdk.out") / "Kefu.template.json"


class LocalCloud:
    """Runs the synthesized stack on this machine. ``start()`` returns once every part answers."""

    def __init__(
        self,
        root: Path | str | None = None,
        state_dir: Path | str | None = None,
        port: int = 0,
        aws_port: int = 0,
        search_port: int = 0,
        orders_port: int = 0,
        reset: bool = False,
        template: Path | str | None = None,
        region: str = "us-east-1",
        host: str = "127.0.0.1",
        retry_delay: int = 1,
        snapshot_interval: float = 30.0,
        drain_timeout: float = 20.0,
        search: bool = True,
        echo_function_logs: bool = False,
        enforce_iam: bool = True,
        concurrency: int | None = None,
    ) -> None:
        self.root = Path(root or Path.cwd()).resolve()
        self.state_dir = Path(state_dir) if state_dir else self.root / ".kefu"
        self.template_path = Path(template).resolve() if template else self.root / DEFAULT_TEMPLATE
        self.port = port
        self.aws_port = aws_port
        self.search_port = search_port
        self.orders_port = orders_port
        self.orders_endpoint = ""  # the demo order system, when the template configures order lookup
        self.orders_failure = ""  # why it did not start although the template configures it
        self.reset = reset
        self.region = region
        self.host = host
        self.retry_delay = retry_delay
        self.snapshot_interval = snapshot_interval
        self.drain_timeout = drain_timeout
        self.search_enabled = search
        self.echo_function_logs = echo_function_logs
        self.enforce_iam = enforce_iam
        # Workers per function that reserves no concurrency of its own (None: 4 behind the API, 2 otherwise).
        self.concurrency = concurrency
        self.url = ""
        self.aws_endpoint = ""
        self.search_endpoint = ""
        self.user_pool_id = ""
        self.user_pool_client_id = ""
        self.seeded = False
        self.functions: dict[str, LocalFunction] = {}
        self._roles: dict[str, RoleCredentials] = {}  # each function's role, for its sandboxes and its pollers
        self.dispatchers: list[Dispatcher] = []
        self.provisioned: Provisioned | None = None
        self._moto: subprocess.Popen[bytes] | None = None
        self._lambda_api: LambdaApi | None = None
        self._search: Any = None
        self._orders: Any = None
        self._server: uvicorn.Server | None = None
        self._server_thread: threading.Thread | None = None
        self._gateway: Gateway | None = None
        self._gateway_socket: socket.socket | None = None
        self._store = StateStore(self.state_dir)
        self._stop_snapshots = threading.Event()
        self._snapshot_thread: threading.Thread | None = None
        self._saved_environ: dict[str, str | None] = {}

    # -- lifecycle --------------------------------------------------------------------------------------------

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        if self.reset and self.state_dir.exists():
            shutil.rmtree(self.state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if not self.template_path.is_file():
            raise FileNotFoundError(f"{self.template_path} does not exist: synthesize first (make synth)")
        _quiet_libraries()
        self._set_environ(
            {
                "MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY": "HASH",
                "MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY": "HASH",
                "AWS_ACCESS_KEY_ID": ROOT_ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": ROOT_SECRET_KEY,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
            }
        )
        self._start_emulator()
        self._start_search()
        fresh = self._store.fresh
        template = load_template(self.template_path)
        provisioner = Provisioner(
            template,
            self.aws_endpoint,
            self.region,
            self._store.key_secret(),
            self.search_endpoint,
            asset_dir=self.template_path.parent,
        )
        # the gateway's port first: the functions' environment names the WebSocket API's endpoint on it
        self._bind_gateway()
        register_websocket_apis(template, provisioner.resolver, f"ws://{self.host}:{self.port}")
        cloud = self.provisioned = provisioner.provision()
        self.user_pool_id = cloud.user_pool_id
        self.user_pool_client_id = cloud.user_pool_client_id
        self._start_orders(cloud)
        self._start_functions(cloud)
        clients = self.clients()
        if not fresh:
            self._store.restore(cloud, clients)
        self._start_dispatchers(template, cloud)
        if fresh and self.user_pool_id:
            subs = seed_users(clients.cognito, self.user_pool_id)
            self._seed_domain(cloud, subs)
            self.seeded = True
        self._reindex_search(cloud)
        self._store.save(cloud, clients)
        self._start_gateway(template, cloud)
        self._snapshot_thread = threading.Thread(target=self._snapshot_loop, name="snapshots", daemon=True)
        self._snapshot_thread.start()
        self._wait_until_healthy()

    def stop(self) -> None:
        """Stop taking requests, let the dispatchers empty the queues, save, stop every server."""
        if self._gateway is not None:
            self._gateway.accepting = False
        self._drain()
        for dispatcher in self.dispatchers:
            dispatcher.stop()
        for dispatcher in self.dispatchers:
            dispatcher.join(timeout=30)
        for function in self.functions.values():
            function.stop()
        self._stop_snapshots.set()
        if self._snapshot_thread is not None:
            self._snapshot_thread.join(timeout=30)
        if self.provisioned is not None and self._moto is not None:
            try:
                self._store.save(self.provisioned, self.clients())
            except Exception:
                log.exception("the final snapshot failed; the previous one is kept")
        if self._server is not None:
            self._server.should_exit = True
        if self._server_thread is not None:
            self._server_thread.join(timeout=10)
        self._gateway_socket = None
        if self._search is not None:
            self._search.close()
            self._search = None
        if self._orders is not None:
            self._orders.close()
            self._orders = None
        if self._moto is not None:
            _stop_process(self._moto)
            self._moto = None
        if self._lambda_api is not None:
            self._lambda_api.stop()
            self._lambda_api = None
        self._restore_environ()
        _forget_process_caches()

    # -- parts ------------------------------------------------------------------------------------------------

    def clients(self) -> SimpleNamespace:
        def client(service: str) -> Any:
            return boto3.client(  # type: ignore[call-overload]
                service,
                endpoint_url=self.aws_endpoint,
                region_name=self.region,
                aws_access_key_id=ROOT_ACCESS_KEY,
                aws_secret_access_key=ROOT_SECRET_KEY,
            )

        return SimpleNamespace(
            dynamodb=client("dynamodb"),
            s3=client("s3"),
            cognito=client("cognito-idp"),
            sqs=client("sqs"),
            streams=client("dynamodbstreams"),
            sts=client("sts"),
            iam=client("iam"),
        )

    @property
    def log_dir(self) -> Path:
        """Each function's output, one file per function (what CloudWatch Logs would hold)."""
        return self.state_dir / "logs"

    def _start_emulator(self) -> None:
        """The emulator in a process of its own (a core of its own, and nothing of ours in it)."""
        port = self.aws_port or _free_port(self.host)
        # Invoke calls the emulator receives (Step Functions tasks, function to function) come back here.
        self._lambda_api = LambdaApi(self.host)
        command = [
            sys.executable, "-m", "local.emulator", "--host", self.host, "--port", str(port),
            "--lambda-endpoint", self._lambda_api.endpoint,
        ]  # fmt: skip
        if not self.enforce_iam:
            command.append("--no-iam")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        output = (self.state_dir / "emulator.log").open("ab")
        self._moto = spawn(
            command,
            cwd=Path(__file__).resolve().parents[1],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output.close()
        self.aws_port = port
        self.aws_endpoint = f"http://{self.host}:{port}"
        deadline = time.monotonic() + EMULATOR_START_TIMEOUT
        while True:
            if self._moto.poll() is not None:
                raise RuntimeError(f"the AWS emulator exited at start: see {self.state_dir / 'emulator.log'}")
            try:
                httpx.get(f"{self.aws_endpoint}/moto-api/data.json", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the AWS emulator did not answer in time") from None
                time.sleep(0.05)
        # The Step Functions interpreter calls back into the server on MOTO_PORT (set by the emulator).
        httpx.post(
            f"{self.aws_endpoint}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}},
            timeout=10,
        ).raise_for_status()

    def _start_search(self) -> None:
        if not self.search_enabled:
            return
        try:
            from osmem_server import OsmemServer

            self._search = OsmemServer.start(addr=f"{self.host}:{self.search_port}")
            self.search_endpoint = self._search.url.rstrip("/")
            self.search_port = int(self.search_endpoint.rsplit(":", 1)[-1])
        except Exception:
            log.exception("the OpenSearch-compatible server did not start; search will not work")

    def _start_orders(self, cloud: Provisioned) -> None:
        """The demo order system stands in for the one the template configures (kefu:ordersEndpoint), as the
        emulator stands in for AWS: only its endpoint differs (local/orders.py)."""
        from local.orders import stand_in

        secrets = boto3.client(
            "secretsmanager",
            endpoint_url=self.aws_endpoint,
            region_name=self.region,
            aws_access_key_id=ROOT_ACCESS_KEY,
            aws_secret_access_key=ROOT_SECRET_KEY,
        )
        try:
            self._orders = stand_in(cloud.functions, secrets, self.host, self.orders_port)
        except OSError as error:  # its port is taken: the rest of the cloud runs, order lookups answer "unavailable"
            log.exception(
                "the demo order system did not start (port %s); order lookups will be unavailable", self.orders_port
            )
            self.orders_failure = f"did not start on port {self.orders_port} ({error.strerror or error})"
            return
        if self._orders is not None:
            self.orders_endpoint = self._orders.url
            self.orders_port = self._orders.port

    def _start_functions(self, cloud: Provisioned) -> None:
        """Each function in workers of its own: its asset, layers, environment and role, nothing else."""
        sts = self.clients().sts
        echo = _echo if self.echo_function_logs else None
        template = load_template(self.template_path)
        synchronous = _synchronous_function_ids(template)
        stage_url = (
            f"https://{REST_API_ID}.execute-api.{self.region}.amazonaws.com/{api_spec(template, cloud.resolver).stage}"
        )
        for logical_id, spec in cloud.functions.items():
            if not spec.role_arn:
                log.error("function %s has no role; it is not run locally", logical_id)
                continue
            environment = {
                **on_the_gateway(spec.environment, stage_url, f"http://{self.host}:{self.port}"),
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                # The one thing that differs from AWS: where the service endpoints are.
                "AWS_ENDPOINT_URL": self.aws_endpoint,
            }
            credentials = RoleCredentials(sts, spec.role_arn, f"local-{spec.name}")
            try:
                function = LocalFunction(
                    spec,
                    environment=environment,
                    credentials=credentials,
                    log_dir=self.log_dir,
                    containers=self.concurrency
                    or (GATEWAY_CONTAINERS if logical_id in synchronous else EVENT_SOURCE_CONTAINERS),
                    echo=echo,
                )
            except FileNotFoundError:
                log.exception("function %s cannot run locally", logical_id)
                continue
            self.functions[logical_id] = function
            self._roles[logical_id] = credentials
            if self._lambda_api is not None:
                self._lambda_api.register(spec.name, spec.arn, function.invoke)
            function.start(warm=1)

    def _seed_domain(self, cloud: Provisioned, subs: dict[str, str]) -> None:
        """Demo data, written by the local cloud itself (as an operator would, with the table's name)."""
        table = next(iter(cloud.tables.values()), "")
        self._set_environ({"KEFU_TABLE_NAME": table, "AWS_ENDPOINT_URL": self.aws_endpoint})
        _forget_process_caches()
        seed_domain(subs)

    def _reindex_search(self, cloud: Provisioned) -> None:
        """The search server keeps nothing across restarts: the knowledge base's index is rebuilt from the table
        (its source of truth) behind its alias, as an operator would after restoring a domain."""
        from kefu.config import Env

        alias = next(
            (f.environment[Env.KB_INDEX] for f in cloud.functions.values() if Env.KB_INDEX in f.environment), ""
        )
        if not self.search_endpoint or not alias:
            return
        table = next(iter(cloud.tables.values()), "")
        self._set_environ(
            {
                Env.TABLE_NAME: table,
                "AWS_ENDPOINT_URL": self.aws_endpoint,
                Env.SEARCH_ENDPOINT: self.search_endpoint,
                Env.KB_INDEX: alias,
            }
        )
        _forget_process_caches()
        try:
            from kefu.services.knowledge import article_index, reindex
            from kefu.store import Store

            name, count = reindex(Store.from_settings(), article_index())
            log.info("knowledge base indexed: %d published articles in %s", count, name)
        except Exception:
            log.exception("the knowledge base could not be indexed; search finds nothing until it is")

    def _start_dispatchers(self, template: dict[str, Any], cloud: Provisioned) -> None:
        """Lambda's pollers, acting as the function's role (as in AWS: a role that may not read its queue or
        stream gets nothing, and the poller's log says why)."""
        for spec in mapping_specs(template, cloud.resolver):
            function = self.functions.get(spec.function_logical_id)
            role = self._roles.get(spec.function_logical_id)
            if function is None or role is None or not spec.enabled:
                log.warning("event source mapping %s has no local function; skipped", spec.logical_id)
                continue
            dispatcher: Dispatcher
            if ":sqs:" in spec.source_arn:
                queue_url = cloud.queue_arns[spec.source_arn]
                sqs = role.client("sqs", self.aws_endpoint, self.region)
                self.dispatchers += [
                    SqsPoller(spec, function, sqs, self.region, queue_url, self.retry_delay)
                    for _ in range(max(1, function.containers))
                ]
                continue
            if ":dynamodb:" in spec.source_arn:
                streams = role.client("dynamodbstreams", self.aws_endpoint, self.region)
                sqs = role.client("sqs", self.aws_endpoint, self.region)  # the on-failure destination
                try:
                    dispatcher = StreamReader(spec, function, streams, self.region, sqs, cloud.queue_arns)
                except Exception as error:  # in AWS the mapping would not be created at all
                    log.error(
                        "event source mapping %s: the role of %s may not read %s, so it gets nothing: %s",
                        spec.logical_id, function.spec.name, spec.source_arn, error,
                    )  # fmt: skip
                    continue
            else:
                log.warning("event source %s is not played locally", spec.source_arn)
                continue
            self.dispatchers.append(dispatcher)
        for dispatcher in self.dispatchers:
            dispatcher.start()

    def _start_gateway(self, template: dict[str, Any], cloud: Provisioned) -> None:
        verifier = CognitoVerifier(self.aws_endpoint, self.region, self._client_ids)
        config = {
            "region": self.region,
            "userPoolId": self.user_pool_id,
            "userPoolClientId": self.user_pool_client_id,
            "cognitoEndpoint": self.aws_endpoint,
        }
        spec = api_spec(template, cloud.resolver)
        websockets = WebSocketGateway(
            websocket_api_specs(template, cloud.resolver),
            self.functions,
            region=self.region,
            signers=signers_of(self._roles),
            policies=RolePolicies(self.clients().iam) if self.enforce_iam else None,
        )
        self._gateway = Gateway(
            spec, self.functions, verifier, config, self.root / "spa" / "dist", websockets=websockets
        )
        sock = self._bind_gateway()
        config_ = uvicorn.Config(
            self._gateway.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=5,
            server_header=False,  # no banner (API Gateway and CloudFront announce none of ours either)
        )
        self._server = uvicorn.Server(config_)
        server = self._server
        self._server_thread = threading.Thread(target=lambda: server.run(sockets=[sock]), name="gateway", daemon=True)
        self._server_thread.start()

    def _bind_gateway(self) -> socket.socket:
        """The gateway's socket, bound once (its port is known before the stack is provisioned)."""
        if self._gateway_socket is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            self.port = sock.getsockname()[1]
            self.url = f"http://{self.host}:{self.port}"
            self._gateway_socket = sock
        return self._gateway_socket

    def _client_ids(self, pool_id: str) -> set[str]:
        assert self.provisioned is not None
        known = set(self.provisioned.user_pool_clients.values())
        clients = self.clients().cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
        return known | {client["ClientId"] for client in clients.get("UserPoolClients", [])}

    def _wait_until_healthy(self) -> None:
        assert self._gateway is not None and self._server is not None
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not (self._server_thread and self._server_thread.is_alive()):
                raise RuntimeError("the gateway did not start")
            time.sleep(0.02)
        self._gateway.ready = True

    def _drain(self) -> None:
        """Wait (bounded) until every dispatcher is idle with nothing left in its queue or stream."""
        deadline = time.monotonic() + self.drain_timeout
        quiet_rounds = 0
        while self.dispatchers and time.monotonic() < deadline and quiet_rounds < 2:
            idle = all(_idle(dispatcher) for dispatcher in self.dispatchers if dispatcher.is_alive())
            quiet_rounds = quiet_rounds + 1 if idle else 0
            time.sleep(0.3)

    def _snapshot_loop(self) -> None:
        while not self._stop_snapshots.wait(self.snapshot_interval):
            try:
                assert self.provisioned is not None
                self._store.save(self.provisioned, self.clients())
            except Exception:
                log.exception("periodic snapshot failed")

    # -- process environment ------------------------------------------------------------------------------------

    def _set_environ(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_environ.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def _restore_environ(self) -> None:
        for key, value in self._saved_environ.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_environ.clear()


def _idle(dispatcher: Dispatcher) -> bool:
    try:
        return dispatcher.idle()
    except Exception:  # a poller whose role may not look at its queue has nothing it could drain either
        log.warning("could not check whether %s is done; not waiting for it", dispatcher.spec.logical_id)
        return True


def _synchronous_function_ids(template: dict[str, Any]) -> set[str]:
    """Functions invoked by someone who waits for the answer: the REST API's integrations (people), and the
    Lambda tasks of state machines (an SLA timer's action is late by as long as it queues; Lambda runs
    concurrent invocations of a function side by side up to the account's limit, so a burst of due timers
    must not wait behind two workers)."""
    from local.template import referenced_logical_ids, resources_of_type

    found: set[str] = set()
    for method in resources_of_type(template, "AWS::ApiGateway::Method").values():
        found |= referenced_logical_ids(method.get("Properties", {}).get("Integration", {}).get("Uri"))
    for machine in resources_of_type(template, "AWS::StepFunctions::StateMachine").values():
        properties = machine.get("Properties", {})
        found |= referenced_logical_ids(properties.get("DefinitionString"))
        found |= referenced_logical_ids(properties.get("DefinitionSubstitutions"))
    return found


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _stop_process(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


def _echo(function_name: str, line: str) -> None:
    say(f"[{function_name}] {line}")


def _forget_process_caches() -> None:
    """Settings and clients made for an earlier cloud in this process point at its (gone) emulator."""
    from kefu.aws import reset_clients
    from kefu.config import get_settings

    get_settings.cache_clear()
    reset_clients()


def _quiet_libraries() -> None:
    # werkzeug logs every emulator request (the pollers make several a second).
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.setLevel(logging.WARNING)
    if not werkzeug.handlers:
        werkzeug.addHandler(logging.NullHandler())
    # Client-side chatter (every emulator call, credential lookups) hides what matters in `make dev`.
    for name in ("httpx", "botocore", "boto3", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # Functions that had nothing to count (a stream record they ignore) say so on every invocation.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
