"""Checks on the training examples editors write, with file and line for every problem.

Examples come from ``data/nlu/*.yml`` (``- intent: …`` with an ``examples: |`` block) and from
the questions of the knowledge base, ``data/faq/*.yml``, where each entry is its own intent
``faq/<id>``. ``make validate`` asks, with the numbers in ``data/service/content_rules.yml``:

* at least ``min_examples_per_language`` examples per intent in Chinese and in English
  (the language of an ``data/nlu`` example is detected, that of an FAQ question is its section);
* no example under two intents: the model cannot learn both answers to the same words;
* no FAQ question names a company of the ``other_company`` lookup table
  (``data/nlu/other_companies.yml``): the model holds back an FAQ answer to such a message.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.datafiles.config_files import SERVICE_DIR, config_error, load_config
from bot.datafiles.yaml_lines import YamlError, YamlLines, mapping, sequence
from bot.datafiles.yaml_shapes import TEXT, WHOLE, Fields, ListOf
from bot.knowledge.base import FAQ_INTENT
from bot.knowledge.content_checks import Problem
from bot.language import SUPPORTED_LANGUAGES, detect_language
from bot.nlu.other_companies import CompanyNames
from bot.settings import PROJECT_ROOT

# [text](entity), [text]{"entity": …}: the text is what the user typed.
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
_TRAILING_PUNCTUATION = re.compile(r"[\s?？!！。.,，~～…]+$")
CONTENT_RULES_SHAPE = Fields({"min_examples_per_language": WHOLE, "no_examples_needed": ListOf(TEXT)})


@dataclass(frozen=True)
class ContentRules:
    """What ``data/service/content_rules.yml`` asks of the training examples."""

    min_examples_per_language: int = 8
    no_examples_needed: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "content_rules.yml") -> ContentRules:
        """Read the rules; ConfigFileError when malformed."""
        raw, lines = load_config(path, CONTENT_RULES_SHAPE)
        minimum = raw.get("min_examples_per_language", 8)
        if minimum < 1:
            raise config_error(lines, ["min_examples_per_language"],
                               "min_examples_per_language must be at least 1")
        exempt = raw.get("no_examples_needed") or []
        return cls(minimum, frozenset(str(i) for i in exempt))


@dataclass(frozen=True)
class Example:
    """One training example and where it is written."""

    intent: str
    text: str
    language: str | None
    where: str  # "data/nlu/chitchat.yml:12"


@dataclass(frozen=True)
class Intent:
    """Where an intent is declared (its first ``- intent:`` or FAQ ``id``)."""

    name: str
    where: str


def plain_text(example: str) -> str:
    """The example as a user types it: entity annotations removed."""
    return _ANNOTATION.sub(lambda m: m.group(1), example).strip()


def normalized(text: str) -> str:
    """For comparing examples: case, spacing and final punctuation ignored."""
    return _TRAILING_PUNCTUATION.sub("", re.sub(r"\s+", " ", text.casefold())).strip()


def _block_examples(node: yaml.ScalarNode) -> Iterator[tuple[str, int]]:
    """(example, line) for each ``- …`` line of an ``examples: |`` block."""
    # A block scalar ("|" or ">") starts on the line after its indicator; others on their own line.
    first = node.start_mark.line + (2 if node.style in ("|", ">") else 1)
    for offset, line in enumerate(node.value.splitlines()):
        stripped = line.strip()
        if stripped.startswith("- "):
            yield stripped[2:].strip(), first + offset


def nlu_examples(directory: Path = PROJECT_ROOT / "data" / "nlu") -> tuple[list[Intent], list[Example]]:
    """The intents and examples of the NLU files under ``directory``."""
    intents: list[Intent] = []
    examples: list[Example] = []
    for path in sorted(Path(directory).rglob("*.yml")):
        lines = YamlLines(path)
        for item in sequence(lines.node("nlu")):
            fields = mapping(item)
            intent = fields.get("intent")
            if not isinstance(intent, yaml.ScalarNode):
                continue
            intents.append(Intent(intent.value, lines.at(intent.start_mark.line + 1)))
            block = fields.get("examples")
            if isinstance(block, yaml.ScalarNode):
                for text, line in _block_examples(block):
                    plain = plain_text(text)
                    examples.append(Example(intent.value, plain, detect_language(plain), lines.at(line)))
    return intents, examples


def faq_examples(directory: Path = PROJECT_ROOT / "data" / "faq") -> tuple[list[Intent], list[Example]]:
    """Each knowledge-base entry as the intent ``faq/<id>``, its questions as examples."""
    intents: list[Intent] = []
    examples: list[Example] = []
    for path in sorted(Path(directory).rglob("*.yml")):
        lines = YamlLines(path)
        for entry in sequence(lines.node("faqs")):
            fields = mapping(entry)
            faq_id = fields.get("id")
            if not isinstance(faq_id, yaml.ScalarNode):
                continue
            name = f"{FAQ_INTENT}/{faq_id.value}"
            intents.append(Intent(name, lines.at(faq_id.start_mark.line + 1)))
            for language in SUPPORTED_LANGUAGES:
                for question in sequence(mapping(fields.get(language)).get("questions")):
                    if isinstance(question, yaml.ScalarNode) and str(question.value).strip():
                        examples.append(Example(name, str(question.value).strip(), language,
                                                lines.at(question.start_mark.line + 1)))
    return intents, examples


def domain_intents(path: Path = PROJECT_ROOT / "domain.yml") -> list[Intent]:
    """The intents the domain declares, with their lines."""
    found = []
    lines = YamlLines(path)
    for node in sequence(lines.node("intents")):
        if isinstance(node, yaml.ScalarNode):
            found.append(Intent(node.value, lines.at(node.start_mark.line + 1)))
        elif isinstance(node, yaml.MappingNode):  # "- name: {use_entities: …}"
            for key, _ in node.value:
                found.append(Intent(key.value, lines.at(key.start_mark.line + 1)))
    return found


def check_example_counts(
    intents: Sequence[Intent], examples: Sequence[Example], rules: ContentRules
) -> list[Problem]:
    """Every intent has ``rules.min_examples_per_language`` examples in each language."""
    counts: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for example in examples:
        counts[example.intent][example.language] += 1
    problems = []
    seen = set()
    for intent in intents:
        if intent.name in seen or intent.name in rules.no_examples_needed or intent.name == FAQ_INTENT:
            continue
        seen.add(intent.name)
        for language in SUPPORTED_LANGUAGES:
            have = counts[intent.name][language]
            if have < rules.min_examples_per_language:
                problems.append(Problem(intent.where, (
                    f"intent '{intent.name}' has {have} {language} example(s); at least "
                    f"{rules.min_examples_per_language} are needed (content_rules.yml)")))
    return problems


def check_duplicates(examples: Sequence[Example]) -> list[Problem]:
    """No example (ignoring case, spacing and final punctuation) under two different intents."""
    first: dict[str, Example] = {}
    problems = []
    for example in examples:
        key = normalized(example.text)
        if not key:
            continue
        earlier = first.setdefault(key, example)
        if earlier.intent != example.intent:
            problems.append(Problem(example.where, (
                f"“{example.text}” is an example of '{example.intent}' and of '{earlier.intent}' "
                f"({earlier.where}); keep it under one intent")))
    return problems


def check_other_companies(faq: Sequence[Example], companies: CompanyNames) -> list[Problem]:
    """No FAQ question names another company: the bot would never give that answer to it."""
    problems = []
    for example in faq:
        name = companies.find(example.text)
        if name is not None:
            problems.append(Problem(example.where, (
                f"“{example.text}” ({example.intent}) names “{name}”, listed in the other_company lookup table (data/nlu/other_companies.yml); "
                "an FAQ answer is held back from messages naming a listed company, so take the name out of "
                "the list (we speak for it) or out of the question")))
    return problems


def check_training_examples(
    nlu_dir: Path = PROJECT_ROOT / "data" / "nlu",
    faq_dir: Path = PROJECT_ROOT / "data" / "faq",
    domain: Path = PROJECT_ROOT / "domain.yml",
    rules: ContentRules | None = None,
) -> list[Problem]:
    """Both checks on the shipped data (or the given files)."""
    rules = rules or ContentRules.load()
    try:
        nlu_intents, nlu = nlu_examples(nlu_dir)
        faq_intents, faq = faq_examples(faq_dir)
        declared = domain_intents(domain)
    except YamlError as error:
        return [Problem(error.where, error.message)]
    # Where the examples are written comes first, so a short intent is shown where to add them.
    intents = [*nlu_intents, *faq_intents, *declared]
    companies = CompanyNames.from_files(sorted(Path(nlu_dir).rglob("*.yml")))
    return (check_example_counts(intents, [*nlu, *faq], rules) + check_duplicates([*nlu, *faq])
            + check_other_companies(faq, companies))
