"""Score the trained model's emotion classifier on the held-out set, tests/nlu/emotion_{zh,en}.yml.

Run by ``make test-nlu`` (bot.knowledge.nlu_eval) after the intent figures: per language and
both pooled, precision and recall of "angry" — as the classifier labels it, and as escalation
counts it (angry with at least ``emotion_min_score`` of data/service/escalation.yml) — plus
precision, recall and F1 of every label, and the mistakes with ``errors``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.knowledge.nlu_eval import precision_recall
from bot.nlu.emotion_data import EmotionExample, load_file
from bot.service.emotion import EMOTIONS, emotion_of
from bot.service.escalation import EscalationRules
from bot.settings import PROJECT_ROOT

HELD_OUT = {
    "zh": PROJECT_ROOT / "tests" / "nlu" / "emotion_zh.yml",
    "en": PROJECT_ROOT / "tests" / "nlu" / "emotion_en.yml",
}
NO_READING = "none"


@dataclass
class EmotionScore:
    """The figures of one test file (or of all pooled)."""

    examples: int = 0
    accuracy: float = 0.0
    angry_precision: float = 0.0
    angry_recall: float = 0.0
    # "angry" only at or above escalation's minimum score: what hands a conversation over.
    min_score: float = 0.0
    escalation_angry_precision: float = 0.0
    escalation_angry_recall: float = 0.0
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: list[tuple[str, str, str, float]] = field(default_factory=list)  # text, true, predicted, score


def score(rows: Sequence[tuple[str, str, str, float]], min_score: float) -> EmotionScore:
    """Figures from (text, true label, predicted label, score) rows; ``NO_READING`` when the parse had none."""
    pairs = [(true, predicted) for _, true, predicted, _ in rows]
    per_label = {}
    for label in EMOTIONS:
        precision, recall, support = precision_recall(pairs, label)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "support": support}
    precision, recall, _ = precision_recall(pairs, "angry")
    escalated = [(true, predicted if predicted != "angry" or value >= min_score else "below_min_score")
                 for _, true, predicted, value in rows]
    escalation_precision, escalation_recall, _ = precision_recall(escalated, "angry")
    return EmotionScore(
        examples=len(rows),
        accuracy=sum(1 for t, p in pairs if t == p) / len(rows) if rows else 0.0,
        angry_precision=precision,
        angry_recall=recall,
        min_score=min_score,
        escalation_angry_precision=escalation_precision,
        escalation_angry_recall=escalation_recall,
        per_label=per_label,
        errors=[row for row in rows if row[1] != row[2]],
    )


def _predict(agent: Any, examples: Sequence[EmotionExample]) -> list[tuple[str, str, str, float]]:
    from bot.knowledge.batch_parse import parse_all

    rows = []
    for example, parsed in zip(examples, parse_all(agent, [e.text for e in examples]), strict=True):
        reading = emotion_of(parsed)
        rows.append((example.text, example.label, reading.label if reading else NO_READING, reading.score if reading else 0.0))
    return rows


def evaluate(model: Path, files: dict[str, Path] = HELD_OUT, agent: Any = None) -> dict[str, EmotionScore]:
    """Score ``model`` (or an already loaded ``agent`` of it) on each language's file, and on all of them pooled (``all``)."""
    from bot.knowledge.nlu_eval import load_agent

    min_score = EscalationRules.load().anger_min_score
    by_language = {language: load_file(path) for language, path in files.items()}
    rows = _predict(agent if agent is not None else load_agent(model), [e for examples in by_language.values() for e in examples])
    results, start = {}, 0
    for language, examples in by_language.items():
        results[language] = score(rows[start:start + len(examples)], min_score)
        start += len(examples)
    results["all"] = score(rows, min_score)
    return results


def report(results: dict[str, EmotionScore], errors: bool = False) -> list[str]:
    """Printable lines for ``make test-nlu``."""
    lines = ["emotion (tests/nlu/emotion_*.yml):"]
    for language, result in results.items():
        lines.append(
            f"  {language}: {result.examples} examples  accuracy {result.accuracy:.3f}  "
            f"angry P {result.angry_precision:.3f} R {result.angry_recall:.3f}  "
            f"(escalation, score >= {result.min_score:g}: P {result.escalation_angry_precision:.3f} "
            f"R {result.escalation_angry_recall:.3f})"
        )
        lines.append("    " + "  ".join(f"{label} P {f['precision']:.3f} R {f['recall']:.3f}"
                                         for label, f in result.per_label.items()))
        if errors and language != "all":
            lines += [f"      {text!r}: expected {true}, got {predicted} ({value:.2f})"
                      for text, true, predicted, value in result.errors]
    return lines
