"""The FAQ knowledge base: one YAML entry per question, in Chinese and English.

Editors own ``data/faq/*.yml``. Each entry has an ``id`` and, per language, the training
``questions`` and the answer in three parts: ``conclusion``, ``reasoning`` and ``steps``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

import yaml

from bot.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

FAQ_INTENT = "faq"
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class KnowledgeBaseError(ValueError):
    """A knowledge-base file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Answer:
    """One FAQ answer in one language, in the SOP's three parts."""

    conclusion: str
    reasoning: str
    steps: Tuple[str, ...]

    def numbered_steps(self) -> str:
        """Steps as "1. …" lines, the form every channel shows."""
        return "\n".join(f"{number}. {step}" for number, step in enumerate(self.steps, start=1))


@dataclass(frozen=True)
class Faq:
    """A knowledge-base entry: its id, training questions and answers per language."""

    faq_id: str
    questions: Mapping[str, Tuple[str, ...]]
    answers: Mapping[str, Answer]
    source: str = ""

    @property
    def intent_response_key(self) -> str:
        """The retrieval-intent label Rasa's ResponseSelector predicts for this entry."""
        return f"{FAQ_INTENT}/{self.faq_id}"

    def answer(self, language: Optional[str]) -> Answer:
        """The answer in ``language``, falling back to the default language."""
        return self.answers.get(language or DEFAULT_LANGUAGE) or self.answers[DEFAULT_LANGUAGE]


def _parse_entry(raw: object, source: str) -> Faq:
    if not isinstance(raw, dict) or "id" not in raw:
        raise KnowledgeBaseError(f"{source}: every entry needs an 'id'")
    faq_id = str(raw["id"])
    where = f"{source}: FAQ '{faq_id}'"
    if not _ID_PATTERN.match(faq_id):
        raise KnowledgeBaseError(f"{where}: id must be lower-case letters, digits and _")
    questions: Dict[str, Tuple[str, ...]] = {}
    answers: Dict[str, Answer] = {}
    for language in SUPPORTED_LANGUAGES:
        part = raw.get(language)
        if not isinstance(part, dict):
            raise KnowledgeBaseError(f"{where}: missing the '{language}' section")
        for key in ("questions", "conclusion", "reasoning", "steps"):
            if not part.get(key):
                raise KnowledgeBaseError(f"{where}: '{language}.{key}' is missing or empty")
        if not isinstance(part["questions"], list) or not isinstance(part["steps"], list):
            raise KnowledgeBaseError(f"{where}: '{language}.questions' and '{language}.steps' must be lists")
        questions[language] = tuple(str(q).strip() for q in part["questions"])
        answers[language] = Answer(
            conclusion=str(part["conclusion"]).strip(),
            reasoning=str(part["reasoning"]).strip(),
            steps=tuple(str(step).strip() for step in part["steps"]),
        )
    return Faq(faq_id=faq_id, questions=questions, answers=answers, source=source)


class KnowledgeBase:
    """All FAQ entries, looked up by id or by the ResponseSelector's label."""

    def __init__(self, faqs: Iterable[Faq]) -> None:
        self._by_id: Dict[str, Faq] = {}
        for faq in faqs:
            if faq.faq_id in self._by_id:
                raise KnowledgeBaseError(
                    f"{faq.source}: FAQ id '{faq.faq_id}' is already used in {self._by_id[faq.faq_id].source}"
                )
            self._by_id[faq.faq_id] = faq

    @classmethod
    def load(cls, directory: Path) -> "KnowledgeBase":
        """Read every ``*.yml`` under ``directory``."""
        faqs: List[Faq] = []
        for path in sorted(Path(directory).rglob("*.yml")):
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            entries = content.get("faqs") if isinstance(content, dict) else None
            if not isinstance(entries, list):
                raise KnowledgeBaseError(f"{path}: expected a top-level 'faqs:' list")
            faqs.extend(_parse_entry(entry, str(path)) for entry in entries)
        return cls(faqs)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def get(self, faq_id: str) -> Optional[Faq]:
        """The entry with ``faq_id``, or None."""
        return self._by_id.get(faq_id)

    def by_response_key(self, intent_response_key: str) -> Optional[Faq]:
        """The entry for a label like ``faq/change_password``."""
        prefix = f"{FAQ_INTENT}/"
        if not intent_response_key.startswith(prefix):
            return None
        return self.get(intent_response_key[len(prefix):])


def first_questions(knowledge: KnowledgeBase, language: str = DEFAULT_LANGUAGE) -> Dict[str, str]:
    """``faq/<id>`` → the entry's first question in ``language``: a readable name for reports."""
    return {faq.intent_response_key: faq.questions[language][0] for faq in knowledge if faq.questions.get(language)}
