"""Lambda's event filtering: an event source mapping's ``FilterCriteria``, applied to each record locally.

A mapping holds up to five filters, OR'ed; a record reaches the function when one of their patterns matches it.
A pattern is a JSON object shaped like the record: an object descends into the record's field of that name, an
array holds the rules for a leaf field (any one rule may match, and when the record's field is an array, any
one of its elements may satisfy it), and the fields of an object must all match (AND). ``$or`` takes a list of
such objects, one of which must match. The rules Lambda's documentation lists (its "Filter rule syntax") are
played here: equality on strings, numbers (compared as written: 300 and 300.0 differ), booleans and ``null``;
the empty string; ``prefix``; ``suffix``; ``equals-ignore-case``; ``anything-but`` (a value, a list, or a
``prefix``/``suffix``); ``numeric`` comparisons and ranges; ``exists`` true/false (leaf fields only: an object
is not a value). EventBridge has more (``wildcard``, ``cidr``, case-insensitive prefixes...); Lambda does not
document them, so a pattern using one is refused here, as is anything else Lambda refuses when the mapping is
created (a malformed pattern, more than five filters, a pattern over 4096 characters, a DynamoDB data pattern
that is not an object).

The data field is where the sources differ: a DynamoDB record's ``dynamodb`` is already an object. An SQS
record's ``body`` is a string: a pattern whose ``body`` is an object matches the body parsed as JSON (and never
a body that is not JSON); a pattern whose ``body`` holds rules matches the body as a plain string (and never a
body that is JSON). That is Lambda's table of body formats against pattern formats.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

MAX_FILTERS = 5  # Lambda's default quota per event source mapping (raised on request, up to 10)
MAX_PATTERN_LENGTH = 4096  # the API's length constraint on Filter.Pattern

_STRING_OPERATORS = ("prefix", "suffix", "equals-ignore-case")
_LOWER = (">", ">=")
_UPPER = ("<", "<=")


class FilterError(ValueError):
    """A filter Lambda would refuse when the event source mapping is created (so the deploy would fail)."""


@dataclass(frozen=True)
class Number:
    """A JSON number as written (Lambda compares numbers for equality by their text) and its value."""

    text: str
    value: float


_ABSENT = object()


def _number(text: str) -> Number:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text}")
    return Number(text, value)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str) -> Any:
    """JSON with its numbers kept as written."""
    return json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_refuse_constant)


def as_json_values(value: Any) -> Any:
    """A record built in Python (dicts, lists, ints...) with its numbers as JSON would write them."""
    if isinstance(value, bool) or value is None or isinstance(value, str | Number):
        return value
    if isinstance(value, int | float):
        return Number(json.dumps(value), float(value))
    if isinstance(value, dict):
        return {str(key): as_json_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json_values(item) for item in value]
    return str(value)


# -- validation (what CreateEventSourceMapping refuses) -------------------------------------------------------


def _check_object(pattern: Any, where: str) -> None:
    if not isinstance(pattern, dict):
        raise FilterError(f"{where}: expected an object, got {json.dumps(_plain(pattern))}")
    for key, rule in pattern.items():
        path = f"{where}.{key}" if where else key
        if key == "$or":
            if not isinstance(rule, list) or not rule:
                raise FilterError(f"{path}: $or takes a non-empty list of objects")
            for index, alternative in enumerate(rule):
                if not isinstance(alternative, dict) or not alternative:
                    raise FilterError(f"{path}[{index}]: each $or alternative is a non-empty object")
                _check_object(alternative, path)
        elif isinstance(rule, dict):
            _check_object(rule, path)
        elif isinstance(rule, list):
            if not rule:
                raise FilterError(f"{path}: an empty list of rules matches nothing and is refused")
            for item in rule:
                _check_rule(item, path)
        else:
            raise FilterError(f"{path}: a field's rules are a list, e.g. [{json.dumps(_plain(rule))}]")


def _check_rule(rule: Any, path: str) -> None:
    if rule is None or isinstance(rule, str | bool | Number):
        return
    if not isinstance(rule, dict):
        raise FilterError(f"{path}: {json.dumps(_plain(rule))} is not a rule (a value or an operator object)")
    if len(rule) != 1:
        raise FilterError(f"{path}: an operator object holds exactly one operator, got {sorted(rule)}")
    ((operator, operand),) = rule.items()
    if operator in _STRING_OPERATORS:
        if not isinstance(operand, str):
            raise FilterError(f"{path}: {operator} takes a string (Lambda documents no other form)")
    elif operator == "exists":
        if not isinstance(operand, bool):
            raise FilterError(f"{path}: exists takes true or false")
    elif operator == "numeric":
        _check_numeric(operand, path)
    elif operator == "anything-but":
        _check_anything_but(operand, path)
    else:
        raise FilterError(
            f"{path}: {operator!r} is not an operator of Lambda's event filtering "
            "(prefix, suffix, equals-ignore-case, anything-but, numeric, exists)"
        )


def _check_numeric(operand: Any, path: str) -> None:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise FilterError(f"{path}: numeric takes [op, number] or [op, number, op, number]")
    pairs = [(operand[i], operand[i + 1]) for i in range(0, len(operand), 2)]
    for op, value in pairs:
        if op not in ("=", *_LOWER, *_UPPER) or not isinstance(value, Number):
            raise FilterError(f"{path}: numeric comparison {json.dumps(_plain([op, value]))} is not valid")
    if len(pairs) == 2:
        (first, low), (second, high) = pairs
        if first not in _LOWER or second not in _UPPER or low.value >= high.value:
            raise FilterError(f"{path}: a numeric range is a lower bound (>, >=) then a greater upper bound (<, <=)")


def _check_anything_but(operand: Any, path: str) -> None:
    if isinstance(operand, str | Number):
        return
    if isinstance(operand, list):
        if not operand or not (
            all(isinstance(item, str) for item in operand) or all(isinstance(item, Number) for item in operand)
        ):
            raise FilterError(f"{path}: anything-but takes a non-empty list of strings or of numbers")
        return
    if isinstance(operand, dict) and len(operand) == 1:
        ((operator, value),) = operand.items()
        if operator in ("prefix", "suffix") and isinstance(value, str):
            return
    raise FilterError(f"{path}: anything-but takes a value, a list, or {{prefix|suffix: string}}")


def _plain(value: Any) -> Any:
    """For error messages: Numbers back to JSON numbers."""
    if isinstance(value, Number):
        return json.loads(value.text)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# -- matching --------------------------------------------------------------------------------------------------


def _leaves(value: Any) -> list[Any]:
    """The values at a field: an array's elements (nested arrays flattened); objects are not values."""
    if value is _ABSENT or isinstance(value, dict):
        return []
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [obj for item in value for obj in _objects(item)]
    return []


