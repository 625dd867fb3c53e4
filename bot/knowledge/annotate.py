"""Editors' changes from the inbox, written into the YAML under data/ line by line.

Each change inserts lines into one file and leaves every other line as it was, so git diffs
and review stay readable. The edited tree is checked on a temporary copy with the checks of
``make validate`` (``bot.knowledge.validate.content_problems``) before anything is written; any
problem refuses the change with file:line and leaves data/ untouched.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.datafiles.yaml_lines import YamlError, YamlLines, mapping, sequence
from bot.knowledge.content_checks import Problem

_FAQ_ID = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
_FILE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}\.yml$")
MAX_LENGTH = 500
_WRITE_LOCK = threading.Lock()  # one change at a time per process: each reads the file it rewrites


class AnnotationError(ValueError):
    """The change asked for cannot be made; ``problems`` (file:line) when the checks refused it."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


@dataclass(frozen=True)
class NewFaq:
    """A new knowledge-base entry: questions and a three-part answer in Chinese and English."""

    faq_id: str
    zh_questions: tuple[str, ...]
    en_questions: tuple[str, ...]
    zh_conclusion: str
    en_conclusion: str
    zh_reasoning: str
    en_reasoning: str
    zh_steps: tuple[str, ...]
    en_steps: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """Where a change was written: the file (relative to the project) and its first new line."""

    path: str
    line: int


