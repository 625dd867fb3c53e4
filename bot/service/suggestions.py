"""Route a suggestion to the department it concerns (data/service/suggestions.yml)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from bot.datafiles.config_files import SERVICE_DIR, config_error, load_config
from bot.language import localized
from bot.datafiles.yaml_shapes import TEXT, Fields, ListOf, MapOf

SHAPE = Fields({
    "tag": TEXT,
    "default_department": TEXT,
    "departments": MapOf(Fields({"name": MapOf(TEXT), "keywords": ListOf(TEXT)}, required=("name",))),
}, required=("departments",))


@dataclass(frozen=True)
class Department:
    """A department that receives suggestions."""

    department_id: str
    names: Mapping[str, str]
    keywords: Tuple[str, ...]

    def name(self, language: Optional[str]) -> str:
        """The department's name in ``language``."""
        return localized(self.names, language)


def _lowered(words: Optional[List[object]]) -> Tuple[str, ...]:
    return tuple(str(word).lower() for word in words or ())


class SuggestionRouter:
    """Picks the department for a suggestion and knows the tag it is recorded with."""

    def __init__(self, tag: str, departments: Dict[str, Department], default: str) -> None:
        self.tag = tag
        self.departments = departments
        self.default = departments[default]

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "suggestions.yml") -> "SuggestionRouter":
        """Read the routing file."""
        raw, lines = load_config(path, SHAPE)
        departments = {
            str(key): Department(str(key), value["name"], _lowered(value.get("keywords")))
            for key, value in raw["departments"].items()
        }
        default = str(raw.get("default_department", "product"))
        if default not in departments:
            raise config_error(lines, ["default_department"], (
                f"default_department '{default}' is not one of the departments: {', '.join(departments)}"))
        return cls(str(raw.get("tag", "用户需求")), departments, default)

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
