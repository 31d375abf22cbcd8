"""The local cloud's FilterCriteria matcher against the examples of AWS's Lambda documentation.

Sources (paraphrased, not quoted): the Lambda Developer Guide pages "Control which events Lambda sends to your
function" (invocation-eventfiltering: its table of comparison operators, the five-filter quota, the leaf-only
``exists`` note, numbers compared as written), "Using event filtering with a DynamoDB event source"
(with-ddb-filtering: keys, NewImage attributes), "Using event filtering with an Amazon SQS event source"
(with-sqs-filtering: ``body`` fields, the body-format table) and the API reference's ``Filter`` (Pattern at most
4096 characters).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.event_filters import MAX_FILTERS, EventFilter, FilterError


def matcher(*patterns: dict[str, Any], source: str = "other") -> EventFilter:
    made = EventFilter.from_criteria({"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}, source)
    assert made is not None
    return made


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    return matcher(pattern).matches(event)


# -- the operator table of "Control which events Lambda sends to your function" --------------------------------


def test_null_matches_only_an_explicit_null() -> None:
    assert matches({"UserID": [None]}, {"UserID": None})
    assert not matches({"UserID": [None]}, {"UserID": "u1"})
    assert not matches({"UserID": [None]}, {})  # a missing field is not null
    assert not matches({"UserID": [None]}, {"UserID": ""})


def test_empty_string() -> None:
    assert matches({"LastName": [""]}, {"LastName": ""})
    assert not matches({"LastName": [""]}, {"LastName": "Doe"})
    assert not matches({"LastName": [""]}, {"LastName": None})


def test_equals_is_exact_and_case_sensitive() -> None:
    assert matches({"Name": ["Alice"]}, {"Name": "Alice"})
    assert not matches({"Name": ["Alice"]}, {"Name": "alice"})
    assert not matches({"Name": ["Alice"]}, {"Name": "Alice "})
    assert not matches({"Name": ["Alice"]}, {})


def test_equals_ignore_case() -> None:
    assert matches({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "ALICE"})
    assert matches({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "Alice"})
    assert not matches({"Name": [{"equals-ignore-case": "alice"}]}, {"Name": "Alicia"})


def test_and_needs_every_field() -> None:
    pattern = {"Location": ["New York"], "Day": ["Monday"]}
    assert matches(pattern, {"Location": "New York", "Day": "Monday", "Other": 1})
    assert not matches(pattern, {"Location": "New York", "Day": "Tuesday"})
    assert not matches(pattern, {"Location": "New York"})


def test_or_within_a_field() -> None:
    assert matches({"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Debit"})
    assert not matches({"PaymentType": ["Credit", "Debit"]}, {"PaymentType": "Cash"})


def test_or_across_fields() -> None:
    pattern = {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]}
    assert matches(pattern, {"Location": "New York", "Day": "Friday"})
    assert matches(pattern, {"Location": "Boston", "Day": "Monday"})
    assert not matches(pattern, {"Location": "Boston", "Day": "Friday"})
    # $or beside other fields: those still have to match
    assert not matches({"Kind": ["a"], **pattern}, {"Kind": "b", "Day": "Monday"})


def test_anything_but() -> None:
    assert matches({"Weather": [{"anything-but": ["Raining"]}]}, {"Weather": "Sunny"})
    assert not matches({"Weather": [{"anything-but": ["Raining"]}]}, {"Weather": "Raining"})
    assert not matches({"Weather": [{"anything-but": ["Raining", "Snowing"]}]}, {"Weather": "Snowing"})
    assert matches({"Weather": [{"anything-but": "Raining"}]}, {"Weather": "Hail"})
    assert not matches({"Weather": [{"anything-but": ["Raining"]}]}, {})  # absent is not "anything"
    assert not matches({"Code": [{"anything-but": [200, 204]}]}, {"Code": 204})
    assert matches({"Code": [{"anything-but": [200, 204]}]}, {"Code": 500})


def test_anything_but_prefix_and_suffix() -> None:
    assert matches({"Region": [{"anything-but": {"prefix": "us-"}}]}, {"Region": "eu-west-1"})
    assert not matches({"Region": [{"anything-but": {"prefix": "us-"}}]}, {"Region": "us-east-1"})
    assert matches({"File": [{"anything-but": {"suffix": ".tmp"}}]}, {"File": "a.png"})
    assert not matches({"File": [{"anything-but": {"suffix": ".tmp"}}]}, {"File": "a.tmp"})


def test_numeric_equals_and_ranges() -> None:
    assert matches({"Price": [{"numeric": ["=", 100]}]}, {"Price": 100})
    assert matches({"Price": [{"numeric": ["=", 100]}]}, {"Price": 100.0})  # numeric compares values
    assert not matches({"Price": [{"numeric": ["=", 100]}]}, {"Price": "100"})  # a string is no number
    in_range = {"Price": [{"numeric": [">", 10, "<=", 20]}]}
    assert matches(in_range, {"Price": 20})
    assert matches(in_range, {"Price": 10.5})
    assert not matches(in_range, {"Price": 10})
    assert not matches(in_range, {"Price": 20.01})


def test_numbers_are_equal_only_as_written() -> None:
    # the guide: 300, 300.0 and 3.0e2 are not equal for plain equality
    assert matches({"n": [300]}, {"n": 300})
    assert not matches({"n": [300]}, {"n": 300.0})
    assert not matches({"n": [300]}, {"n": "300"})
    sqs = matcher({"body": {"n": [300]}}, source="sqs")
    assert sqs.matches({"body": '{"n": 300}'})
    assert not sqs.matches({"body": '{"n": 3.0e2}'})


def test_booleans_are_not_numbers() -> None:
    assert matches({"flag": [True]}, {"flag": True})
    assert not matches({"flag": [True]}, {"flag": 1})
    assert not matches({"n": [1]}, {"n": True})


def test_exists_and_does_not_exist() -> None:
    assert matches({"ProductName": [{"exists": True}]}, {"ProductName": "apple"})
    assert matches({"ProductName": [{"exists": True}]}, {"ProductName": None})
    assert not matches({"ProductName": [{"exists": True}]}, {"Name": "apple"})
    assert matches({"ProductName": [{"exists": False}]}, {"Name": "apple"})
    assert not matches({"ProductName": [{"exists": False}]}, {"ProductName": "apple"})
    # nested: a missing parent means the leaf does not exist either
    assert matches({"a": {"b": [{"exists": False}]}}, {"c": 1})
    assert not matches({"a": {"b": [{"exists": True}]}}, {"c": 1})


def test_exists_looks_at_leaves_only() -> None:
    # the guide's example: "address" is an object, not a leaf, so "exists" does not see it
    person = {"person": {"name": "John Doe", "age": 30, "address": {"street": "123 Main St", "city": "Anytown"}}}
    assert not matches({"person": {"address": [{"exists": True}]}}, person)
    assert matches({"person": {"address": {"street": [{"exists": True}]}}}, person)


def test_prefix_and_suffix() -> None:
    assert matches({"Region": [{"prefix": "us-"}]}, {"Region": "us-east-1"})
    assert not matches({"Region": [{"prefix": "us-"}]}, {"Region": "eu-west-1"})
    assert not matches({"Region": [{"prefix": "us-"}]}, {"Region": "US-east-1"})
    assert matches({"FileName": [{"suffix": ".png"}]}, {"FileName": "photo.png"})
    assert not matches({"FileName": [{"suffix": ".png"}]}, {"FileName": "photo.jpg"})


def test_an_array_in_the_event_matches_when_any_element_does() -> None:
    assert matches({"tags": ["urgent"]}, {"tags": ["vip", "urgent"]})
    assert not matches({"tags": ["urgent"]}, {"tags": ["vip"]})
    assert not matches({"tags": ["urgent"]}, {"tags": []})
    # an array of objects: one element has to satisfy the whole sub-pattern
    items = {"items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 5}]}
    assert matches({"items": {"sku": ["b"], "qty": [5]}}, items)
    assert not matches({"items": {"sku": ["a"], "qty": [5]}}, items)


def test_several_filters_are_ored() -> None:
    either = matcher({"kind": ["a"]}, {"kind": ["b"]})
    assert either.matches({"kind": "a"})
    assert either.matches({"kind": "b"})
    assert not either.matches({"kind": "c"})


# -- DynamoDB ("Using event filtering with a DynamoDB event source") ---------------------------------------------

DDB_RECORD: dict[str, Any] = {
    "eventID": "1",
    "eventName": "INSERT",
    "eventVersion": "1.0",
    "dynamodb": {
        "ApproximateCreationDateTime": 1678831218,
        "Keys": {"CustomerName": {"S": "AnyCompany Industries"}},
        "NewImage": {
            "AccountManager": {"S": "Pat Candella"},
            "PaymentTerms": {"S": "60 days"},
            "CustomerName": {"S": "AnyCompany Industries"},
            "Quantity": {"N": "12"},
        },
        "SequenceNumber": "111",
        "SizeBytes": 26,
        "StreamViewType": "NEW_IMAGE",
    },
}


def test_dynamodb_keys_and_new_image() -> None:
    by_key = matcher({"dynamodb": {"Keys": {"CustomerName": {"S": ["AnyCompany Industries"]}}}}, source="dynamodb")
    assert by_key.matches(DDB_RECORD)
    managers = {"dynamodb": {"NewImage": {"AccountManager": {"S": ["Pat Candella", "Shirley Rodriguez"]}}}}
    assert matcher(managers, source="dynamodb").matches(DDB_RECORD)
    other = {"dynamodb": {"NewImage": {"AccountManager": {"S": ["Shirley Rodriguez"]}}}}
    assert not matcher(other, source="dynamodb").matches(DDB_RECORD)
    # a REMOVE has no NewImage: a NewImage filter never lets it through
    removed = {**DDB_RECORD, "eventName": "REMOVE", "dynamodb": {"Keys": DDB_RECORD["dynamodb"]["Keys"]}}
    assert not matcher(managers, source="dynamodb").matches(removed)


def test_dynamodb_numbers_are_strings_in_the_record() -> None:
    # an N attribute travels as a string, so a numeric rule does not see a number there
    assert not matcher({"dynamodb": {"NewImage": {"Quantity": {"N": [{"numeric": [">", 10]}]}}}}).matches(DDB_RECORD)
    assert matcher({"dynamodb": {"NewImage": {"Quantity": {"N": ["12"]}}}}).matches(DDB_RECORD)


def test_the_realtime_push_filter() -> None:
    # the stack's one filter (infra/constructs/realtime.py, from kefu.services.realtime.PUSHED_ENTITIES)
    from kefu.services.realtime import PUSHED_ENTITIES

    push = matcher({"dynamodb": {"NewImage": {"entity": {"S": list(PUSHED_ENTITIES)}}}}, source="dynamodb")

    def record(entity: str | None) -> dict[str, Any]:
        image = {"PK": {"S": "T#1"}, **({"entity": {"S": entity}} if entity else {})}
        return {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "T#1"}}, "NewImage": image}}

    assert all(push.matches(record(entity)) for entity in PUSHED_ENTITIES)
    assert not push.matches(record("customer"))
    assert not push.matches(record("Message"))
    assert not push.matches(record(None))


# -- SQS ("Using event filtering with an Amazon SQS event source") -----------------------------------------------


def sqs(body: str) -> dict[str, Any]:
    return {"messageId": "m1", "body": body, "attributes": {"ApproximateReceiveCount": "1"}, "eventSource": "aws:sqs"}


def test_sqs_body_fields_of_a_json_body() -> None:
    code = matcher({"body": {"RequestCode": ["BBBB"]}}, source="sqs")
    assert code.matches(sqs('{"RecordNumber": 1234, "TimeStamp": "t", "RequestCode": "BBBB"}'))
    assert not code.matches(sqs('{"RecordNumber": 1234, "TimeStamp": "t", "RequestCode": "AAAA"}'))
    number = matcher({"body": {"RecordNumber": [{"numeric": [">", 9999]}]}}, source="sqs")
    assert number.matches(sqs('{"RecordNumber": 10000}'))
    assert not number.matches(sqs('{"RecordNumber": 1234}'))


def test_sqs_body_format_must_match_the_pattern_format() -> None:
    json_pattern = matcher({"body": {"RequestCode": ["BBBB"]}}, source="sqs")
    plain_pattern = matcher({"body": ["BBBB"]}, source="sqs")
    prefix_pattern = matcher({"body": [{"prefix": "Result: "}]}, source="sqs")
    assert not json_pattern.matches(sqs("RequestCode BBBB"))  # plain body, JSON pattern: dropped
    assert plain_pattern.matches(sqs("BBBB"))  # plain body, plain pattern: filtered on the string
    assert prefix_pattern.matches(sqs("Result: ok"))
    assert not prefix_pattern.matches(sqs("Error: no"))
    assert not plain_pattern.matches(sqs('"BBBB"'))  # a JSON body, plain pattern: dropped
    assert not plain_pattern.matches(sqs('{"RequestCode": "BBBB"}'))


def test_sqs_metadata_only_pattern_ignores_the_body_format() -> None:
    first = matcher({"attributes": {"ApproximateReceiveCount": ["1"]}}, source="sqs")
    assert first.matches(sqs("not json"))
    assert first.matches(sqs('{"a": 1}'))


# -- what Lambda refuses when the mapping is created --------------------------------------------------------------


def test_no_criteria_means_no_filter() -> None:
    assert EventFilter.from_criteria(None, "sqs") is None
    assert EventFilter.from_criteria({}, "sqs") is None
    assert EventFilter.from_criteria({"Filters": []}, "sqs") is None


def test_at_most_five_filters() -> None:
    five = {"Filters": [{"Pattern": json.dumps({"k": [str(i)]})} for i in range(MAX_FILTERS)]}
    assert EventFilter.from_criteria(five, "sqs") is not None
    six = {"Filters": [{"Pattern": json.dumps({"k": [str(i)]})} for i in range(MAX_FILTERS + 1)]}
    with pytest.raises(FilterError, match="6 filters; Lambda allows 5"):
        EventFilter.from_criteria(six, "sqs", "PushMapping")


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("not json", "not JSON"),
        ('["a"]', "expected an object"),
        ('{"a": "x"}', "rules are a list"),
        ('{"a": []}', "empty list"),
        ('{"a": [["x"]]}', "is not a rule"),
        ('{"a": [{"wildcard": "x*"}]}', "'wildcard' is not an operator"),
        ('{"a": [{"cidr": "10.0.0.0/24"}]}', "'cidr' is not an operator"),
        ('{"a": [{"prefix": {"equals-ignore-case": "x"}}]}', "prefix takes a string"),
        ('{"a": [{"prefix": "x", "suffix": "y"}]}', "exactly one operator"),
        ('{"a": [{"exists": "yes"}]}', "exists takes true or false"),
        ('{"a": [{"numeric": [">", "5"]}]}', "not valid"),
        ('{"a": [{"numeric": ["<", 5, ">", 1]}]}', "lower bound"),
        ('{"a": [{"numeric": [">", 5, "<", 1]}]}', "lower bound"),
        ('{"a": [{"anything-but": []}]}', "non-empty list"),
        ('{"a": [{"anything-but": ["x", 1]}]}', "non-empty list"),
        ('{"a": [{"anything-but": {"wildcard": "x"}}]}', "anything-but takes"),
        ('{"$or": [{"a": ["x"]}, "b"]}', "non-empty object"),
        ('{"$or": []}', "non-empty list"),
    ],
)
def test_malformed_patterns_are_refused(pattern: str, reason: str) -> None:
    with pytest.raises(FilterError, match=reason):
        EventFilter.from_criteria({"Filters": [{"Pattern": pattern}]}, "sqs", "M")


def test_a_dynamodb_data_pattern_must_be_an_object() -> None:
    with pytest.raises(FilterError, match="must be an object"):
        EventFilter.from_criteria({"Filters": [{"Pattern": '{"dynamodb": ["x"]}'}]}, "dynamodb")


def test_pattern_length_limit() -> None:
    long = json.dumps({"k": ["x" * 4100]})
    with pytest.raises(FilterError, match="longer than 4096"):
        EventFilter.from_criteria({"Filters": [{"Pattern": long}]}, "sqs")
