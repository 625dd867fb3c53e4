"""Known incidents that operators list in data/service/incidents.yml, matched against fault reports."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.datafiles.config_files import SERVICE_DIR, config_error, load_config
from bot.datafiles.yaml_shapes import FLAG, TEXT, Fields, ListOf, MapOf
from bot.language import localized

_FIELDS = ("impact", "recovery", "workaround")
_TEXTS = Fields({name: TEXT for name in _FIELDS}, required=_FIELDS)
SHAPE = Fields({
    "incidents": ListOf(Fields(
        {"id": TEXT, "active": FLAG, "eta": TEXT, "keywords": MapOf(ListOf(TEXT)), "zh": _TEXTS, "en": _TEXTS},
        required=("id",),
    )),
})


@dataclass(frozen=True)
class Incident:
    """An ongoing incident: what it affects, when it should be fixed, what to do meanwhile."""

    incident_id: str
    keywords: tuple[str, ...]
    texts: Mapping[str, Mapping[str, str]]
    eta: dt.datetime | None = None  # when it should be fixed: a fault ticket about it is due then

    def text(self, field: str, language: str | None) -> str:
        """``field`` (impact | recovery | workaround) in ``language``."""
        return localized(self.texts, language)[field]


class IncidentBoard:
    """The active incidents, in file order."""

    def __init__(self, incidents: list[Incident]) -> None:
        self.incidents = incidents

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "incidents.yml") -> IncidentBoard:
        """Read the active incidents."""
        raw, lines = load_config(path, SHAPE)
        incidents = []
        for index, entry in enumerate(raw.get("incidents") or []):
            if not entry.get("active", True):
                continue
            missing = [language for language in ("zh", "en") if not entry.get(language)]
            if missing:
                told = f"{' and '.join(missing)}: {', '.join(_FIELDS)}"
                raise config_error(lines, ["incidents", index],
                                   f"active incident '{entry['id']}' needs what customers are told in {told}")
            keywords = entry.get("keywords") or {}
            eta = None
            if entry.get("eta") is not None:
                try:
                    eta = dt.datetime.fromisoformat(str(entry["eta"]))
                except ValueError:
                    eta = None
                if eta is None or eta.tzinfo is None:
                    raise config_error(lines, ["incidents", index, "eta"],
                                       "eta must be a time with its UTC offset, like 2026-11-29 18:00:00+08:00")
            incidents.append(
                Incident(
                    incident_id=str(entry["id"]),
                    keywords=tuple(str(w).lower() for words in keywords.values() for w in words),
                    texts={lang: entry[lang] for lang in ("zh", "en") if lang in entry},
                    eta=eta,
                )
            )
        return cls(incidents)

    def match(self, text: str) -> Incident | None:
        """The first active incident one of whose keywords appears in ``text``."""
        lowered = (text or "").lower()
        return next((i for i in self.incidents if any(w in lowered for w in i.keywords)), None)
