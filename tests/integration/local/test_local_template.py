"""The template resolver and the API routes read from a template."""

from __future__ import annotations

import pytest
from local_helpers import TEMPLATE

from local.gateway import api_spec
from local.template import Resolver, TemplateError, load_template, physical_name, referenced_logical_ids


@pytest.fixture
def resolver() -> Resolver:
    template = {"Resources": {}, "Parameters": {"Stage": {"Type": "String", "Default": "prod"}}}
    resolver = Resolver(template, "us-east-1")
    resolver.register("Table", "kefu-Table", Arn="arn:aws:dynamodb:us-east-1:123456789012:table/kefu-Table")
    resolver.register("Queue", "http://aws/123456789012/kefu-Queue.fifo", QueueName="kefu-Queue.fifo")
    return resolver


def test_ref_getatt_and_pseudo_parameters(resolver: Resolver) -> None:
    assert resolver.resolve({"Ref": "Table"}) == "kefu-Table"
    assert resolver.resolve({"Fn::GetAtt": ["Queue", "QueueName"]}) == "kefu-Queue.fifo"
    assert resolver.resolve({"Fn::GetAtt": "Queue.QueueName"}) == "kefu-Queue.fifo"
    assert resolver.resolve({"Ref": "AWS::Region"}) == "us-east-1"
    assert resolver.resolve({"Ref": "Stage"}) == "prod"


def test_join_sub_select_split(resolver: Resolver) -> None:
    joined = {"Fn::Join": [":", [{"Ref": "AWS::AccountId"}, {"Ref": "Table"}]]}
    assert resolver.resolve(joined) == "123456789012:kefu-Table"
    assert (
        resolver.resolve({"Fn::Sub": "${Table}/${Queue.QueueName}/${!Literal}"})
        == "kefu-Table/kefu-Queue.fifo/${Literal}"
    )
    assert resolver.resolve({"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "Table"}}]}) == "kefu-Table-x"
    split = {"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::GetAtt": ["Table", "Arn"]}]}]}
    assert resolver.resolve(split) == "kefu-Table"
    nested = {"A": [{"Ref": "Table"}, 3, "plain"]}
    assert resolver.resolve(nested) == {"A": ["kefu-Table", 3, "plain"]}


def test_unknown_references_are_errors_not_guesses(resolver: Resolver) -> None:
    with pytest.raises(TemplateError):
        resolver.resolve({"Ref": "Missing"})
    with pytest.raises(TemplateError):
        resolver.resolve({"Fn::GetAtt": ["Table", "StreamArn"]})
    with pytest.raises(TemplateError):
        resolver.resolve({"Fn::If": ["Cond", "a", "b"]})


def test_physical_names_are_deterministic_and_valid() -> None:
    assert physical_name("InboundQueueE1F2", suffix=".fifo") == "kefu-InboundQueueE1F2.fifo"
    bucket = physical_name("MediaBucket" + "X" * 80, max_length=63, lowercase=True)
    assert len(bucket) == 63
    assert bucket == bucket.lower()
    long_queue = physical_name("Q" * 100, suffix=".fifo")
    assert len(long_queue) == 80
    assert long_queue.endswith(".fifo")


def test_referenced_logical_ids_sees_through_join_and_sub() -> None:
    value = {"Fn::Join": ["", ["arn:", {"Fn::GetAtt": ["Fn", "Arn"]}, {"Fn::Sub": "${Other.Arn}${!x}"}]]}
    assert referenced_logical_ids(value) == {"Fn", "Other"}


def test_routes_are_built_from_the_resource_tree() -> None:
    template = load_template(TEMPLATE)
    resolver = Resolver(template, "us-east-1")
    resolver.register(
        "UserPool6BA7E5F2", "us-east-1_pool", Arn="arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_pool"
    )
    api = api_spec(template, resolver)
    paths = {route.resource_path: route for route in api.routes}
    assert set(paths) == {"/api/v1/{proxy+}", "/api/v1/openapi.json", "/webhooks/{channel}/{inbox}"}
    proxy = paths["/api/v1/{proxy+}"]
    assert proxy.methods["ANY"].authorization_type == "COGNITO_USER_POOLS"
    assert proxy.methods["ANY"].pool_ids == ["us-east-1_pool"]
    assert proxy.methods["ANY"].function_logical_id == "ApiFn"
    assert proxy.methods["OPTIONS"].function_logical_id is None
    assert proxy.methods["OPTIONS"].mock_status == 204
    assert proxy.methods["OPTIONS"].mock_headers["Access-Control-Allow-Origin"] == "*"
    assert api.stage == "prod"
    assert api.binary_media_types == ["image/png"]


def test_the_most_specific_route_wins() -> None:
    template = load_template(TEMPLATE)
    resolver = Resolver(template, "us-east-1")
    resolver.register("UserPool6BA7E5F2", "p", Arn="arn:aws:cognito-idp:us-east-1:1:userpool/p")
    api = api_spec(template, resolver)
    found = api.find("/api/v1/openapi.json")
    assert found is not None
    assert found[0].resource_path == "/api/v1/openapi.json"
    found = api.find("/api/v1/tickets/T1/messages")
    assert found is not None
    assert found[0].resource_path == "/api/v1/{proxy+}"
    assert found[1] == {"proxy": "tickets/T1/messages"}
    found = api.find("/webhooks/wechat/%E5%AE%A2")
    assert found is not None
    assert found[1] == {"channel": "wechat", "inbox": "客"}
    assert api.find("/webhooks/wechat") is None
    assert api.find("/api/v1") is None
    assert api.find("/nothing") is None
