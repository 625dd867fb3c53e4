"""Language discipline for agent replies: the rules of data/service/language_rules.yml, as warnings."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.datafiles.config_files import SERVICE_DIR, load_mapping
from bot.knowledge.content_checks import LANGUAGE_RULES_SHAPE, count_emoji

RULES_FILE = SERVICE_DIR / "language_rules.yml"


@dataclass(frozen=True)
class LanguageRules:
    """Forbidden phrases with what to say instead, and the emoji limit per message."""

    phrases: tuple[tuple[str, str], ...]
    max_emoji: int

    @classmethod
    def load(cls, path: Path = RULES_FILE) -> LanguageRules:
        """Read the rules file (the same one the bot's own texts are checked against)."""
        raw = load_mapping(path, LANGUAGE_RULES_SHAPE)
        phrases = tuple((str(r["phrase"]), str(r["instead"])) for r in raw.get("forbidden_phrases") or [])
        return cls(phrases=phrases, max_emoji=int(raw.get("max_emoji_per_message", 2)))

    def as_dict(self) -> dict:
        """The JSON form."""
        return {
            "forbidden_phrases": [{"phrase": p, "instead": i} for p, i in self.phrases],
            "max_emoji_per_message": self.max_emoji,
        }

    def check(self, text: str) -> list[dict]:
        """Warnings for ``text``: each forbidden phrase with its alternative, and too many emoji.

        The agent sees them before sending and may still send.
        """
        lowered = (text or "").lower()
        warnings: list[dict] = [
            {"type": "forbidden_phrase", "phrase": phrase, "instead": instead,
             "message": f"says “{phrase}”; say “{instead}” instead"}
            for phrase, instead in self.phrases
            if phrase.lower() in lowered
        ]
        emoji = count_emoji(text)
        if emoji > self.max_emoji:
            warnings.append({"type": "too_many_emoji", "count": emoji, "max": self.max_emoji,
                             "message": f"has {emoji} emoji; at most {self.max_emoji}"})
        return warnings