def one_line(value: str, name: str) -> str:
    """``value`` stripped; AnnotationError if it is empty, too long or spans lines (it could break the YAML)."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise AnnotationError(f"'{name}' is required and must be a non-empty string")
    if "\n" in text or "\r" in text:
        raise AnnotationError(f"'{name}' must be one line")
    if len(text) > MAX_LENGTH:
        raise AnnotationError(f"'{name}' is longer than {MAX_LENGTH} characters")
    return text


def _quoted(text: str) -> str:
    # JSON strings are YAML double-quoted scalars: quotes, colons, "#" or "- " cannot break the file.
    return json.dumps(text, ensure_ascii=False)


class DataEditor:
    """Adds examples, questions and entries to the YAML of one project tree (``root``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def intents(self) -> list[str]:
        """The intents with examples in data/nlu/, in file order."""
        return [name for name, _path, _node in self._intent_blocks()]

    def add_intent_example(self, intent: str, text: str) -> Change:
        """Append ``text`` to the examples of ``intent`` in data/nlu/."""
        example = one_line(text, "text")
        for name, path, node in self._intent_blocks():
            if name != intent:
                continue
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            items = [i for i in range(node.start_mark.line + 1, node.end_mark.line) if lines[i].strip().startswith("- ")]
            if not items:
                raise AnnotationError(f"intent {intent!r} has no examples to add to")
            if any(lines[i].strip()[2:].strip() == example for i in items):
                raise AnnotationError(f"{example!r} is already an example of {intent!r}")
            last = items[-1]
            indent = lines[last][: len(lines[last]) - len(lines[last].lstrip())]
            # The examples block is literal text, one "- " line per example: nothing to quote.
            return self._apply(path, last + 1, [f"{indent}- {example}\n"])
        raise AnnotationError(f"no intent {intent!r} in data/nlu/; choose one that exists")

    def add_faq_question(self, faq_id: str, language: str, text: str) -> Change:
        """Append ``text`` to the ``language`` questions of the FAQ entry ``faq_id``."""
        question = one_line(text, "text")
        if language not in ("zh", "en"):
            raise AnnotationError("'language' must be zh or en")
        for path in sorted((self.root / "data" / "faq").rglob("*.yml")):
            lines_of = self._lines(path)
            index = lines_of.index_of(["faqs"], "id", faq_id)
            if index is None:
                continue
            questions = sequence(lines_of.node("faqs", index, language, "questions"))
            if not questions:
                raise AnnotationError(f"FAQ entry {faq_id!r} has no {language} questions to add to")
            last = questions[-1]
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            item_line = last.start_mark.line
            indent = lines[item_line][: len(lines[item_line]) - len(lines[item_line].lstrip())]
            return self._apply(path, last.end_mark.line + (1 if last.end_mark.column else 0),
                               [f"{indent}- {_quoted(question)}\n"])
        raise AnnotationError(f"no FAQ entry {faq_id!r} in data/faq/; choose one that exists")

    def add_faq_entry(self, entry: NewFaq, file_name: str = "inbox.yml") -> Change:
        """Append a new entry to data/faq/<file_name> (created when missing)."""
        if not _FAQ_ID.match(entry.faq_id or ""):
            raise AnnotationError("'id' must be 2-48 characters: a-z, 0-9 and '_', starting with a letter")
        if not _FILE_NAME.match(file_name or ""):
            raise AnnotationError("'file' must be a name like service.yml under data/faq/")
        texts = {name: one_line(getattr(entry, name), name) for name in
                 ("zh_conclusion", "en_conclusion", "zh_reasoning", "en_reasoning")}
        lists = {name: [one_line(s, name) for s in getattr(entry, name)]
                 for name in ("zh_questions", "en_questions", "zh_steps", "en_steps")}
        for name, items in lists.items():
            if not items:
                raise AnnotationError(f"'{name}' needs at least one line")
        block = [f"  - id: {entry.faq_id}\n"]
        for lang in ("zh", "en"):
            block += [f"    {lang}:\n", "      questions:\n"]
            block += [f"        - {_quoted(question)}\n" for question in lists[f"{lang}_questions"]]
            block += [f"      conclusion: {_quoted(texts[f'{lang}_conclusion'])}\n",
                      f"      reasoning: {_quoted(texts[f'{lang}_reasoning'])}\n", "      steps:\n"]
            block += [f"        - {_quoted(step)}\n" for step in lists[f"{lang}_steps"]]
        path = self.root / "data" / "faq" / file_name
        if not path.exists():
            header = ["# Entries started from the console's inbox of misunderstood messages.\n", "faqs:\n"]
            return self._apply(path, 0, header + block, create=True)
        text = path.read_text(encoding="utf-8")
        at = len(text.splitlines())
        if text and not text.endswith("\n"):
            block = ["\n", *block]
        return self._apply(path, at, block)

    # How each change is checked and written.

    def _intent_blocks(self) -> list[tuple[str, Path, yaml.Node]]:
        found: list[tuple[str, Path, yaml.Node]] = []
        for path in sorted((self.root / "data" / "nlu").rglob("*.yml")):
            for item in sequence(mapping(self._lines(path).root).get("nlu")):
                fields = mapping(item)
                name, examples = fields.get("intent"), fields.get("examples")
                if name is not None and examples is not None:
                    found.append((str(name.value), path, examples))
        return found

    @staticmethod
    def _lines(path: Path) -> YamlLines:
        try:
            return YamlLines(path)
        except YamlError as error:
            raise AnnotationError("the data files do not read; fix them first", [Problem(error.where, error.message)]) from None

    def _apply(self, path: Path, at: int, new_lines: list[str], create: bool = False) -> Change:
        """Insert ``new_lines`` before line index ``at`` of ``path``, if the edited tree passes the checks."""
        from bot.knowledge.validate import content_problems  # late: it imports the training module

        with _WRITE_LOCK:
            original = "" if create else path.read_text(encoding="utf-8")
            lines = original.splitlines(keepends=True)
            edited = "".join(lines[:at] + new_lines + lines[at:])
            relative = path.relative_to(self.root)
            with tempfile.TemporaryDirectory(prefix="inbox-edit-") as scratch:
                copy = Path(scratch)
                shutil.copytree(self.root / "data", copy / "data")
                shutil.copy2(self.root / "domain.yml", copy / "domain.yml")
                (copy / relative).write_text(edited, encoding="utf-8")
                problems = [_relative(p, copy) for p in content_problems(copy)]
            if problems:
                raise AnnotationError("the change does not pass the checks of make validate; nothing was written", problems)
            if (path.read_text(encoding="utf-8") if path.exists() else "") != original:
                raise AnnotationError(f"{relative} changed meanwhile; try again")
            temporary = path.with_name(f".{path.name}.inbox-edit")
            try:
                temporary.write_text(edited, encoding="utf-8")
                os.replace(temporary, path)
            except OSError as error:
                raise AnnotationError(f"{relative} cannot be written here ({error.strerror}); nothing was changed") from None
        return Change(str(relative), at + 1 + (2 if create else 0))


def _relative(problem: Problem, copy: Path) -> Problem:
    """A problem found in the scratch copy, with the path it has in the project."""
    where = problem.where
    for prefix in {str(copy) + os.sep, str(copy.resolve()) + os.sep}:
        where = where.replace(prefix, "")
    return Problem(where, problem.message)
