"""The bot's judgement on its own: asking for a person, answers to "did this solve it?", confidence, modes."""

from __future__ import annotations

import pytest

from kefu.knowledge.bot import (
    TEXT,
    BotMode,
    BotSettings,
    Feedback,
    asks_for_human,
    confidence,
    feedback,
    handoff_notice,
    language_of,
    takes_new_ticket,
    units,
)
from kefu.knowledge.markdown import summary, to_html
from kefu.knowledge.search import marked_snippet
from kefu.knowledge.synonyms import expansions, parse


@pytest.mark.parametrize(
    "text", ["人工", "转人工", "找客服", "我要人工客服", "talk to a human", "Agent please", "can I speak to someone"]
)
def test_asking_for_a_person(text: str) -> None:
    assert asks_for_human(text)


@pytest.mark.parametrize("text", ["我的快递到哪了", "refund please", "agency fees?", "人"])
def test_not_asking_for_a_person(text: str) -> None:
    assert not asks_for_human(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("是的，谢谢", Feedback.SOLVED),
        ("解决了！", Feedback.SOLVED),
        ("Thank you!", Feedback.SOLVED),
        ("没有", Feedback.NOT_SOLVED),
        ("不是，我问的是发票", Feedback.NOT_SOLVED),
        ("no, still not working", Feedback.NOT_SOLVED),
        ("really good", Feedback.NONE),
        ("我的快递到哪了", Feedback.NONE),
        ("yes but I also want to know how to get an invoice for my company order", Feedback.NONE),
    ],
)
def test_feedback(text: str, expected: Feedback) -> None:
    assert feedback(text) == expected


def test_confidence_is_high_for_a_paraphrase_and_low_for_another_topic() -> None:
    title, questions = "退款多久能到账", ["退款什么时候到账", "退款审核通过了还没收到"]
    assert confidence("退款几天能到账", title, questions, [], "原路退回") >= 0.4
    assert confidence("我家的猫不吃饭", title, questions, [], "原路退回") < 0.2
    assert (
        confidence(
            "how long does a refund take", "When will my refund arrive?", ["How long does a refund take?"], [], ""
        )
        > 0.6
    )
    assert confidence("", title, questions, [], "") == 0.0


def test_units_are_bigrams_and_stems() -> None:
    assert {"退款", "到账"} <= units("退款到账")
    assert {"refund", "track"} <= units("Refunds and tracking")
    assert "the" not in units("the refund")


def test_modes() -> None:
    assert not takes_new_ticket(BotSettings(), team_works=False)
    assert takes_new_ticket(BotSettings(mode=BotMode.ALWAYS), team_works=True)
    assert takes_new_ticket(BotSettings(mode=BotMode.NIGHT), team_works=False)
    assert not takes_new_ticket(BotSettings(mode=BotMode.NIGHT), team_works=True)


def test_the_handoff_notice_promises_a_person_now_only_while_the_team_works() -> None:
    assert handoff_notice("zh-CN") == TEXT["zh-CN"]["handoff"] and "转接人工客服" in handoff_notice("zh-CN")
    assert handoff_notice("en").startswith("I'm connecting you with a person now")
    back = "2026年12月2日（周三）22:00（Asia/Shanghai）"
    zh = handoff_notice("zh-CN", back)
    assert "非工作时间" in zh and back in zh and "转接" not in zh and "请稍候" not in zh
    en = handoff_notice("en", "Wed 2 Dec 2026, 22:00 (Asia/Shanghai)")
    assert "outside working hours" in en and "when we are back: Wed 2 Dec 2026, 22:00 (Asia/Shanghai)." in en
    assert "now;" not in en.split("outside")[0] and "connecting" not in en


def test_the_order_system_handoff_says_when_the_team_is_back_after_hours() -> None:
    from kefu.orders import intent

    assert intent.unavailable("zh-CN") == intent.TEXT["zh-CN"]["unavailable"]
    zh = intent.unavailable("zh-CN", "2026年12月2日（周三）22:00（Asia/Shanghai）")
    assert zh.startswith("抱歉，订单系统暂时无法查询") and "非工作时间" in zh and "转接" not in zh
    en = intent.unavailable("en", "Wed 2 Dec 2026, 22:00 (Asia/Shanghai)")
    assert en.startswith("Sorry, the order system is unavailable") and "connecting" not in en
    assert "when we are back: Wed 2 Dec 2026, 22:00 (Asia/Shanghai)." in en


def test_language_follows_the_customer() -> None:
    assert language_of("我的快递") == "zh-CN"
    assert language_of("where is my parcel") == "en"


def test_markdown_is_sanitized() -> None:
    rendered = to_html("<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.com) **b**")
    assert "<script>" not in rendered and "javascript:" not in rendered.replace("[x](javascript:alert(1))", "")
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>' in rendered
    assert "<strong>b</strong>" in rendered


def test_summary_cuts_at_a_sentence() -> None:
    text = "第一句话说明情况。第二句话给出步骤，比较长一些。第三句话补充说明。" * 5
    cut = summary(text, 40)
    assert cut.endswith("。") and len(cut) <= 40


def test_snippets_escape_the_text_and_mark_matches() -> None:
    assert (
        marked_snippet("a <b> \u0002refund\u0003 & \u0002policy")
        == "a &lt;b&gt; <mark>refund</mark> &amp; <mark>policy</mark>"
    )


def test_synonyms_expand_both_languages_and_take_an_installations_own() -> None:
    groups = parse("保价, 价格保护; widget, gadget")
    assert "退钱" in expansions("我想退款", groups)
    assert "money back" in expansions("refund please", groups)
    assert "价格保护" in expansions("保价怎么弄", groups)
    assert expansions("hello", groups) == []
