"""The triage test set and its scoring, with parses written by hand (the model's own run is `make test-nlu`)."""
from collections import Counter

import pytest

from bot.knowledge import triage_eval
from bot.knowledge.triage_eval import Case, Outcome, load_cases, outcome, score
from bot.service.escalation import EscalationRules
from bot.service.priority import REASONS
from bot.service.triage import TriageRules


@pytest.fixture(scope="module")
def rules():
    return TriageRules.load(), EscalationRules.load()


def parse(text, intent, entities=(), emotion=None):
    parsed = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)}
    if emotion:
        parsed["emotion"] = {"label": emotion[0], "score": emotion[1]}
    return parsed


def case(turns, category, priority, reasons=(), emotion="neutral", **facts):
    return Case("zh", tuple(turns), category, priority, tuple(reasons), emotion, facts)


def test_the_set_is_big_enough_and_covers_every_rule_in_both_languages():
    cases = load_cases()
    messages = [c for c in cases if not c.is_conversation]
    conversations = [c for c in cases if c.is_conversation]
    assert len(messages) >= 150 and len(conversations) >= 30
    for language in ("zh", "en"):
        mine = [c for c in cases if c.language == language]
        assert {c.category for c in mine} == {"inquiry", "complaint", "suggestion", "fault", None}, language
        assert {r for c in mine for r in c.reasons} == set(REASONS), language
        assert {c.priority for c in mine} == {"high", "normal", "low"}, language
    assert set(Counter(c.emotion for c in cases)) == {"angry", "anxious", "neutral", "satisfied"}


def test_a_turn_that_is_no_request_keeps_the_conversations_category_and_reasons(rules):
    paid = case(["付款失败了但是钱扣走了", "好的"], "fault", "high", ["money_lost"])
    got = outcome(*rules, paid, [parse("付款失败了但是钱扣走了", "payment_problem"), parse("好的", "affirm")])
    assert got == Outcome("fault", "high", ("money_lost",), None)


def test_the_same_problem_again_is_a_repeat_contact(rules):
    turns = ["我的订单到哪了", "DD2026110500123", "订单现在到哪了？麻烦再帮我查一下"]
    parses = [parse(turns[0], "check_order_status"), parse(turns[1], "inform"), parse(turns[2], "check_order_status")]
    got = outcome(*rules, case(turns, "inquiry", "high", ["repeat_contact"]), parses)
    assert (got.category, got.priority, got.reasons) == ("inquiry", "high", ("repeat_contact",))


def test_facts_and_the_emotion_reading_are_used(rules):
    vip = outcome(*rules, case(["怎么开发票"], "inquiry", "high", ["vip"], vip=True), [parse("怎么开发票", "faq")])
    assert vip.reasons == ("vip",)
    angry = outcome(*rules, case(["行吧"], "complaint", "high"), [parse("行吧", "complaint", emotion=("angry", 0.9))])
    assert (angry.priority, angry.emotion) == ("high", "angry")
    refund = [parse("我要退款1200元", "complaint", [{"entity": "amount", "value": "1200元"}])]
    assert outcome(*rules, case(["我要退款1200元"], "complaint", "high"), refund).reasons == ("beyond_authority",)


def test_scores():
    pairs = [
        (case(["a"], "complaint", "high", ["strong_emotion"], "angry"), Outcome("complaint", "high", ("strong_emotion",), "angry")),
        (case(["b"], "fault", "high", ["money_lost"]), Outcome("complaint", "normal", (), "angry")),
        (case(["c"], "inquiry", "normal"), Outcome("inquiry", "high", ("vip",), None)),
        (case(["d", "e"], None, "normal"), Outcome(None, "normal", (), None)),
    ]
    result = score(pairs)
    assert (result.messages, result.conversations) == (3, 1)
    assert result.category_accuracy == 0.75
    assert (result.high_precision, result.high_recall, result.high_support) == (0.5, 0.5, 2)
    assert result.reason_recall == {"money_lost": (0.0, 1), "strong_emotion": (1.0, 1)}
    assert (result.emotion_accuracy, result.emotion_readings) == (0.5, 2)
    assert [e[0] for e in result.errors] == ["b", "c"]
    lines = triage_eval.report(result, errors=True)
    assert "    high priority  precision 0.500  recall 0.500  (2 high)" in lines
    assert any("0.000  money_lost (1)" in line for line in lines)


def test_each_case_is_triaged_from_the_parses_of_its_own_turns(rules):
    # predict parses every turn of every case in one batch (bot/knowledge/batch_parse.py), then this.
    cases = [case(["东西坏了"], "complaint", "normal"), case(["你好", "第三次了"], "complaint", "high", ["repeat_contact"])]
    pairs = triage_eval.outcomes(cases, [parse(text, "complaint") for text in ["东西坏了", "你好", "第三次了"]])
    assert [c for c, _ in pairs] == cases
    assert "repeat_contact" not in pairs[0][1].reasons
    assert "repeat_contact" in pairs[1][1].reasons and pairs[1][1].priority == "high"


def test_no_message_of_the_set_is_a_training_example():
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.knowledge.base import KnowledgeBase
    from bot.settings import PROJECT_ROOT

    def normalise(text):
        return "".join(ch for ch in text.lower() if ch.isalnum())

    trained = {normalise(m.get("text")) for m in load_data(str(PROJECT_ROOT / "data" / "nlu")).training_examples}
    for faq in KnowledgeBase.load(PROJECT_ROOT / "data" / "faq"):
        trained |= {normalise(q) for questions in faq.questions.values() for q in questions}
    # First messages are the held-out part; conversations may share a "hello" or an order number.
    copies = [c.turns[0] for c in load_cases() if not c.is_conversation and normalise(c.turns[0]) in trained]
    assert copies == []
