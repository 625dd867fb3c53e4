"""The escalation decision over many zh and en examples."""
import pytest

from bot.service.escalation import EscalationRules, Signals, decide, sentiment_signals


@pytest.fixture(scope="module")
def rules():
    return EscalationRules.load()


def reason(rules, **kwargs):
    result = decide(rules, Signals(**kwargs))
    return result.reason if result else None


@pytest.mark.parametrize(
    "text, intent",
    [("转人工", "request_human"), ("我要人工客服", "faq"), ("能不能找个真人", None), ("let me talk to a human", None),
     ("I want a live agent please", "complaint"), ("agent", "request_human")],
)
def test_asking_for_a_person_escalates_at_once(rules, text, intent):
    result = decide(rules, Signals(text=text, intent=intent))
    assert (result.reason, result.immediate) == ("explicit_request", True)


@pytest.mark.parametrize(
    "text",
    [
        "这已经是第三次了,你们到底管不管",
        "又是这样,每次都说处理",
        "快递总是延迟!!!",
        "退款呢???",
        "再不处理我就打12315投诉",
        "我要去微博曝光你们",
        "你们就是骗子",
        "客服都是白痴吗",
        "THIS IS RIDICULOUS WHERE IS MY ORDER",
        "I will contact my lawyer",
        "this is the third time I'm asking",
        "you are useless",
        "I'll post this on social media",
        "worst service ever!!!",
        "why???",
    ],
)
def test_anger_and_urgency_escalate(rules, text):
    assert reason(rules, text=text, intent="complaint", category="complaint") == "anger"


@pytest.mark.parametrize(
    "text",
    ["你好", "退款多久到账", "我的订单到哪了?", "谢谢!", "how do I change my password", "Where is my order DD2026110500123?",
     "I live in the USA", "Thanks!!", "总共多少钱", "可以用PayPal吗"],
)
def test_calm_messages_do_not_escalate(rules, text):
    assert sentiment_signals(rules, text) == ()
    assert reason(rules, text=text, intent="faq", category="inquiry") is None


def test_signals_name_what_fired(rules):
    fired = sentiment_signals(rules, "又是这样!!! 我要打12315")
    assert "word:又是" in fired and "threat:12315" in fired and "punctuation:!!!" in fired


def test_two_fallbacks_in_a_row(rules):
    assert reason(rules, text="asdf", intent="nlu_fallback", recent_intents=["greet", "nlu_fallback", "nlu_fallback"]) == "repeated_fallback"
    assert reason(rules, text="asdf", intent="nlu_fallback", recent_intents=["nlu_fallback", "greet", "nlu_fallback"]) is None


def test_the_same_problem_three_times(rules):
    problems = ["faq/refund_time", "greet", "faq/refund_time", "faq/refund_time"]
    assert reason(rules, text="退款多久", intent="faq", category="inquiry", recent_problems=problems) == "same_problem_repeated"
    assert reason(rules, text="退款多久", intent="faq", category="inquiry", recent_problems=problems[:3]) is None


def test_not_helped_twice(rules):
    assert reason(rules, text="没用", intent="deny", not_helped_count=2) == "answer_not_helpful"
    assert reason(rules, text="没用", intent="deny", not_helped_count=1) is None


def test_high_priority_goes_at_once(rules):
    result = decide(rules, Signals(text="我的账号被盗了", intent="account_security", category="fault", priority="high",
                                      priority_reasons=("account_security",)))
    assert (result.reason, result.immediate) == ("high_priority", True)
    vip_only = decide(rules, Signals(text="怎么开发票", intent="faq", category="inquiry", priority="high", priority_reasons=("vip",)))
    assert vip_only is None
    late_order = decide(rules, Signals(text="订单到哪了", intent="check_order_status", category="inquiry", priority="high",
                                       priority_reasons=("order_overdue",)))
    assert late_order is None


def test_vip_and_repeat_complainers(rules):
    assert reason(rules, text="东西坏了", intent="complaint", category="complaint", vip=True) == "vip_complaint"
    assert reason(rules, text="东西坏了", intent="complaint", category="complaint", complaints_in_window=2) == "repeat_complainer"
    assert reason(rules, text="东西坏了", intent="complaint", category="complaint", complaints_in_window=1) is None


def test_refunds_beyond_the_bots_authority(rules):
    assert reason(rules, text="退我800元", intent="complaint", category="complaint", refund_amount=800) == "beyond_authority"
    assert reason(rules, text="退我80元", intent="complaint", category="complaint", refund_amount=80) is None


def test_non_immediate_triggers_ask_first(rules):
    result = decide(rules, Signals(text="又是这样", intent="complaint", category="complaint", priority="normal"))
    assert result.immediate is False


def test_high_for_anger_alone_still_asks_first_but_high_for_more_hands_over_at_once(rules):
    angry = Signals(text="你们这群骗子!!!", intent="complaint", category="complaint", priority="high",
                    priority_reasons=("strong_emotion", "regulator_or_press_threat"))
    assert (decide(rules, angry).reason, decide(rules, angry).immediate) == ("anger", False)
    angry_vip = Signals(text="你们这群骗子!!!", intent="complaint", category="complaint", priority="high",
                        priority_reasons=("strong_emotion", "vip"))
    assert decide(rules, angry_vip).immediate is True


def test_the_same_problem_counts_again_only_after_the_bot_asked_whether_it_was_solved():
    from bot.service.signals import same_problem_count

    def said(text, intent):
        return {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": intent}}}

    requests = ("complaint", "check_order_status")
    opened = [said("我要投诉", "complaint"), {"event": "action", "name": "action_start_complaint"}, said("东西坏了", "complaint")]
    assert same_problem_count(opened, opened[-1]["parse_data"], requests) == 1
    again = [*opened, {"event": "action", "name": "utter_ask_resolved"}, said("还是坏的", "complaint")]
    assert same_problem_count(again, again[-1]["parse_data"], requests) == 2
    # User messages only: another message in between separates two raisings.
    replay = [said("到哪了", "check_order_status"), said("DD2026110500123", "inform"), said("到哪了", "check_order_status")]
    assert same_problem_count(replay, replay[-1]["parse_data"], requests) == 2
    assert same_problem_count(replay[:1], replay[0]["parse_data"], requests) == 1
    assert same_problem_count(replay, {"intent": {"name": "greet"}}, requests) == 0
