"""The FAQ knowledge base: one YAML entry per question, in Chinese and English.

Editors own ``data/faq/*.yml``. Each entry has an ``id`` and, per language, the training
``questions`` and the answer in three parts: ``conclusion``, ``reasoning`` and ``steps``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.datafiles.yaml_lines import YamlError, YamlLines, shown_path
from bot.datafiles.yaml_shapes import TEXT, Fields, ListOf, load_checked
from bot.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

FAQ_INTENT = "faq"


def selected_entry(parse_data: Mapping[str, Any]) -> str | None:
    """The ``faq/<id>`` entry a Rasa parse chose (where the ResponseSelector writes it), if any."""
    selector = (parse_data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    return (selector.get("response") or {}).get("intent_response_key")
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_PARTS = ("questions", "conclusion", "reasoning", "steps")
_ANSWER = Fields({"questions": ListOf(TEXT), "conclusion": TEXT, "reasoning": TEXT, "steps": ListOf(TEXT)},
                 required=_PARTS)
SHAPE = Fields({"faqs": ListOf(Fields({"id": TEXT, **{language: _ANSWER for language in SUPPORTED_LANGUAGES}},
                                      required=("id", *SUPPORTED_LANGUAGES)))},
               required=("faqs",))


class KnowledgeBaseError(YamlError):
    """A knowledge-base file is malformed: ``where`` is file:line, the message names the entry."""


@dataclass(frozen=True)
class Answer:
    """One FAQ answer in one language, in the SOP's three parts."""

    conclusion: str
    reasoning: str
    steps: tuple[str, ...]

    def numbered_steps(self, line_break: str = "\n") -> str:
        """Steps as "1. …" lines, the form every channel shows, each ended by ``line_break`` but the last."""
        return line_break.join(f"{number}. {step}" for number, step in enumerate(self.steps, start=1))


@dataclass(frozen=True)
class Faq:
    """A knowledge-base entry: its id, training questions and answers per language."""

    faq_id: str
    questions: Mapping[str, tuple[str, ...]]
    answers: Mapping[str, Answer]
    source: str = ""
    line: int = 0  # of the entry's id in ``source``

    @property
    def where(self) -> str:
        """``file:line`` of the entry."""
        return f"{shown_path(Path(self.source))}:{self.line}"

    @property
    def intent_response_key(self) -> str:
        """The retrieval-intent label Rasa's ResponseSelector predicts for this entry."""
        return f"{FAQ_INTENT}/{self.faq_id}"

    def answer(self, language: str | None) -> Answer:
        """The answer in ``language``, falling back to the default language."""
        return self.answers.get(language or DEFAULT_LANGUAGE) or self.answers[DEFAULT_LANGUAGE]


def _parse_entry(raw: Mapping[str, Any], source: str, lines: YamlLines, index: int) -> Faq:
    """One entry of a file that fits SHAPE."""
    faq_id = str(raw["id"])
    if not _ID_PATTERN.match(faq_id):
        raise KnowledgeBaseError(lines.where("faqs", index, "id"),
                                 f"FAQ id '{faq_id}' must be lower-case letters, digits and _")
    questions: dict[str, tuple[str, ...]] = {}
    answers: dict[str, Answer] = {}
    for language in SUPPORTED_LANGUAGES:
        part = raw[language]
        questions[language] = tuple(str(q).strip() for q in part["questions"])
        answers[language] = Answer(
            conclusion=str(part["conclusion"]).strip(),
            reasoning=str(part["reasoning"]).strip(),
            steps=tuple(str(step).strip() for step in part["steps"]),
        )
    return Faq(faq_id, questions, answers, source=source, line=lines.line("faqs", index, "id"))


class KnowledgeBase:
    """All FAQ entries, looked up by id or by the ResponseSelector's label."""

    def __init__(self, faqs: Iterable[Faq]) -> None:
        self._by_id: dict[str, Faq] = {}
        for faq in faqs:
            if faq.faq_id in self._by_id:
                first = self._by_id[faq.faq_id]
                raise KnowledgeBaseError(faq.where, f"FAQ id '{faq.faq_id}' is already used in {first.where}")
            self._by_id[faq.faq_id] = faq

    @classmethod
    def load(cls, directory: Path) -> KnowledgeBase:
        """Read every ``*.yml`` under ``directory``; KnowledgeBaseError (file:line) at the first problem."""
        faqs: list[Faq] = []
        for path in sorted(Path(directory).rglob("*.yml")):
            try:
                content, lines = load_checked(path, SHAPE)
            except YamlError as error:
                raise KnowledgeBaseError(error.where, error.message) from None
            for index, entry in enumerate(content["faqs"]):
                faqs.append(_parse_entry(entry, str(path), lines, index))
        return cls(faqs)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def get(self, faq_id: str) -> Faq | None:
        """The entry with ``faq_id``, or None."""
        return self._by_id.get(faq_id)

    def by_response_key(self, intent_response_key: str) -> Faq | None:
        """The entry for a label like ``faq/change_password``."""
        prefix = f"{FAQ_INTENT}/"
        if not intent_response_key.startswith(prefix):
            return None
        return self.get(intent_response_key[len(prefix):])


def first_questions(knowledge: KnowledgeBase, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """``faq/<id>`` → the entry's first question in ``language``: a readable name for reports."""
    return {faq.intent_response_key: faq.questions[language][0] for faq in knowledge if faq.questions.get(language)}
