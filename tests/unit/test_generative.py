"""Generative answers (off by default): the Converse request, and the refusals, against a stubbed Bedrock
(botocore's Stubber: no paid call, the real client's request validation)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from kefu.knowledge.generative import NO_ANSWER, Source, build_request, generate, parse_answer, should_refuse

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
SOURCES = [
    Source("A1", "退款多久能到账", "审核通过后原路退回：微信、支付宝 1-3 个工作日，银行卡 3-7 个工作日。", 0.8),
    Source("A2", "如何申请退款", "在我的订单里点击申请售后。", 0.5),
]


@pytest.fixture
def bedrock() -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")


def reply(text: str, stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 10, "outputTokens": 10, "totalTokens": 20},
        "metrics": {"latencyMs": 5},
    }


def test_the_request_holds_only_the_articles_the_rules_and_the_question() -> None:
    request = build_request(MODEL, "退款几天到账", "zh-CN", SOURCES)
    assert request["modelId"] == MODEL
    assert NO_ANSWER in request["system"][0]["text"] and "只能根据" in request["system"][0]["text"]
    prompt = request["messages"][0]["content"][0]["text"]
    assert prompt.index("[1] 退款多久能到账") < prompt.index("[2] 如何申请退款") < prompt.index("退款几天到账")
    assert request["inferenceConfig"]["temperature"] <= 0.2
    english = build_request(MODEL, "how long", "en", SOURCES)
    assert "only the numbered" in english["system"][0]["text"]


def test_a_grounded_answer_with_citations(bedrock: Any) -> None:
    with Stubber(bedrock) as stub:
        stub.add_response("converse", reply("微信和支付宝 1-3 个工作日到账，银行卡 3-7 个工作日 [1]。"), {
            "modelId": MODEL, "system": ANY, "messages": ANY, "inferenceConfig": ANY,
        })  # fmt: skip
        answer = generate(bedrock, MODEL, "退款几天到账", "zh-CN", SOURCES, threshold=0.4)
        stub.assert_no_pending_responses()
    assert answer is not None and answer.cited == ["A1"] and "[1]" in answer.text


def test_weak_retrieval_is_refused_without_calling_bedrock(bedrock: Any) -> None:
    weak = [Source("A9", "会员积分", "积分规则", 0.2)]
    assert should_refuse(weak, 0.4) and should_refuse([], 0.4)
    with Stubber(bedrock) as stub:  # no response queued: any call would fail the test
        assert generate(bedrock, MODEL, "我家的猫不吃饭", "zh-CN", weak, threshold=0.4) is None
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    "response",
    [
        reply(NO_ANSWER),
        reply("大约三天。"),
        reply("一半的回答 [1]", stop="max_tokens"),
        reply("见 [7]"),
        {"output": {}},
    ],
)
def test_refusals_and_ungrounded_replies_give_no_answer(response: dict[str, Any]) -> None:
    assert parse_answer(response, SOURCES) is None


def test_bedrock_errors_give_no_answer(bedrock: Any) -> None:
    with Stubber(bedrock) as stub:
        stub.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
        assert generate(bedrock, MODEL, "退款几天到账", "zh-CN", SOURCES, threshold=0.4) is None


def test_off_without_a_model(bedrock: Any) -> None:
    assert generate(bedrock, "", "退款几天到账", "zh-CN", SOURCES, threshold=0.4) is None
