"""Knowledge-base answers for an agent, ranked by character-bigram overlap with what the user said."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.base import Faq, KnowledgeBase
from bot.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def bigrams(text: str) -> frozenset[str]:
    """Pairs of neighbouring characters, lower-cased, punctuation and spaces dropped."""
    cleaned = _NOT_WORD.sub("", (text or "").lower())
    if len(cleaned) == 1:
        return frozenset({cleaned})
    return frozenset(cleaned[i:i + 2] for i in range(len(cleaned) - 1))


def overlap(query: frozenset[str], candidate: frozenset[str]) -> float:
    """Dice coefficient of two bigram sets: 1.0 identical, 0.0 nothing shared."""
    if not query or not candidate:
        return 0.0
    return 2 * len(query & candidate) / (len(query) + len(candidate))


@dataclass(frozen=True)
class Suggestion:
    """One ranked answer, ready to insert into a reply."""

    faq_id: str
    question: str
    score: float
    conclusion: str
    reasoning: str
    steps: tuple[str, ...]

    @property
    def text(self) -> str:
        """The answer as the agent would send it: conclusion, reasoning, numbered steps."""
        numbered = [f"{n}. {step}" for n, step in enumerate(self.steps, start=1)]
        return "\n".join([self.conclusion, self.reasoning, *numbered])

    def as_dict(self) -> dict:
        """The JSON form."""
        return {
            "faq_id": self.faq_id, "question": self.question, "score": round(self.score, 3),
            "conclusion": self.conclusion, "reasoning": self.reasoning,
            "steps": list(self.steps), "text": self.text,
        }


class Suggester:
    """Ranks every FAQ by its best-matching training question in the asked language."""

    def __init__(self, knowledge_base: KnowledgeBase) -> None:
        self._index: dict[str, list[tuple[Faq, str, frozenset[str]]]] = {
            language: [(faq, q, bigrams(q)) for faq in knowledge_base
                       for q in faq.questions.get(language, ())]
            for language in SUPPORTED_LANGUAGES
        }

    def rank(self, text: str, language: str | None = None, limit: int = 3) -> list[Suggestion]:
        """Up to ``limit`` answers sharing at least one bigram with ``text``, best first."""
        language = language if language in self._index else DEFAULT_LANGUAGE
        query = bigrams(text)
        best: dict[str, tuple[float, Faq, str]] = {}
        for faq, question, grams in self._index[language]:
            score = overlap(query, grams)
            if score > 0 and score > best.get(faq.faq_id, (0.0,))[0]:
                best[faq.faq_id] = (score, faq, question)
        ranked = sorted(best.values(), key=lambda item: (-item[0], item[1].faq_id))[:limit]
        suggestions = []
        for score, faq, question in ranked:
            answer = faq.answer(language)
            suggestions.append(
                Suggestion(faq.faq_id, question, score, answer.conclusion, answer.reasoning, answer.steps)
            )
        return suggestions
