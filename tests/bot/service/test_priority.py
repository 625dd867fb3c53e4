"""Priority as a decision with reasons: one test per rule of data/service/triage.yml."""
from dataclasses import dataclass

import pytest

from bot.service.emotion import EmotionReading
from bot.service.escalation import EscalationRules, sentiment_signals
from bot.service.priority import ConversationFacts, MessageReading, PriorityRules, decide_priority
from bot.service.triage import TriageRules, triage


@pytest.fixture(scope="module")
def rules():
    return TriageRules.load()


@pytest.fixture(scope="module")
def anger():
    return EscalationRules.load()


def decide(rules, intent, text, anger=None, **facts):
    signals = sentiment_signals(anger, text) if anger else ()
    return triage(rules, intent, text, anger_signals=signals, **facts)


@pytest.mark.parametrize("intent, text", [
    ("account_security", "我的账号登不上了"),
    ("faq", "我的账号被盗了怎么办"),
    ("report_fault", "someone logged into my account from another city and it got hacked"),
])
def test_account_security(rules, intent, text):
    result = decide(rules, intent, text)
    assert result.priority == "high" and "account_security" in result.reasons


@pytest.mark.parametrize("intent, text", [
    ("payment_problem", "付款失败了"),
    ("complaint", "同一个订单重复扣款了"),
    ("faq", "I was charged twice, what do I do"),
])
def test_money_lost(rules, intent, text):
    result = decide(rules, intent, text)
    assert result.priority == "high" and "money_lost" in result.reasons


def test_money_taken_without_an_order_is_a_fault(rules):
    assert decide(rules, "payment_problem", "钱扣了订单没生成").category == "fault"


def test_order_overdue_by_the_order_system_or_the_words(rules):
    assert decide(rules, "check_order_status", "到哪了", order_overdue=True).reasons == ("order_overdue",)
    assert "order_overdue" in decide(rules, "complaint", "订单超时未发货").reasons
    # Not a request, but the order is late: high all the same.
    assert decide(rules, "inform", "DD2026100100789", order_overdue=True).priority == "high"


@pytest.mark.parametrize("text", ["再不处理我就去12315投诉", "我要找媒体曝光你们", "I'll report you to consumer protection"])
def test_regulator_or_press_threat(rules, anger, text):
    result = decide(rules, "complaint", text, anger)
    assert result.priority == "high" and "regulator_or_press_threat" in result.reasons


def test_a_latin_threat_word_must_stand_alone(rules):
    assert "regulator_or_press_threat" not in decide(rules, "complaint", "there is an issue with my order").reasons


def test_repeat_contact_by_words_by_the_same_problem_or_past_handoffs(rules):
    assert "repeat_contact" in decide(rules, "complaint", "这是我第三次联系你们了").reasons
    assert "repeat_contact" in decide(rules, "complaint", "东西坏了", same_problem_count=2).reasons
    assert "repeat_contact" in decide(rules, "complaint", "东西坏了", past_handoffs=2).reasons
    calm = decide(rules, "complaint", "东西坏了", same_problem_count=1, past_handoffs=1)
    assert "repeat_contact" not in calm.reasons and calm.priority == "normal"


def test_repeat_complainer_counts_this_complaint_too(rules):
    assert "repeat_complainer" in decide(rules, "complaint", "东西坏了", complaints_in_window=2).reasons
    assert "repeat_complainer" not in decide(rules, "complaint", "东西坏了", complaints_in_window=1).reasons
    # 数据预警 changes how any request of the customer is handled.
    inquiry = decide(rules, "faq", "怎么开发票", complaints_in_window=3)
    assert inquiry.priority == "high" and "repeat_complainer" in inquiry.reasons


def test_strong_emotion_by_anger_words_until_a_classifier_reads_it(rules, anger):
    assert "strong_emotion" in decide(rules, "complaint", "你们这群骗子!!!", anger).reasons
    assert decide(rules, "complaint", "东西坏了", anger).reasons == ()


def test_strong_emotion_by_the_classifier_above_the_threshold(rules):
    threshold = rules.priority.emotion_min_score
    angry = triage(rules, "complaint", "行吧,你们看着办", emotion=EmotionReading("angry", threshold + 0.05))
    assert angry.priority == "high" and angry.reasons == ("strong_emotion",)
    unsure = triage(rules, "complaint", "行吧,你们看着办", emotion=EmotionReading("angry", threshold - 0.05))
    assert unsure.priority == "normal"
    assert triage(rules, "complaint", "急死了", emotion=EmotionReading("anxious", 0.99)).reasons == ()


def test_any_object_with_label_and_score_is_an_emotion_reading(rules):
    @dataclass
    class Reading:
        label: str
        score: float

    assert triage(rules, "complaint", "x", emotion=Reading("angry", 0.99)).priority == "high"


def test_vip_steps_up_one_level_and_is_a_reason(rules):
    assert triage(rules, "suggestion", "建议加个夜间模式", vip=True).priority == "normal"
    result = triage(rules, "faq", "怎么开发票", vip=True)
    assert (result.priority, result.reasons) == ("high", ("vip",))
    # Not a request: the conversation keeps its priority.
    assert triage(rules, "affirm", "好的", vip=True).priority == "normal"


def test_a_refund_beyond_the_bots_authority(rules):
    result = triage(rules, "complaint", "退我800元", refund_amount=800)
    assert result.priority == "high" and "beyond_authority" in result.reasons
    assert triage(rules, "complaint", "退我80元", refund_amount=80).priority == "normal"


def test_reasons_come_in_one_order_and_all_are_named(rules, anger):
    result = decide(rules, "complaint", "第三次了!!!我要去12315投诉", anger, vip=True, complaints_in_window=5)
    assert result.reasons == (
        "regulator_or_press_threat", "repeat_contact", "repeat_complainer", "strong_emotion", "vip",
    )


def test_the_pure_function_reads_only_what_it_is_given():
    rules = PriorityRules.from_mapping({
        "by_category": {"suggestion": "low"},
        "reasons": {"money_lost": {"intents": ["payment_problem"], "words": {"zh": ["扣了两次"]}}},
        "high": ["money_lost"],
    })
    assert decide_priority(rules, MessageReading(text="扣了两次", category="fault"), ConversationFacts()).level == "high"
    assert decide_priority(rules, MessageReading(text="建议", category="suggestion"), ConversationFacts()).level == "low"
    # A reason not listed under high does not raise.
    calm = PriorityRules.from_mapping({"high": []})
    assert decide_priority(calm, MessageReading(text="x", category="complaint"), ConversationFacts(order_overdue=True)) \
        .level == "normal"


def test_unknown_reason_names_are_refused_with_their_line(tmp_path):
    bad = tmp_path / "triage.yml"
    bad.write_text("categories: {}\npriority:\n  high: [urgentish]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"triage.yml:3.*unknown priority reason 'urgentish'"):
        TriageRules.load(bad)


def test_reasons_of_earlier_messages_of_the_session_hold(rules):
    follow_up = triage(rules, "affirm", "好的", earlier_reasons=("money_lost",))
    assert (follow_up.priority, follow_up.reasons) == ("high", ("money_lost",))
    assert triage(rules, "faq", "怎么改密码", earlier_reasons=("unknown_code",)).reasons == ()
