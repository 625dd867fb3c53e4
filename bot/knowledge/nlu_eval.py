"""Score the trained model on the held-out test set, per language: ``python -m bot.knowledge.nlu_eval``.

Prints intent accuracy for zh and en, complaint precision and recall, how often the FAQ
answer picked is the right entry, F1 per intent and the worst confusions, then the triage
figures of tests/nlu/triage.yml (bot/knowledge/triage_eval.py) and the emotion figures of
tests/nlu/emotion_*.yml (bot/knowledge/emotion_eval.py), then out-of-scope recall and in-scope
loss on tests/nlu/out_of_scope_*.yml (bot/knowledge/oos_eval.py); writes a
confusion-matrix image per language (``--plots``, default var/nlu_eval/). ``--json`` writes the
figures to a file.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT, Settings

TEST_FILES = {"zh": PROJECT_ROOT / "tests" / "nlu" / "test_zh.yml", "en": PROJECT_ROOT / "tests" / "nlu" / "test_en.yml"}


@dataclass
class LanguageScore:
    """The figures for one language's test file."""

    examples: int = 0
    intent_accuracy: float = 0.0
    complaint_precision: float = 0.0
    complaint_recall: float = 0.0
    faq_selection_accuracy: float = 0.0
    fallback_rate: float = 0.0
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    matrix_labels: list[str] = field(default_factory=list)
    matrix: list[list[int]] = field(default_factory=list)


def precision_recall(pairs: Sequence[tuple[str, str]], label: str) -> tuple[float, float, int]:
    """Unrounded precision and recall of ``label`` among (true, predicted) pairs, and its support."""
    true_positive = sum(1 for t, p in pairs if t == label and p == label)
    predicted = sum(1 for _, p in pairs if p == label)
    actual = sum(1 for t, _ in pairs if t == label)
    precision = true_positive / predicted if predicted else 0.0
    recall = true_positive / actual if actual else 0.0
    return precision, recall, actual


