"""The integration tests' functions act with their own roles: each AWS call a handler makes in-process (moto's
``mock_aws``) is judged against the policies of that function's role in the synthesized stack, as the local
cloud's emulator judges a function's call (``local.emulator_patches.iam_evaluated_as_aws_does``). A grant missing
for a call that only an integration test makes fails that test, not a deploy.

Who acts is read from the call stack: a call made under ``functions/<package>/`` is that function's (the handler
string ``<package>.handler.lambda_handler`` names it); a call the test makes itself (seeding a table, reading
what a handler wrote) is the account root's and is not checked, as IAM never restricts root. The stack's
resources are bound to the ones the test made through the functions' environment: a policy naming the table
that ``KEFU_TABLE_NAME`` refers to in the template names the table the test set ``KEFU_TABLE_NAME`` to.
A call a botocore ``Stubber`` answers never reaches moto and is not judged.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from local.provision import CDK_HELPER_PREFIXES
from local.template import ACCOUNT_ID, Resolver, load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = ROOT / "functions"
TEMPLATE_PATH = ROOT / "cdk.out" / "Kefu.template.json"


@dataclass(frozen=True)
class Denial:
    function: str
    action: str
    resource: str
    error: str

    def __str__(self) -> str:
        return f"{self.function} may not {self.action} on {self.resource}: {self.error}"


class _BoundResources(Resolver):
    """``Ref`` and ``Fn::GetAtt`` of the stack's resources as the test made them; a resource no function's
    environment names resolves to a name the test has not made, so a grant on it allows nothing here."""

    def __init__(self, template: dict[str, Any], region: str, refs: dict[str, str], atts: dict[str, str]) -> None:
        super().__init__(template, region, ACCOUNT_ID)
        self.refs = refs
        self.atts = atts

    def _type(self, logical_id: str) -> str:
        return str(self.template["Resources"].get(logical_id, {}).get("Type", ""))

    def ref(self, name: str) -> str:
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.refs:
            return self.refs[name]
        arn = self.atts.get(f"{name}.Arn")
        kind = self._type(name)
        if arn and kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT_ID}/{arn.rsplit(':', 1)[1]}"
        if arn and kind in ("AWS::SNS::Topic", "AWS::StepFunctions::StateMachine", "AWS::SecretsManager::Secret"):
            return arn
        if arn and kind == "AWS::KMS::Key":
            return arn.rsplit("/", 1)[-1]
        parameter = self.template.get("Parameters", {}).get(name)
        if parameter is not None and "Default" in parameter:
            return str(parameter["Default"])
        return f"unbound-{name}"

    def get_att(self, logical_id: str, attribute: str) -> str:
        bound = self.atts.get(f"{logical_id}.{attribute}")
        if bound:
            return bound
        kind, ref, prefix = self._type(logical_id), self.ref(logical_id), f"{self.region}:{ACCOUNT_ID}"
        if kind == "AWS::DynamoDB::Table":
            table = f"arn:aws:dynamodb:{prefix}:table/{ref}"
            return {"Arn": table, "StreamArn": f"{table}/stream/in-process"}.get(attribute, f"unbound-{attribute}")
        if kind == "AWS::SQS::Queue":
            name = ref.rsplit("/", 1)[-1]
            return {"Arn": f"arn:aws:sqs:{prefix}:{name}", "QueueName": name, "QueueUrl": ref}.get(attribute, "")
        if kind in ("AWS::SNS::Topic", "AWS::StepFunctions::StateMachine", "AWS::SecretsManager::Secret"):
            return ref if attribute in ("Arn", "TopicArn", "Id") else ref.rsplit(":", 1)[-1]
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{ref}" if attribute == "Arn" else ref
        if kind == "AWS::KMS::Key":
            return f"arn:aws:kms:{prefix}:key/{ref}" if attribute == "Arn" else ref
        if kind == "AWS::Cognito::UserPool":
            return f"arn:aws:cognito-idp:{prefix}:userpool/{ref}" if attribute == "Arn" else ref
        return f"arn:aws:unbound:{prefix}:{logical_id}/{attribute}"


@dataclass
class _RoleKey:
    """What moto's IAM check asks of a caller's access key: its ARN and its policies."""

    arn: str
    policies: list[str]

    def collect_policies(self) -> list[str]:
        return self.policies


@dataclass
class RoleGuard:
    template: dict[str, Any]
    region: str = "us-east-1"
    denials: list[Denial] = field(default_factory=list)
    checked: list[tuple[str, str]] = field(default_factory=list)  # (function, action) of each call judged

    def __post_init__(self) -> None:
        resources = self.template["Resources"]
        self.functions: dict[str, str] = {}  # package under functions/ -> logical id
        for logical_id, resource in resources_of_type(self.template, "AWS::Lambda::Function").items():
            if not logical_id.startswith(CDK_HELPER_PREFIXES):
                self.functions[str(resource["Properties"]["Handler"]).split(".", 1)[0]] = logical_id
        # each variable that names a resource in some function's environment: (variable, logical id, attribute)
        self.bindings: set[tuple[str, str, str]] = set()
        for logical_id in self.functions.values():
            variables = resources[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
            for name, value in variables.items():
                if isinstance(value, dict) and "Ref" in value:
                    self.bindings.add((name, str(value["Ref"]), ""))
                elif isinstance(value, dict) and "Fn::GetAtt" in value:
                    target, attribute = value["Fn::GetAtt"]
                    self.bindings.add((name, str(target), str(attribute)))
        self._policies: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = {}

    def acting_function(self) -> str | None:
        """The logical id of the function whose code made the current call, if a function's code did."""
        prefix = str(FUNCTIONS_DIR) + os.sep
        frame = sys._getframe(1)
        while frame is not None:
            path = frame.f_code.co_filename
            if path.startswith(prefix):
                package = path[len(prefix) :].split(os.sep, 1)[0]
                if package in self.functions:
                    return self.functions[package]
            frame = frame.f_back  # type: ignore[assignment]
        return None

    def role_key(self, function: str) -> _RoleKey:
        """The function's role as the test's resources make it: its policies resolved against them."""
        environment = tuple(sorted((name, os.environ.get(name, "")) for name, _, _ in self.bindings))
        key = (function, environment)
        if key not in self._policies:
            self._policies[key] = self._resolved_policies(function, dict(environment))
        role = self._role_of(function)
        return _RoleKey(f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{function}", self._policies[key])

    def _role_of(self, function: str) -> str:
        role = self.template["Resources"][function]["Properties"]["Role"]
        return str(role["Fn::GetAtt"][0])

    def _resolved_policies(self, function: str, environment: dict[str, str]) -> list[str]:
        refs: dict[str, str] = {}
        atts: dict[str, str] = {}
        for name, logical_id, attribute in self.bindings:
            if environment.get(name):
                if attribute:
                    atts[f"{logical_id}.{attribute}"] = environment[name]
                else:
                    refs[logical_id] = environment[name]
        resolver = _BoundResources(self.template, self.region, refs, atts)
        role = self._role_of(function)
        documents = [
            policy["PolicyDocument"]
            for policy in self.template["Resources"][role]["Properties"].get("Policies", []) or []
        ]
        for resource in resources_of_type(self.template, "AWS::IAM::Policy").values():
            properties = resource["Properties"]
            if {"Ref": role} in properties.get("Roles", []):
                documents.append(properties["PolicyDocument"])
        return [json.dumps(resolver.resolve(document)) for document in documents]

    def check(self, response: Any, iam_request_cls: type, resource: str) -> None:
        """Judge one request moto is serving, if a function's code made it (raises moto's refusal)."""
        function = self.acting_function()
        if function is None or getattr(response, "method", "") == "OPTIONS":
            return
        from moto.core.authorization import ActionAuthenticatorMixin

        headers = response.headers
        authorization = headers.get("Authorization") or headers.get("authorization") or ""
        if not authorization or headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
            return
        scope = authorization.partition("Credential=")[2].partition(",")[0].split("/")
        action = response._get_action()
        request: Any = object.__new__(iam_request_cls)
        request.account_id = response.current_account
        request._method = response.method
        request._path = response.raw_path
        request._data = response.data
        request._body = response.raw_body
        request._headers = headers
        request._region = scope[2] if len(scope) > 3 else self.region
        request._service = scope[3] if len(scope) > 3 else ""
        request._action = f"{request._service}:{action[0] if isinstance(action, list) else action}"
        request._access_key = self.role_key(function)
        self.checked.append((function, request._action))
        try:
            request.check_action_permitted(resource)
        except Exception as error:
            self.denials.append(Denial(function, request._action, resource, str(error)))
            raise


_ACTIVE: list[RoleGuard] = []


@cache
def _install() -> None:
    from moto.core.authorization import ActionAuthenticatorMixin

    from local import emulator_patches

    emulator_patches.iam_evaluated_as_aws_does()
    unchecked = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def authenticate_and_authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        unchecked(self, iam_request_cls, resource)
        if _ACTIVE:
            _ACTIVE[-1].check(self, iam_request_cls, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize  # type: ignore[method-assign]


@cache
def synthesized_template() -> dict[str, Any]:
    if not TEMPLATE_PATH.exists():
        raise RuntimeError(
            f"{TEMPLATE_PATH.relative_to(ROOT)} is missing: the integration tests judge each function's calls "
            "against its role in the synthesized stack (run `make synth`)"
        )
    return load_template(TEMPLATE_PATH)


@contextmanager
def functions_act_as_their_roles(template: dict[str, Any] | None = None) -> Iterator[RoleGuard]:
    """While open, each call a function's code makes to moto in-process is judged against its role."""
    _install()
    guard = RoleGuard(template if template is not None else synthesized_template())
    _ACTIVE.append(guard)
    try:
        yield guard
    finally:
        _ACTIVE.remove(guard)
