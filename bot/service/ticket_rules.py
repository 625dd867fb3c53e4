"""Who owns a ticket and when it is due, followed up and visited again (data/service/tickets.yml)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.datafiles.config_files import SERVICE_DIR, load_config
from bot.datafiles.yaml_shapes import NUMBER, TEXT, WHOLE, Fields, ListOf, MapOf

TEAMS = ("quality", "product", "technical", "agents")
SHAPE = Fields({
    "teams": MapOf(TEXT),
    "default_team": TEXT,
    "default_due_hours": NUMBER,
    "escalate_after_hours": NUMBER,
    "remind_every_hours": NUMBER,
    "return_visit_hours": NUMBER,
    "return_visit_categories": ListOf(TEXT),
    "return_visit_priorities": ListOf(TEXT),
    "second_contact_days": WHOLE,
    "max_note_chars": WHOLE,
}, required=("teams",))


@dataclass(frozen=True)
class TicketRules:
    """The ticket rules; the defaults are the SOP's when the file leaves a value out."""

    teams: dict[str, str] = field(default_factory=dict)
    default_team: str = "agents"
    default_due_hours: float = 24
    escalate_after_hours: float = 4
    remind_every_hours: float = 4
    return_visit_hours: float = 24
    return_visit_categories: tuple[str, ...] = ("complaint",)
    return_visit_priorities: tuple[str, ...] = ("high",)
    second_contact_days: int = 7
    max_note_chars: int = 1000

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "tickets.yml") -> TicketRules:
        """Read the rules file; ConfigFileError (file:line) if it is malformed."""
        raw, _lines = load_config(path, SHAPE)
        values: dict = {"teams": {str(k): str(v) for k, v in raw["teams"].items()}}
        for name in ("default_team",):
            if name in raw:
                values[name] = str(raw[name])
        for name in ("default_due_hours", "escalate_after_hours", "remind_every_hours", "return_visit_hours"):
            if name in raw:
                values[name] = float(raw[name])
        for name in ("second_contact_days", "max_note_chars"):
            if name in raw:
                values[name] = int(raw[name])
        for name in ("return_visit_categories", "return_visit_priorities"):
            if name in raw:
                values[name] = tuple(str(v) for v in raw[name] or ())
        return cls(**values)

    def team_for(self, tags: Sequence[str], category: str = "") -> str:
        """The team owning a ticket of these tags (its first tag is its kind), else of its category."""
        kind = tags[0] if tags else ""
        return self.teams.get(kind) or self.teams.get(category) or self.default_team

    def wants_return_visit(self, category: str, priority: str) -> bool:
        """Whether a resolved ticket of this category and priority gets a return visit (回访)."""
        return category in self.return_visit_categories or priority in self.return_visit_priorities
