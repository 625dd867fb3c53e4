"""Score triage on tests/nlu/triage.yml: the trained model's parse plus the triage decision.

First messages and short conversations labelled with category, priority, priority reasons and
emotion (the file's header tells the format). A conversation is scored by running the triage
decision over its parsed turns as the bot does (a turn that is not a request keeps the
conversation's category and priority; reasons hold for the session), without the dialogue
model. Run by ``make test-nlu`` (bot.knowledge.nlu_eval) after the intent figures.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.service.emotion import emotion_of
from bot.service.escalation import EscalationRules, sentiment_signals
from bot.service.priority import REASONS
from bot.service.signals import refund_amount, same_problem_count
from bot.service.triage import TriageRules, triage
from bot.settings import PROJECT_ROOT

TRIAGE_SET = PROJECT_ROOT / "tests" / "nlu" / "triage.yml"
_FACTS = ("vip", "order_overdue", "complaints_in_window", "past_handoffs")


@dataclass(frozen=True)
class Case:
    """One labelled item: a first message is a conversation of one turn."""

    language: str
    turns: tuple[str, ...]
    category: str | None
    priority: str
    reasons: tuple[str, ...]
    emotion: str | None
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_conversation(self) -> bool:
        """More than one turn."""
        return len(self.turns) > 1


@dataclass(frozen=True)
class Outcome:
    """What triage made of a case after its last turn."""

    category: str | None
    priority: str
    reasons: tuple[str, ...]
    emotion: str | None


@dataclass
class TriageScore:
    """The figures of ``make test-nlu`` for triage."""

    messages: int = 0
    conversations: int = 0
    category_accuracy: float = 0.0
    category_accuracy_by_language: dict[str, float] = field(default_factory=dict)
    high_precision: float = 0.0
    high_recall: float = 0.0
    high_support: int = 0
    reason_recall: dict[str, tuple[float, int]] = field(default_factory=dict)
    emotion_accuracy: float | None = None  # where the model gave a reading
    emotion_readings: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)


def _case(item: Mapping[str, Any], language: str, turns: Sequence[str], expect: Mapping[str, Any],
          facts: Mapping[str, Any]) -> Case:
    unknown = [r for r in expect.get("reasons") or () if r not in REASONS]
    if unknown:
        raise ValueError(f"unknown reason(s) {unknown} in {item}")
    return Case(
        language=language,
        turns=tuple(str(t) for t in turns),
        category=expect.get("category"),
        priority=str(expect["priority"]),
        reasons=tuple(expect.get("reasons") or ()),
        emotion=expect.get("emotion"),
        facts={k: v for k, v in (facts or {}).items() if k in _FACTS},
    )


def load_cases(path: Path = TRIAGE_SET) -> list[Case]:
    """Every first message and conversation of the triage set."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases = [
        _case(item, language, [item["text"]], item, item.get("facts") or {})
        for language, items in (raw.get("messages") or {}).items()
        for item in items
    ]
    cases += [
        _case(item, str(item["language"]), item["turns"], item["expect"], item.get("facts") or {})
        for item in raw.get("conversations") or []
    ]
    return cases


def outcome(rules: TriageRules, anger: EscalationRules, case: Case, parses: Sequence[Mapping[str, Any]]) -> Outcome:
    """Triage over the parsed turns of ``case``, as the bot does it message by message."""
    facts = case.facts
    category: str | None = None
    priority = rules.default_priority
    reasons: tuple[str, ...] = ()
    events: list[dict[str, Any]] = []
    for parse in parses:
        events.append({"event": "user", "text": parse.get("text"), "parse_data": parse})
        intent = (parse.get("intent") or {}).get("name")
        text = parse.get("text") or ""
        is_request = intent in rules.categories
        result = triage(
            rules, intent, text,
            vip=bool(facts.get("vip")),
            order_overdue=bool(facts.get("order_overdue")),
            emotion=emotion_of(parse),
            anger_signals=sentiment_signals(anger, text),
            refund_amount=refund_amount(parse),
            same_problem_count=same_problem_count(events, parse, rules.categories),
            past_handoffs=int(facts.get("past_handoffs", 0)) if is_request else 0,
            complaints_in_window=int(facts.get("complaints_in_window", 0)) if is_request else 0,
            earlier_reasons=reasons,
            conversation_category=category,
        )
        if result.category:
            category, priority, reasons = result.category, result.priority, result.reasons
        elif result.priority == "high":
            priority, reasons = "high", result.reasons
    reading = emotion_of(parses[-1]) if parses else None
    return Outcome(category, priority, reasons, reading.label if reading else None)


