"""Choose triage's ``strong_emotion.min_score`` on a development set: ``python -m bench.triage_threshold``.

The threshold says from which score an "angry" reading of the emotion classifier makes a request
high priority (data/service/triage.yml). It is chosen on ``tests/nlu/triage_dev.yml``, a set
apart from the test set ``tests/nlu/triage.yml``, so that the test figures stay honest: every
turn is parsed once with the trained model, then the triage decision runs again for each
threshold, and the sweep prints category accuracy, high-priority precision and recall and the
recall of ``strong_emotion``. ``choose`` picks the threshold (docs/nlu.md, part 4).
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.knowledge.triage_eval import Case, load_cases, outcome, score
from bot.service.escalation import EscalationRules
from bot.service.triage import TriageRules
from bot.settings import PROJECT_ROOT

DEV_SET = PROJECT_ROOT / "tests" / "nlu" / "triage_dev.yml"
NEVER = 1.01  # above any score: strong emotion from the word lists only
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, NEVER)
TARGET_RECALL = 0.95  # issue #13: high-priority recall >= 0.95 at precision >= 0.90


def with_min_score(rules: TriageRules, min_score: float) -> TriageRules:
    """The same rules with another strong_emotion threshold."""
    return replace(rules, priority=replace(rules.priority, emotion_min_score=min_score))


def sweep(cases: Sequence[Case], parses: Sequence[Sequence[Mapping[str, Any]]], rules: TriageRules,
          anger: EscalationRules, thresholds: Sequence[float] = THRESHOLDS) -> list[dict[str, float]]:
    """The figures at each threshold, from each case's parsed turns (``parses[i]`` for ``cases[i]``)."""
    rows = []
    for threshold in thresholds:
        moved = with_min_score(rules, threshold)
        result = score([(case, outcome(moved, anger, case, turns)) for case, turns in zip(cases, parses, strict=True)])
        rows.append({
            "min_score": threshold,
            "category_accuracy": round(result.category_accuracy, 3),
            "high_precision": round(result.high_precision, 3),
            "high_recall": round(result.high_recall, 3),
            "high_support": result.high_support,
            "strong_emotion_recall": round(result.reason_recall.get("strong_emotion", (0.0, 0))[0], 3),
        })
    return rows


def choose(rows: Sequence[Mapping[str, float]], min_recall: float = TARGET_RECALL) -> float:
    """The threshold of highest high-priority precision among those with recall >= ``min_recall``.

    Ties go to the lower threshold (more strong emotion found); with none reaching the recall, the
    one of highest recall.
    """
    if not rows:
        raise ValueError("no thresholds were tried")
    meeting = [row for row in rows if row["high_recall"] >= min_recall]
    if meeting:
        best = max(meeting, key=lambda row: (row["high_precision"], row["strong_emotion_recall"], -row["min_score"]))
    else:
        best = max(rows, key=lambda row: (row["high_recall"], row["high_precision"], -row["min_score"]))
    return float(best["min_score"])


def format_rows(rows: Sequence[Mapping[str, float]]) -> list[str]:
    """One printable line per threshold."""
    lines = ["min_score  category  high P  high R  (high)  strong_emotion R"]
    for row in rows:
        shown = "never" if row["min_score"] >= NEVER else f"{row['min_score']:.2f}"
        lines.append(f"{shown:>9}  {row['category_accuracy']:.3f}     {row['high_precision']:.3f}   "
                     f"{row['high_recall']:.3f}   ({row['high_support']})    {row['strong_emotion_recall']:.3f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", type=Path, default=DEV_SET, help="a triage set (tests/nlu/triage.yml's format)")
    parser.add_argument("--thresholds", type=float, nargs="+", default=list(THRESHOLDS))
    parser.add_argument("--json", type=Path, help="also write the rows and the choice to this file")
    args = parser.parse_args(argv)
    from rasa.core.agent import Agent

    from bot.knowledge.batch_parse import parse_all
    from bot.knowledge.training import ensure_model
    from bot.settings import Settings

    cases = load_cases(args.set)
    agent = Agent.load(str(ensure_model(Settings.from_env())))
    parsed = iter(parse_all(agent, [turn for case in cases for turn in case.turns]))
    parses = [[next(parsed) for _ in case.turns] for case in cases]
    rows = sweep(cases, parses, TriageRules.load(), EscalationRules.load(), args.thresholds)
    chosen = choose(rows)
    print(f"{args.set.name}: {len(cases)} cases")
    print("\n".join(format_rows(rows)))
    print(f"chosen: {chosen:g} (highest high-priority precision at recall >= {TARGET_RECALL})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"set": str(args.set.name), "rows": rows, "chosen": chosen}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
