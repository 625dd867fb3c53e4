"""Route a suggestion to the department it concerns (data/service/suggestions.yml)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

from bot.config_files import SERVICE_DIR, load_mapping
from bot.language import localized


@dataclass(frozen=True)
class Department:
    """A department that receives suggestions."""

    department_id: str
    names: Mapping[str, str]
    keywords: Tuple[str, ...]

    def name(self, language: Optional[str]) -> str:
        """The department's name in ``language``."""
        return localized(self.names, language)


class SuggestionRouter:
    """Picks the department for a suggestion and knows the tag it is recorded with."""

    def __init__(self, tag: str, departments: Dict[str, Department], default: str) -> None:
        self.tag = tag
        self.departments = departments
        self.default = departments[default]

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "suggestions.yml") -> "SuggestionRouter":
        """Read the routing file."""
        raw = load_mapping(path)
        departments = {
            key: Department(key, value["name"], tuple(k.lower() for k in value.get("keywords") or ()))
            for key, value in (raw.get("departments") or {}).items()
        }
        return cls(raw.get("tag", "用户需求"), departments, raw.get("default_department", "product"))

    def route(self, text: str) -> Department:
        """The department whose keyword appears earliest in ``text``; the default if none does."""
        lowered = (text or "").lower()
        best: Optional[Tuple[int, Department]] = None
        for department in self.departments.values():
            for keyword in department.keywords:
                position = lowered.find(keyword)
                if position >= 0 and (best is None or position < best[0]):
                    best = (position, department)
        return best[1] if best else self.default
