"""Score out-of-scope detection: tests/nlu/out_of_scope_{zh,en}.yml against the in-scope test set.

An out-of-scope message (nothing in the knowledge base or the intents answers it) should get the
fallback or ``out_of_scope`` — both offer a person — and never an FAQ answer. Per language:
out-of-scope recall (predicted ``nlu_fallback`` or ``out_of_scope``), how many of those messages
got an FAQ answer, and the in-scope loss: the share of tests/nlu/test_{zh,en}.yml messages not
labelled ``out_of_scope`` that were predicted one of the two. Run by ``make test-nlu``
(bot.knowledge.nlu_eval) after the intent figures, from the same parses of the in-scope set, on
the held-out sets and then on the blind set (tests/nlu/out_of_scope_blind.yml).
``python -m bot.knowledge.oos_eval --dev`` scores the development set instead (the one the
detector's threshold was chosen on, docs/nlu.md section 5).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.knowledge.base import FAQ_INTENT, selected_entry
from bot.settings import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    from bot.knowledge.nlu_eval import LanguageScore

_TESTS = PROJECT_ROOT / "tests" / "nlu"
HELD_OUT = {"zh": _TESTS / "out_of_scope_zh.yml", "en": _TESTS / "out_of_scope_en.yml"}
DEVELOPMENT = _TESTS / "out_of_scope_dev.yml"
# Written later by someone who had seen neither the out-of-scope training examples of
# data/nlu/out_of_scope.yml nor the sets above or their misses: the figure to trust most.
BLIND = _TESTS / "out_of_scope_blind.yml"
# What the bot answers with the fallback reply or utter_out_of_scope, both offering a person.
OUT_OF_SCOPE_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})


@dataclass
class OutOfScopeScore:
    """The figures of one language."""

    messages: int = 0
    recall: float = 0.0  # share of out-of-scope messages given the fallback or out_of_scope
    faq_answers: int = 0  # out-of-scope messages answered with an FAQ entry: the harm
    predicted: dict[str, int] = field(default_factory=dict)  # intent predicted → count
    in_scope_messages: int = 0
    in_scope_lost: int = 0
    in_scope_loss: float = 0.0  # share of in-scope test messages sent to the fallback or out_of_scope
    misses: list[tuple[str, str]] = field(default_factory=list)  # text, predicted (FAQ entry if faq)
    lost: list[tuple[str, str, str]] = field(default_factory=list)  # text, true, predicted


def load_messages(path: Path) -> dict[str, list[str]]:
    """Language → messages of an out-of-scope set (a YAML mapping of language to a list)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(language): [str(text) for text in texts] for language, texts in raw.items()}


def in_scope_loss(labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> tuple[int, int]:
    """(lost, in-scope total) from a confusion matrix (rows true, columns predicted) over ``labels``."""
    rows = [(label, counts) for label, counts in zip(labels, matrix, strict=True) if label != "out_of_scope"]
    columns = [n for n, label in enumerate(labels) if label in OUT_OF_SCOPE_INTENTS]
    lost = sum(counts[n] for _, counts in rows for n in columns)
    return lost, sum(sum(counts) for _, counts in rows)


def score(rows: Sequence[tuple[str, str, str | None]], in_scope: LanguageScore | None = None) -> OutOfScopeScore:
    """Figures from (text, predicted intent, predicted FAQ entry) rows and the in-scope set's score."""
    caught = [intent in OUT_OF_SCOPE_INTENTS for _, intent, _ in rows]
    result = OutOfScopeScore(
        messages=len(rows),
        recall=sum(caught) / len(rows) if rows else 0.0,
        faq_answers=sum(1 for _, intent, _ in rows if intent == FAQ_INTENT),
        predicted=dict(Counter(intent for _, intent, _ in rows).most_common()),
        misses=[(text, (entry or intent) if intent == FAQ_INTENT else intent)
                for (text, intent, entry), ok in zip(rows, caught, strict=True) if not ok],
    )
    if in_scope is not None:
        result.in_scope_lost, result.in_scope_messages = in_scope_loss(in_scope.matrix_labels, in_scope.matrix)
        result.in_scope_loss = result.in_scope_lost / result.in_scope_messages if result.in_scope_messages else 0.0
        result.lost = [(text, true, got) for text, true, got in in_scope.errors
                       if got in OUT_OF_SCOPE_INTENTS and true != "out_of_scope"]
    return result


def predict(agent: Any, messages: Sequence[str]) -> list[tuple[str, str, str | None]]:
    """(text, predicted intent, predicted FAQ entry) per message, parsed by a loaded Rasa ``agent``."""
    from bot.knowledge.batch_parse import parse_all

    rows = []
    for text, parsed in zip(messages, parse_all(agent, list(messages)), strict=True):
        rows.append((text, (parsed.get("intent") or {}).get("name") or "", selected_entry(parsed)))
    return rows


def evaluate(model: Path, in_scope: dict[str, LanguageScore] | None = None,
             files: dict[str, Path] | None = None, agent: Any = None) -> dict[str, OutOfScopeScore]:
    """Score ``model`` (or an already loaded ``agent`` of it) on each language's out-of-scope messages,
    with that language's in-scope score."""
    by_language: dict[str, list[str]] = {}
    for path in (files or HELD_OUT).values():
        for language, texts in load_messages(path).items():
            by_language.setdefault(language, []).extend(texts)
    if agent is None:
        from bot.knowledge.nlu_eval import load_agent

        agent = load_agent(model)
    rows = predict(agent, [text for texts in by_language.values() for text in texts])
    results, start = {}, 0
    for language, texts in by_language.items():
        results[language] = score(rows[start:start + len(texts)], (in_scope or {}).get(language))
        start += len(texts)
    return results


def report(results: dict[str, OutOfScopeScore], errors: bool = False, source: str = "tests/nlu/out_of_scope_*.yml") -> list[str]:
    """Printable lines for ``make test-nlu``."""
    lines = [f"out of scope ({source}):"]
    for language, result in results.items():
        loss = (f"  in-scope loss {result.in_scope_loss:.3f} ({result.in_scope_lost}/{result.in_scope_messages})"
                if result.in_scope_messages else "")
        lines.append(f"  {language}: {result.messages} messages  recall {result.recall:.3f}  "
                     f"FAQ answers {result.faq_answers}{loss}")
        lines.append("    predicted: " + "  ".join(f"{intent} {count}" for intent, count in result.predicted.items()))
        if errors:
            lines += [f"      {text!r}: got {got}" for text, got in result.misses]
            lines += [f"      in scope {text!r}: expected {true}, got {got}" for text, true, got in result.lost]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command line: the development set (``--dev``) or the held-out sets, without the in-scope loss."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dev", action="store_true", help="score the development set, not the held-out sets")
    parser.add_argument("--blind", action="store_true", help="score the blind set, not the held-out sets")
    parser.add_argument("--errors", action="store_true", help="list every message not caught")
    args = parser.parse_args(argv)
    from bot.knowledge.training import ensure_model

    model = ensure_model(Settings.from_env())
    files = {"dev": DEVELOPMENT} if args.dev else {"blind": BLIND} if args.blind else HELD_OUT
    results = evaluate(model, files=files)
    print("\n".join(report(results, errors=args.errors, source=", ".join(str(p.name) for p in files.values()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
