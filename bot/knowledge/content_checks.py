"""Checks on what the bot says: language discipline, emoji, both languages. Used by tests and `make validate`."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.datafiles.config_files import SERVICE_DIR, load_mapping
from bot.datafiles.yaml_lines import YamlLines
from bot.datafiles.yaml_shapes import TEXT, WHOLE, Fields, ListOf, MapOf, load_checked
from bot.knowledge.base import KnowledgeBase
from bot.settings import PROJECT_ROOT

_EMOJI = re.compile("[\U0001F300-\U0001FAFF\U00002600-\U000027BF\U0001F000-\U0001F2FF]")

LANGUAGE_RULES_SHAPE = Fields({
    "forbidden_phrases": ListOf(Fields({"phrase": TEXT, "instead": TEXT}, required=("phrase", "instead"))),
    "max_emoji_per_message": WHOLE,
})
# What the checks read of domain.yml; Rasa's own validation checks the rest.
_DOMAIN_SHAPE = Fields({
    "responses": MapOf(ListOf(Fields({
        "text": TEXT,
        "condition": ListOf(Fields({})),
        "buttons": ListOf(Fields({"title": TEXT})),
    }))),
})

# Forbidden phrases with what to say instead, and the most emoji one message may have.
TextRules = tuple[list[tuple[str, str]], int]


@dataclass(frozen=True)
class Problem:
    """One content problem, with where it is."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def count_emoji(text: str) -> int:
    """How many emoji ``text`` contains."""
    return len(_EMOJI.findall(text or ""))


def language_rules(path: Path = SERVICE_DIR / "language_rules.yml") -> TextRules:
    """The rules of ``data/service/language_rules.yml``; ConfigFileError (file:line) when malformed."""
    raw = load_mapping(path, LANGUAGE_RULES_SHAPE)
    phrases = [(str(rule["phrase"]), str(rule["instead"])) for rule in raw.get("forbidden_phrases") or []]
    return phrases, int(raw.get("max_emoji_per_message", 2))


def check_text(text: str, where: str, rules: TextRules | None = None) -> list[Problem]:
    """Forbidden phrases and too many emoji in one message."""
    phrases, max_emoji = rules or language_rules()
    problems = []
    lowered = (text or "").lower()
    for phrase, instead in phrases:
        if phrase.lower() in lowered:
            problems.append(Problem(where, f"says “{phrase}”; say “{instead}” instead"))
    if count_emoji(text) > max_emoji:
        problems.append(Problem(where, f"has {count_emoji(text)} emoji; at most {max_emoji}"))
    return problems


def _response_texts(domain: Mapping) -> Iterator[tuple[str, list[Mapping]]]:
    for name, variations in (domain.get("responses") or {}).items():
        yield name, variations or []


def check_domain(
    path: Path = PROJECT_ROOT / "domain.yml", rules: TextRules | None = None
) -> list[Problem]:
    """Every response has a zh default and an en variation, and each text passes check_text.

    YamlError (file:line) when the file cannot be read or its responses are malformed.
    """
    domain, lines = load_checked(path, _DOMAIN_SHAPE)
    rules = rules or language_rules()
    problems: list[Problem] = []
    for name, variations in _response_texts(domain):
        languages = set()
        for index, variation in enumerate(variations):
            conditions = variation.get("condition") or []
            language = next((c.get("value") for c in conditions if c.get("name") == "language"), "zh")
            languages.add(language)
            where = lines.where("responses", name, index, "text")
            problems += check_text(str(variation.get("text", "")), f"{where}: {name} ({language})", rules)
            for number, button in enumerate(variation.get("buttons") or []):
                where = lines.where("responses", name, index, "buttons", number, "title")
                title = str(button.get("title", ""))
                problems += check_text(title, f"{where}: {name} button ({language})", rules)
        for missing in sorted({"zh", "en"} - languages):
            problems.append(Problem(f"{lines.where('responses', name)}: {name}", f"has no {missing} variation"))
    return problems


def check_knowledge_base(
    directory: Path = PROJECT_ROOT / "data" / "faq", rules: TextRules | None = None
) -> list[Problem]:
    """Each FAQ answer passes check_text, in both languages (KnowledgeBaseError for a malformed file)."""
    rules = rules or language_rules()
    problems: list[Problem] = []
    files: dict[str, YamlLines] = {}
    for faq in KnowledgeBase.load(directory):
        if faq.source not in files:
            files[faq.source] = YamlLines(Path(faq.source))
        lines = files[faq.source]
        entry = lines.index_of(["faqs"], "id", faq.faq_id)
        for language, answer in faq.answers.items():
            text = "\n".join([answer.conclusion, answer.reasoning, *answer.steps])
            line = lines.where("faqs", entry, language) if entry is not None else lines.where("faqs")
            where = f"{line}: {faq.faq_id} ({language})"
            problems += check_text(text, where, rules)
            if "{" in text or "}" in text:
                problems.append(Problem(where, "contains { or }, which response templates would read as a placeholder"))
    return problems
