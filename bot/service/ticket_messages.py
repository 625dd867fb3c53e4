"""The texts that tell a user about their ticket (过程同步), from domain.yml's responses.

They are sent from the console and the scheduler, outside a conversation turn, so they are
rendered here rather than by Rasa: the variation for the user's language (the one conditioned
on the ``language`` slot, else the default), with ``{name}`` placeholders filled from values.
"""
from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

# The response for each status a user hears about; other statuses are not announced.
STATUS_RESPONSES = {
    "in_progress": "utter_ticket_in_progress",
    "waiting_user": "utter_ticket_waiting_user",
    "follow_up_due": "utter_ticket_follow_up",
    "resolved": "utter_ticket_resolved",
    "closed": "utter_ticket_closed",
}
NOTE_RESPONSE = "utter_ticket_note"


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


class ResponseTemplates:
    """domain.yml's responses by name, rendered per language."""

    def __init__(self, responses: Mapping[str, list[Mapping[str, Any]]]) -> None:
        self._responses = dict(responses)

    @classmethod
    def load(cls, path: Path) -> ResponseTemplates:
        """Read the responses of a domain file."""
        with path.open(encoding="utf-8") as handle:
            domain = yaml.safe_load(handle) or {}
        return cls(domain.get("responses") or {})

    def __contains__(self, name: str) -> bool:
        return name in self._responses

    def render(self, name: str, language: str, values: Mapping[str, Any]) -> str:
        """The text of ``name`` in ``language`` with ``values`` filled in; KeyError for an unknown name."""
        variations = self._responses[name]
        chosen = next((v for v in variations if _language_of(v) == language), None)
        chosen = chosen or next((v for v in variations if not v.get("condition")), variations[0])
        text = str(chosen.get("text", ""))
        filled = string.Formatter().vformat(text, (), _Blank({k: str(v) for k, v in values.items()}))
        return " ".join(filled.split(" ")).strip()


def _language_of(variation: Mapping[str, Any]) -> str | None:
    conditions = variation.get("condition") or []
    languages = [c.get("value") for c in conditions if c.get("name") == "language"]
    return str(languages[0]) if len(conditions) == 1 and languages else None