def match_object(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    for key, rule in pattern.items():
        if key == "$or":
            if not any(match_object(alternative, event) for alternative in rule):
                return False
        elif isinstance(rule, dict):
            # Only the fields beneath count: with nothing there, only "exists": false can still hold.
            if not any(match_object(rule, obj) for obj in (_objects(event.get(key)) or [{}])):
                return False
        else:
            value = event.get(key, _ABSENT)
            # numbers as JSON writes them, converted here, at the leaves a pattern names, not for the whole
            # record first: a stream record's two images are most of it, and most patterns name one field
            if not _match_leaf(
                rule, _leaves(value if value is _ABSENT or isinstance(value, dict) else as_json_values(value))
            ):
                return False
    return True


def _match_leaf(rules: list[Any], values: list[Any]) -> bool:
    for rule in rules:
        if isinstance(rule, dict) and "exists" in rule:
            if bool(values) == rule["exists"]:
                return True
        elif any(_match_value(rule, value) for value in values):
            return True
    return False


def _same(rule: Any, value: Any) -> bool:
    if rule is None or isinstance(rule, bool):
        return value is rule
    if isinstance(rule, Number):
        return isinstance(value, Number) and value.text == rule.text
    return isinstance(value, str) and value == rule


def _match_value(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        return _same(rule, value)
    ((operator, operand),) = rule.items()
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(operand)
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(operand)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == operand.casefold()
    if operator == "numeric":
        return isinstance(value, Number) and all(
            _compare(value.value, operand[i], operand[i + 1].value) for i in range(0, len(operand), 2)
        )
    if operator == "anything-but":
        if isinstance(operand, dict):
            ((which, affix),) = operand.items()
            if not isinstance(value, str):
                return False
            return not (value.startswith(affix) if which == "prefix" else value.endswith(affix))
        excluded = operand if isinstance(operand, list) else [operand]
        return not any(_same(item, value) for item in excluded)
    raise AssertionError(f"unchecked operator {operator}")  # _check_rule refused it


def _compare(value: float, op: str, bound: float) -> bool:
    if op == "=":
        return value == bound
    if op == ">":
        return value > bound
    if op == ">=":
        return value >= bound
    if op == "<":
        return value < bound
    return value <= bound


# -- a mapping's filters ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    """The filters of one event source mapping; ``source`` is "sqs" or "dynamodb"."""

    patterns: tuple[dict[str, Any], ...]
    source: str

    @classmethod
    def from_criteria(cls, criteria: Any, source: str, mapping: str = "") -> EventFilter | None:
        """The mapping's filter, or None when it has none (``{}`` or no ``Filters`` removes filtering)."""
        where = f"event source mapping {mapping}: " if mapping else ""
        if criteria is None or criteria == {}:
            return None
        if not isinstance(criteria, dict) or set(criteria) - {"Filters"}:
            raise FilterError(f"{where}FilterCriteria holds only Filters, got {json.dumps(criteria)[:200]}")
        filters = criteria.get("Filters") or []
        if not isinstance(filters, list):
            raise FilterError(f"{where}FilterCriteria.Filters is a list")
        if len(filters) > MAX_FILTERS:
            raise FilterError(
                f"{where}{len(filters)} filters; Lambda allows {MAX_FILTERS} per event source mapping "
                "(CreateEventSourceMapping refuses more unless the account's quota was raised)"
            )
        patterns = []
        for index, entry in enumerate(filters):
            text = entry.get("Pattern") if isinstance(entry, dict) else None
            if not isinstance(text, str):
                raise FilterError(f"{where}Filters[{index}] has no Pattern string")
            if len(text) > MAX_PATTERN_LENGTH:
                raise FilterError(f"{where}Filters[{index}].Pattern is longer than {MAX_PATTERN_LENGTH} characters")
            try:
                pattern = loads(text)
            except ValueError as error:
                raise FilterError(f"{where}Filters[{index}].Pattern is not JSON: {error}") from None
            try:
                _check_object(pattern, "")
                if source == "dynamodb" and "dynamodb" in pattern and not isinstance(pattern["dynamodb"], dict):
                    raise FilterError("dynamodb: the data field's pattern must be an object (Lambda refuses it)")
            except FilterError as error:
                raise FilterError(f"{where}Filters[{index}].Pattern: {error}") from None
            patterns.append(pattern)
        return cls(tuple(patterns), source) if patterns else None

    def matches(self, record: dict[str, Any]) -> bool:
        """Whether Lambda would hand this record (as the function sees it) to the function."""
        if self.source != "sqs":
            return any(match_object(pattern, record) for pattern in self.patterns)
        event = {key: value for key, value in record.items() if key != "body"}
        body = record.get("body")
        parsed: Any = _ABSENT
        if isinstance(body, str):
            try:
                parsed = loads(body)
            except ValueError:
                parsed = _ABSENT
        for pattern in self.patterns:
            candidate = event
            if "body" in pattern:
                wants_json = isinstance(pattern["body"], dict)
                if wants_json != (parsed is not _ABSENT):
                    continue  # Lambda drops a body whose format is not the pattern's
                candidate = {**event, "body": parsed if wants_json else body}
            if match_object(pattern, candidate):
                return True
        return False