def score(pairs: Sequence[tuple[Case, Outcome]]) -> TriageScore:
    """The figures over (case, outcome) pairs."""
    total = len(pairs)
    right = [case.category == got.category for case, got in pairs]
    by_language: dict[str, list[bool]] = {}
    for (case, _), ok in zip(pairs, right, strict=True):
        by_language.setdefault(case.language, []).append(ok)
    said_high = [case.priority == "high" for case, got in pairs if got.priority == "high"]
    were_high = [got.priority == "high" for case, got in pairs if case.priority == "high"]
    reason_recall = {}
    for reason in REASONS:
        wanted = [reason in got.reasons for case, got in pairs if reason in case.reasons]
        if wanted:
            reason_recall[reason] = (sum(wanted) / len(wanted), len(wanted))
    read = [(case.emotion, got.emotion) for case, got in pairs if got.emotion is not None and case.emotion]
    errors = [
        (" / ".join(case.turns), f"{case.category} {case.priority} {list(case.reasons)}",
         f"{got.category} {got.priority} {list(got.reasons)}")
        for case, got in pairs
        if case.category != got.category or case.priority != got.priority or not set(case.reasons) <= set(got.reasons)
    ]
    return TriageScore(
        messages=sum(1 for case, _ in pairs if not case.is_conversation),
        conversations=sum(1 for case, _ in pairs if case.is_conversation),
        category_accuracy=sum(right) / total if total else 0.0,
        category_accuracy_by_language={k: sum(v) / len(v) for k, v in sorted(by_language.items())},
        high_precision=sum(said_high) / len(said_high) if said_high else 0.0,
        high_recall=sum(were_high) / len(were_high) if were_high else 0.0,
        high_support=len(were_high),
        reason_recall=reason_recall,
        emotion_accuracy=sum(1 for want, got in read if want == got) / len(read) if read else None,
        emotion_readings=len(read),
        errors=errors,
    )


async def predict(agent: Any, cases: Sequence[Case]) -> list[tuple[Case, Outcome]]:
    """Parse every turn with a loaded Rasa ``agent`` (all at once: bot/knowledge/batch_parse.py) and triage each case."""
    from bot.knowledge.batch_parse import parse_all

    return outcomes(cases, parse_all(agent, [turn for case in cases for turn in case.turns]))


def outcomes(cases: Sequence[Case], parses: Sequence[Mapping[str, Any]]) -> list[tuple[Case, Outcome]]:
    """Each case with its triage, from the parses of all their turns in order."""
    rules, anger = TriageRules.load(), EscalationRules.load()
    parsed = iter(parses)
    return [(case, outcome(rules, anger, case, [next(parsed) for _ in case.turns])) for case in cases]


def evaluate(model: Path, path: Path = TRIAGE_SET, agent: Any = None) -> TriageScore:
    """Score triage on the set at ``path`` with ``model`` (or an already loaded ``agent`` of it)."""
    import asyncio

    from bot.knowledge.nlu_eval import load_agent

    agent = agent if agent is not None else load_agent(model)
    return score(asyncio.run(predict(agent, load_cases(path))))


def report(result: TriageScore, errors: bool = False) -> list[str]:
    """The lines ``make test-nlu`` prints for triage."""
    languages = "  ".join(f"{k} {v:.3f}" for k, v in result.category_accuracy_by_language.items())
    lines = [
        f"triage: {result.messages} first messages + {result.conversations} conversations (tests/nlu/triage.yml)",
        f"    category accuracy {result.category_accuracy:.3f}  ({languages})",
        f"    high priority  precision {result.high_precision:.3f}  recall {result.high_recall:.3f}  ({result.high_support} high)",
        "    recall per priority reason (support):",
        *[f"      {recall:.3f}  {reason} ({support})" for reason, (recall, support) in result.reason_recall.items()],
    ]
    if result.emotion_accuracy is not None:
        lines.append(f"    emotion label agreement {result.emotion_accuracy:.3f} over {result.emotion_readings} readings")
    else:
        lines.append("    emotion: the model gives no reading")
    if errors:
        lines += [f"      {text!r}: expected {want}, got {got}" for text, want, got in result.errors]
    return lines
