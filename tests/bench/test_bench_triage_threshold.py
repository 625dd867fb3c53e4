"""The strong_emotion threshold sweep (bench/triage_threshold.py) and its development set."""
import pytest

from bench.triage_threshold import DEV_SET, NEVER, choose, format_rows, sweep, with_min_score
from bot.knowledge.triage_eval import TRIAGE_SET, Case, load_cases
from bot.nlu.emotion_data import load_examples
from bot.service.escalation import EscalationRules
from bot.service.triage import TriageRules
from bot.settings import PROJECT_ROOT


def parse(text, intent, emotion):
    return {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
            "emotion": {"label": emotion[0], "score": emotion[1]}}


def normalise(text):
    return "".join(ch for ch in text.lower() if ch.isalnum())


def bigrams(text):
    text = normalise(text)
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


@pytest.fixture(scope="module")
def rules():
    return TriageRules.load(), EscalationRules.load()


def test_the_sweep_moves_only_the_emotion_threshold(rules):
    cases = [
        Case("zh", ("东西有点问题",), "complaint", "normal", (), "neutral"),
        Case("zh", ("真行啊你们",), "complaint", "high", ("strong_emotion",), "angry"),
        Case("zh", ("钱被扣了两次",), "fault", "high", ("money_lost",), "anxious"),
    ]
    parses = [[parse("东西有点问题", "complaint", ("angry", 0.7))],
              [parse("真行啊你们", "complaint", ("angry", 0.85))],
              [parse("钱被扣了两次", "payment_problem", ("anxious", 0.9))]]
    rows = sweep(cases, parses, *rules, thresholds=(0.6, 0.8, 0.9))
    got = [(r["min_score"], r["high_precision"], r["high_recall"], r["strong_emotion_recall"]) for r in rows]
    assert got == [(0.6, 0.667, 1.0, 1.0), (0.8, 1.0, 1.0, 1.0), (0.9, 1.0, 0.5, 0.0)]
    assert all(r["category_accuracy"] == 1.0 and r["high_support"] == 2 for r in rows)
    assert choose(rows) == 0.8
    lines = format_rows([*rows, {**rows[-1], "min_score": NEVER}])
    assert len(lines) == 5 and lines[-1].strip().startswith("never")


def test_with_min_score_leaves_the_loaded_rules_alone(rules):
    triage_rules, _ = rules
    before = triage_rules.priority.emotion_min_score
    moved = with_min_score(triage_rules, 0.75)
    assert moved.priority.emotion_min_score == 0.75 and triage_rules.priority.emotion_min_score == before
    assert moved.categories == triage_rules.categories and moved.priority.reasons == triage_rules.priority.reasons


def test_choose_prefers_precision_at_the_recall_target_then_the_lower_threshold():
    row = {"category_accuracy": 1.0, "high_support": 10}
    rows = [{**row, "min_score": 0.5, "high_precision": 0.8, "high_recall": 1.0, "strong_emotion_recall": 1.0},
            {**row, "min_score": 0.6, "high_precision": 0.9, "high_recall": 0.96, "strong_emotion_recall": 0.9},
            {**row, "min_score": 0.7, "high_precision": 0.9, "high_recall": 0.96, "strong_emotion_recall": 0.9},
            {**row, "min_score": 0.9, "high_precision": 1.0, "high_recall": 0.8, "strong_emotion_recall": 0.5}]
    assert choose(rows) == 0.6
    assert choose(rows, min_recall=0.99) == 0.5
    short = [{**r, "high_recall": r["high_recall"] - 0.5} for r in rows]
    assert choose(short) == 0.5  # none reaches the recall: the highest recall
    with pytest.raises(ValueError):
        choose([])


def test_the_development_set_is_apart_from_the_test_set_and_covers_both_kinds_of_complaint():
    dev = load_cases(DEV_SET)
    assert len(dev) >= 60
    for language in ("zh", "en"):
        mine = [c for c in dev if c.language == language]
        calm = [c for c in mine if c.category == "complaint" and c.priority == "normal"]
        angry = [c for c in mine if "strong_emotion" in c.reasons and c.priority == "high"]
        assert len(calm) >= 8 and len(angry) >= 8, language
    # Nor near the triage test set or the emotion training data (character-bigram Jaccard < 0.8).
    tested = [bigrams(turn) for case in load_cases(TRIAGE_SET) for turn in case.turns]
    tested += [bigrams(e.text) for e in load_examples(PROJECT_ROOT / "data" / "emotion")]
    near = [text for text, grams in ((c.turns[0], bigrams(c.turns[0])) for c in dev)
            if max(len(grams & other) / len(grams | other) for other in tested) >= 0.8]
    assert near == []


def test_no_message_of_the_development_set_is_a_training_example():
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.knowledge.base import KnowledgeBase

    trained = {normalise(m.get("text")) for m in load_data(str(PROJECT_ROOT / "data" / "nlu")).training_examples}
    for faq in KnowledgeBase.load(PROJECT_ROOT / "data" / "faq"):
        trained |= {normalise(q) for questions in faq.questions.values() for q in questions}
    trained |= {normalise(e.text) for e in load_examples(PROJECT_ROOT / "data" / "emotion")}
    assert [c.turns[0] for c in load_cases(DEV_SET) if normalise(c.turns[0]) in trained] == []
