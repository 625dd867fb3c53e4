"""The emotion scoring, by hand and on the trained model with the held-out set."""
import pytest

from bot.knowledge import emotion_eval
from bot.knowledge.emotion_eval import NO_READING, score
from bot.knowledge.training import ensure_model
from bot.settings import Settings


def test_angry_precision_recall_per_label_and_the_escalation_cut():
    rows = [("a", "angry", "angry", 0.9), ("b", "angry", "angry", 0.45), ("c", "angry", "neutral", 0.6),
            ("d", "neutral", "angry", 0.7), ("e", "satisfied", "satisfied", 0.8), ("f", "anxious", NO_READING, 0.0)]
    result = score(rows, min_score=0.5)
    assert result.examples == 6 and result.accuracy == pytest.approx(3 / 6)
    assert (result.angry_precision, result.angry_recall) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    # Escalation counts "angry" only from 0.5: b drops out.
    assert (result.escalation_angry_precision, result.escalation_angry_recall) == (0.5, pytest.approx(1 / 3))
    assert result.per_label["satisfied"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert result.per_label["anxious"]["recall"] == 0.0
    assert [e[0] for e in result.errors] == ["c", "d", "f"]
    lines = emotion_eval.report({"zh": result}, errors=True)
    assert any("angry P 0.667 R 0.667" in line for line in lines) and any("'c'" in line for line in lines)


@pytest.mark.slow
def test_the_trained_model_reads_emotions_on_the_held_out_set():
    """What `make test-nlu` reports; the floors are the figures measured (docs/nlu.md), never loosened."""
    results = emotion_eval.evaluate(ensure_model(Settings.from_env({})))
    assert results["zh"].examples >= 200 and results["en"].examples >= 100
    assert results["all"].examples == results["zh"].examples + results["en"].examples
    everything = results["all"]
    assert all(label in everything.per_label for label in ("angry", "anxious", "neutral", "satisfied"))
    assert not [e for e in everything.errors if e[2] == NO_READING]  # every message got a reading
    assert everything.angry_precision >= 0.90 and everything.angry_recall >= 0.90
    assert results["en"].angry_precision >= 0.90 and results["en"].angry_recall >= 0.90
