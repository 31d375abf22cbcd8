"""Reading the synthesized CloudFormation template: physical names and intrinsic functions.

The local cloud creates each resource under a deterministic physical name derived from its logical id, so
the same template always yields the same names (and persisted state keeps matching them). ``Resolver``
turns ``Ref``/``Fn::GetAtt``/``Fn::Join``/``Fn::Sub``/``Fn::Select``/``Fn::Split`` into those names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT_ID = "123456789012"  # moto's default account
NAME_PREFIX = "kefu-"


class TemplateError(ValueError):
    """The template uses something the local cloud cannot resolve."""


@dataclass
class Physical:
    """What ``Ref`` and ``Fn::GetAtt`` return for one resource."""

    ref: str
    attrs: dict[str, str] = field(default_factory=dict)


def load_template(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        template: dict[str, Any] = json.load(handle)
    if "Resources" not in template:
        raise TemplateError(f"{path} has no Resources")
    return template


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource for every resource of ``resource_type``, in template order."""
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == resource_type
    }


def physical_name(logical_id: str, *, max_length: int = 80, lowercase: bool = False, suffix: str = "") -> str:
    name = NAME_PREFIX + logical_id
    if lowercase:
        name = re.sub(r"[^a-z0-9-]", "-", name.lower())
    return name[: max_length - len(suffix)] + suffix


class Resolver:
    """Evaluates intrinsic functions against the physical resources registered so far."""

    def __init__(self, template: dict[str, Any], region: str, account_id: str = ACCOUNT_ID) -> None:
        self.template = template
        self.region = region
        self.account_id = account_id
        self.physical: dict[str, Physical] = {}

    def register(self, logical_id: str, ref: str, **attrs: str) -> Physical:
        physical = Physical(ref, dict(attrs))
        self.physical[logical_id] = physical
        return physical

    def pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "Kefu",
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/Kefu/local",
        }.get(name)

    def ref(self, name: str) -> str:
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.physical:
            return self.physical[name].ref
        parameter = self.template.get("Parameters", {}).get(name)
        if parameter is not None and "Default" in parameter:
            return str(parameter["Default"])
        raise TemplateError(f"cannot resolve Ref {name!r}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        physical = self.physical.get(logical_id)
        if physical is None or attribute not in physical.attrs:
            raise TemplateError(f"cannot resolve Fn::GetAtt {logical_id}.{attribute}")
        return physical.attrs[attribute]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
                return self.get_att(logical_id, self.resolve(attribute))
            if key == "Fn::Join":
                delimiter, parts = argument
                return delimiter.join(str(part) for part in self.resolve(parts))
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                delimiter, text = argument
                return str(self.resolve(text)).split(delimiter)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key.startswith("Fn::"):
                raise TemplateError(f"unsupported intrinsic {key}")
        return {key: self.resolve(item) for key, item in value.items()}

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        resolved = {name: str(self.resolve(item)) for name, item in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in resolved:
                return resolved[name]
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return re.sub(r"\$\{([^}]+)\}", replace, text)


def referenced_logical_ids(value: Any) -> set[str]:
    """Every logical id a property value points at through Ref or Fn::GetAtt (Fn::Sub included)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= referenced_logical_ids(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item.split(".", 1)[0] if isinstance(item, str) else item[0])
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found |= {name.split(".", 1)[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
                if not isinstance(item, str):
                    found |= referenced_logical_ids(item[1])
            else:
                found |= referenced_logical_ids(item)
    return found
