"""Convert CSV ``text,label`` data to a Rasa NLU YAML file."""
from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import yaml

# Rasa reads [text](entity) and {"entity": …} inside examples as annotations.
_ANNOTATION_CHARS = re.compile(r"[\[\]\(\)\{\}]")


def intent_name(label: str) -> str:
    """A label as a Rasa intent name: lower case, [a-z0-9_]."""
    name = re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")
    return name or "unlabelled"


def clean_example(text: str) -> str:
    """One line of text without annotation characters, control characters or line breaks."""
    printable = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(_ANNOTATION_CHARS.sub(" ", printable).split())


class _Literal(str):
    pass


yaml.SafeDumper.add_representer(_Literal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style="|"))


def csv_to_rasa(source: Path, target: Path, text_column: str = "text", label_column: str = "category") -> dict[str, int]:
    """Write ``target`` from ``source``; return the number of examples per intent."""
    examples: dict[str, list[str]] = defaultdict(list)
    with open(source, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = clean_example(row[text_column])
            if text:
                examples[intent_name(row[label_column])].append(text)
    nlu = [
        {"intent": intent, "examples": _Literal("".join(f"- {t}\n" for t in dict.fromkeys(texts)))}
        for intent, texts in sorted(examples.items())
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {intent: len(texts) for intent, texts in examples.items()}
