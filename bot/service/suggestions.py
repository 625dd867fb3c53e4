"""Route a suggestion to the department it concerns (data/service/suggestions.yml).

Departments and the tag are identifiers; their names are in data/service/labels.yml.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.datafiles.config_files import SERVICE_DIR, config_error, load_config
from bot.datafiles.yaml_shapes import TEXT, Fields, ListOf, MapOf
from bot.service import ticket_tags

SHAPE = Fields({
    "tag": TEXT,
    "default_department": TEXT,
    "departments": MapOf(Fields({"keywords": ListOf(TEXT)})),
}, required=("departments",))


@dataclass(frozen=True)
class Department:
    """A department that receives suggestions."""

    department_id: str
    keywords: tuple[str, ...]


def _lowered(words: list[object] | None) -> tuple[str, ...]:
    return tuple(str(word).lower() for word in words or ())


class SuggestionRouter:
    """Picks the department for a suggestion and knows the tag it is recorded with."""

    def __init__(self, tag: str, departments: dict[str, Department], default: str) -> None:
        self.tag = tag
        self.departments = departments
        self.default = departments[default]

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "suggestions.yml") -> SuggestionRouter:
        """Read the routing file."""
        raw, lines = load_config(path, SHAPE)
        departments = {
            str(key): Department(str(key), _lowered(value.get("keywords")))
            for key, value in raw["departments"].items()
        }
        default = str(raw.get("default_department", "product"))
        if default not in departments:
            raise config_error(lines, ["default_department"], (
                f"default_department '{default}' is not one of the departments: {', '.join(departments)}"))
        return cls(str(raw.get("tag", ticket_tags.USER_NEED)), departments, default)

    def route(self, text: str) -> Department:
        """The department whose keyword appears earliest in ``text``; the default if none does."""
        lowered = (text or "").lower()
        best: tuple[int, Department] | None = None
        for department in self.departments.values():
            for keyword in department.keywords:
                position = lowered.find(keyword)
                if position >= 0 and (best is None or position < best[0]):
                    best = (position, department)
        return best[1] if best else self.default
