"""Display labels: the zh and en names of the identifiers the code stores (data/service/labels.yml).

The identifiers (``complaint``, ``explicit_request``, ``callback`` …) are English and are what
Redis holds and the code matches; people see their labels. The weekly report reads them here,
the console page through ``GET /api/labels``. A missing label shows the identifier itself.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.datafiles.config_files import SERVICE_DIR, config_error, load_config
from bot.datafiles.yaml_shapes import TEXT, Fields, MapOf
from bot.language import DEFAULT_LANGUAGE

LABELS_FILE = SERVICE_DIR / "labels.yml"
KINDS = (
    "category", "priority", "priority_reason", "reason", "signal", "problem", "department", "tag", "ticket_status",
    "handoff_status", "outcome", "role", "user_role", "figure", "report", "routing", "language",
    "team", "emotion",
)
SHAPE = MapOf(MapOf(Fields({"zh": TEXT, "en": TEXT}, required=("zh", "en"))))


@dataclass(frozen=True)
class Label:
    """One identifier's name in Chinese and in English."""

    zh: str
    en: str

    def text(self, language: str | None) -> str:
        """The name in ``language`` (zh or en; anything else gets the default language)."""
        return self.en if (language or DEFAULT_LANGUAGE) == "en" else self.zh

    def pair(self) -> str:
        """Both names, Chinese first: "投诉 Complaint"."""
        return f"{self.zh} {self.en}"


class Labels:
    """Every label by kind and identifier."""

    def __init__(self, tables: Mapping[str, Mapping[str, Label]]) -> None:
        self._tables = {kind: dict(table) for kind, table in tables.items()}

    @classmethod
    def load(cls, path: Path = LABELS_FILE) -> Labels:
        """Read the labels file; ConfigFileError (file:line) if it is malformed or names an unknown kind."""
        raw, lines = load_config(path, SHAPE)
        for kind in raw or {}:
            if kind not in KINDS:
                raise config_error(lines, [kind], f"unknown kind '{kind}'; use one of {', '.join(KINDS)}")
        return cls({
            str(kind): {str(key): Label(str(names["zh"]), str(names["en"])) for key, names in (table or {}).items()}
            for kind, table in (raw or {}).items()
        })

    def get(self, kind: str, identifier: str) -> Label | None:
        """The label of ``identifier``, or None."""
        return self._tables.get(kind, {}).get(identifier)

    def text(self, kind: str, identifier: str, language: str | None) -> str:
        """The name in ``language``; the identifier itself when it has no label."""
        label = self.get(kind, identifier)
        return label.text(language) if label else identifier

    def pair(self, kind: str, identifier: str) -> str:
        """"zh en"; the identifier itself when it has no label."""
        label = self.get(kind, identifier)
        return label.pair() if label else identifier

    def missing(self, wanted: Mapping[str, Iterable[str]]) -> list[tuple[str, str]]:
        """(kind, identifier) of each wanted identifier that has no label, sorted."""
        return sorted({(kind, key) for kind, keys in wanted.items() for key in keys if self.get(kind, key) is None})

    def as_dict(self) -> dict[str, dict[str, dict[str, str]]]:
        """``{kind: {identifier: {"zh": …, "en": …}}}``, JSON-ready."""
        return {kind: {key: {"zh": label.zh, "en": label.en} for key, label in table.items()}
                for kind, table in self._tables.items()}