def per_intent_scores(pairs: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support for every intent among (true, predicted) pairs."""
    labels = sorted({t for t, _ in pairs} | {p for _, p in pairs})
    scores = {}
    for label in labels:
        precision, recall, actual = precision_recall(pairs, label)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "support": actual}
    return scores


def confusion_matrix(pairs: list[tuple[str, str]]) -> tuple[list[str], list[list[int]]]:
    """Labels and counts[true][predicted] over the labels that occur."""
    labels = sorted({t for t, _ in pairs} | {p for _, p in pairs})
    index = {label: n for n, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for true, predicted in pairs:
        counts[index[true]][index[predicted]] += 1
    return labels, counts


def plot_confusion_matrix(labels: list[str], counts: list[list[int]], title: str, path: Path) -> Path:
    """Write the matrix as a PNG heat map (rows: true intent, columns: predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    size = max(6, 0.45 * len(labels))
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(counts, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels=labels, rotation=90)
    axes.set_yticks(range(len(labels)), labels=labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    for row, values in enumerate(counts):
        for column, value in enumerate(values):
            if value:
                axes.text(column, row, str(value), ha="center", va="center", fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def load_examples(path: Path) -> list[tuple[str, str, str | None]]:
    """(text, intent, faq label or None) for every example of a Rasa NLU test file."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent"), m.get("intent_response_key")) for m in data.training_examples]


def score(predictions: list[tuple[str, str, str | None, str, str | None]]) -> LanguageScore:
    """Figures from (text, true intent, true faq label, predicted intent, predicted faq label) rows."""
    total = len(predictions)
    correct = sum(1 for _, true, _, predicted, _ in predictions if true == predicted)
    said_complaint = [row for row in predictions if row[3] == "complaint"]
    were_complaint = [row for row in predictions if row[1] == "complaint"]
    faq_rows = [row for row in predictions if row[1] == "faq"]
    faq_right = sum(1 for row in faq_rows if row[3] == "faq" and row[4] == row[2])
    confusions = Counter((row[1], row[3]) for row in predictions if row[1] != row[3])
    pairs = [(row[1], row[3]) for row in predictions]
    labels, matrix = confusion_matrix(pairs)
    return LanguageScore(
        per_intent=per_intent_scores(pairs),
        matrix_labels=labels,
        matrix=matrix,
        examples=total,
        intent_accuracy=correct / total if total else 0.0,
        complaint_precision=sum(1 for r in said_complaint if r[1] == "complaint") / len(said_complaint) if said_complaint else 0.0,
        complaint_recall=sum(1 for r in were_complaint if r[3] == "complaint") / len(were_complaint) if were_complaint else 0.0,
        faq_selection_accuracy=faq_right / len(faq_rows) if faq_rows else 0.0,
        fallback_rate=sum(1 for r in predictions if r[3] == "nlu_fallback") / total if total else 0.0,
        confusions=[(t, p, n) for (t, p), n in confusions.most_common(10)],
        errors=[(row[0], row[2] or row[1], (row[4] or "") if row[3] == "faq" else row[3])
                for row in predictions if row[1] != row[3] or (row[1] == "faq" and row[4] != row[2])],
    )


def _quiet_rasa() -> None:
    import logging

    import structlog

    logging.getLogger("rasa").setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def load_agent(model: Path) -> Any:
    """A Rasa agent of ``model``, loaded quietly once for every set ``make test-nlu`` scores."""
    from rasa.core.agent import Agent

    _quiet_rasa()
    return Agent.load(str(model))


async def predict(agent: Any, examples: list[tuple[str, str, str | None]]) -> list[tuple]:
    """(text, true intent, true FAQ label, predicted intent, predicted FAQ label) per example, parsed by a loaded ``agent``."""
    from bot.knowledge.base import selected_entry
    from bot.knowledge.batch_parse import parse_all

    rows = []
    for (text, intent, label), parsed in zip(examples, parse_all(agent, [e[0] for e in examples]), strict=True):
        predicted = (parsed.get("intent") or {}).get("name")
        rows.append((text, intent, label, predicted, selected_entry(parsed)))
    return rows


def evaluate(model: Path, test_files: dict[str, Path] = TEST_FILES, agent: Any = None) -> dict[str, LanguageScore]:
    """Score ``model`` (or an already loaded ``agent`` of it) on each language's test file."""
    agent = agent if agent is not None else load_agent(model)
    results = {}
    for language, path in test_files.items():
        rows = asyncio.run(predict(agent, load_examples(path)))
        results[language] = score(rows)
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--errors", action="store_true", help="list every misclassified example")
    parser.add_argument("--plots", type=Path, default=PROJECT_ROOT / "var" / "nlu_eval", help="where the confusion matrices go")
    args = parser.parse_args(argv)
    from bot.knowledge.training import ensure_model

    model = ensure_model(Settings.from_env())
    started = time.monotonic()
    agent = load_agent(model)
    results = evaluate(model, agent=agent)
    for language, result in results.items():
        print(
            f"{language}: {result.examples} examples  intent accuracy {result.intent_accuracy:.3f}  "
            f"complaint P {result.complaint_precision:.3f} R {result.complaint_recall:.3f}  "
            f"FAQ entry {result.faq_selection_accuracy:.3f}  fallback {result.fallback_rate:.3f}"
        )
        print("    F1 per intent (support):")
        for intent, figures in sorted(result.per_intent.items(), key=lambda item: item[1]["f1"]):
            print(f"      {figures['f1']:.3f}  {intent} ({figures['support']})")
        print("    worst confusions (true → predicted):")
        for true, predicted, count in result.confusions:
            print(f"      {true} → {predicted}: {count}")
        image = plot_confusion_matrix(result.matrix_labels, result.matrix, f"intents, {language}", args.plots / f"confusion_{language}.png")
        print(f"    confusion matrix: {image}")
        if args.errors:
            for text, expected, got in result.errors:
                print(f"      {text!r}: expected {expected}, got {got}")
    from bot.knowledge import triage_eval

    triaged = triage_eval.evaluate(model, agent=agent)
    print("\n".join(triage_eval.report(triaged, errors=args.errors)))
    from bot.knowledge import emotion_eval

    emotions = emotion_eval.evaluate(model, agent=agent)
    print("\n".join(emotion_eval.report(emotions, errors=args.errors)))
    from bot.knowledge import oos_eval

    out_of_scope = oos_eval.evaluate(model, results, agent=agent)
    print("\n".join(oos_eval.report(out_of_scope, errors=args.errors)))
    blind = oos_eval.evaluate(model, results, files={"blind": oos_eval.BLIND}, agent=agent)
    print("\n".join(oos_eval.report(blind, errors=args.errors, source=oos_eval.BLIND.name)))
    print(f"({time.monotonic() - started:.0f}s)")
    if args.json:
        measured: dict[str, object] = {k: asdict(v) for k, v in results.items()}
        measured["triage"] = asdict(triaged)
        measured["emotion"] = {k: asdict(v) for k, v in emotions.items()}
        measured["out_of_scope"] = {k: asdict(v) for k, v in out_of_scope.items()}
        measured["out_of_scope_blind"] = {k: asdict(v) for k, v in blind.items()}
        args.json.write_text(json.dumps(measured, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
