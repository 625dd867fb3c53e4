"""Messages labelled with the emotion they show: ``data/emotion/*.yml`` (training), ``tests/nlu/emotion_*.yml`` (held out).

Each file is one language's examples, listed under their label::

    language: zh
    examples:
      angry:
        - 说了三遍了还没人管
      anxious:
        - 钱扣了订单却没显示,怎么办
      neutral: [...]
      satisfied: [...]
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.datafiles.config_files import config_error, load_config
from bot.datafiles.yaml_shapes import TEXT, Fields, ListOf, MapOf
from bot.service.emotion import EMOTIONS

SHAPE = Fields(
    {"language": TEXT, "examples": MapOf(ListOf(TEXT))},
    required=("language", "examples"),
)


@dataclass(frozen=True)
class EmotionExample:
    """One labelled message."""

    text: str
    label: str
    language: str


def load_file(path: Path) -> list[EmotionExample]:
    """The examples of one file, by label; ConfigFileError (file:line) when malformed or a label is unknown."""
    raw, lines = load_config(path, SHAPE)
    language = str(raw["language"])
    examples = raw.get("examples") or {}
    for label in examples:
        if label not in EMOTIONS:
            raise config_error(lines, ["examples", label], f"unknown emotion '{label}': use one of {', '.join(EMOTIONS)}")
    return [
        EmotionExample(str(text).strip(), label, language)
        for label in EMOTIONS
        for text in examples.get(label) or ()
        if str(text).strip()
    ]


def load_examples(*paths: Path) -> list[EmotionExample]:
    """The examples of every ``*.yml`` file in the given directories or files, sorted by file name."""
    found: list[EmotionExample] = []
    for path in paths:
        files = sorted(path.glob("*.yml")) if path.is_dir() else [path]
        for file in files:
            found.extend(load_file(file))
    return found
