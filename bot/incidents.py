"""Known incidents that operators list in data/service/incidents.yml, matched against fault reports."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional, Tuple

from bot.config_files import SERVICE_DIR, load_mapping
from bot.language import localized


@dataclass(frozen=True)
class Incident:
    """An ongoing incident: what it affects, when it should be fixed, what to do meanwhile."""

    incident_id: str
    keywords: Tuple[str, ...]
    texts: Mapping[str, Mapping[str, str]]

    def text(self, field: str, language: Optional[str]) -> str:
        """``field`` (impact | recovery | workaround) in ``language``."""
        return localized(self.texts, language)[field]


class IncidentBoard:
    """The active incidents, in file order."""

    def __init__(self, incidents: List[Incident]) -> None:
        self.incidents = incidents

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "incidents.yml") -> "IncidentBoard":
        """Read the active incidents."""
        raw = load_mapping(path)
        incidents = []
        for entry in raw.get("incidents") or []:
            if not entry.get("active", True):
                continue
            keywords = entry.get("keywords") or {}
            incidents.append(
                Incident(
                    incident_id=entry["id"],
                    keywords=tuple(w.lower() for words in keywords.values() for w in words),
                    texts={lang: entry[lang] for lang in ("zh", "en") if lang in entry},
                )
            )
        return cls(incidents)

    def match(self, text: str) -> Optional[Incident]:
        """The first active incident one of whose keywords appears in ``text``."""
        lowered = (text or "").lower()
        return next((i for i in self.incidents if any(w in lowered for w in i.keywords)), None)
