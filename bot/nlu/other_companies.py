"""Names of other companies, apps and services, found in a message.

The names are a Rasa lookup table, ``other_company`` (data/nlu/other_companies.yml), so editors
keep them with the rest of the NLU data and a change retrains the model. A Latin name matches as a
whole word whatever the case (``QQ`` in ``QQ密码``, not ``ups`` in ``groups``); a Chinese one
anywhere in the text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

LOOKUP_TABLE = "other_company"
_WORD_CHARACTER = re.compile(r"[0-9A-Za-z]")


def _pattern(name: str) -> str:
    """A regular expression for one name: word boundaries on a Latin side, none on a Chinese one."""
    before = r"(?<![0-9A-Za-z])" if _WORD_CHARACTER.match(name[0]) else ""
    after = r"(?![0-9A-Za-z])" if _WORD_CHARACTER.match(name[-1]) else ""
    return before + re.escape(name) + after


class CompanyNames:
    """A set of names and the first of them a text mentions."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names: tuple[str, ...] = tuple(dict.fromkeys(n.strip() for n in names if n and n.strip()))
        # Longest first, so "QQ音乐" is reported rather than "QQ".
        ordered = sorted(self.names, key=len, reverse=True)
        self._regex = re.compile("|".join(_pattern(n) for n in ordered), re.IGNORECASE) if ordered else None

    def find(self, text: str) -> str | None:
        """The first listed name ``text`` mentions, as written in the text, or None."""
        if self._regex is None or not text:
            return None
        match = self._regex.search(text)
        return match.group(0) if match else None

    @classmethod
    def from_lookup_tables(cls, tables: Sequence[Mapping[str, Any]]) -> CompanyNames:
        """The names of the ``other_company`` table among Rasa's parsed lookup tables."""
        names: list[str] = []
        for table in tables:
            if table.get("name") == LOOKUP_TABLE:
                elements = table.get("elements") or []
                names += [str(e) for e in elements] if isinstance(elements, list) else []
        return cls(names)

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> CompanyNames:
        """The names of the ``other_company`` table in NLU files, read by Rasa's own reader as training reads them."""
        from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

        return cls.from_lookup_tables([table for path in paths for table in RasaYAMLReader().read(str(path)).lookup_tables])
