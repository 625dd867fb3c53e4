"""The complaint playbook: recognise the complaint type, restate it, offer fitting remedies."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.datafiles.config_files import SERVICE_DIR, config_error, load_config
from bot.datafiles.yaml_shapes import TEXT, WHOLE, Fields, ListOf, MapOf
from bot.language import localized

GENERAL = "general"

_REMEDY_TEXT = Fields({"title": TEXT, "detail": TEXT, "risk": TEXT}, required=("title", "detail", "risk"))
SHAPE = Fields({
    "feedback_hours": WHOLE,
    "remedies": MapOf(Fields(
        {"keywords": ListOf(TEXT), "zh": _REMEDY_TEXT, "en": _REMEDY_TEXT}, required=("zh", "en"),
    )),
    "types": ListOf(Fields({
        "id": TEXT,
        "keywords": MapOf(ListOf(TEXT)),
        "topic": MapOf(TEXT),
        "remedies": ListOf(TEXT),
    }, required=("id", "topic"))),
})


@dataclass(frozen=True)
class Remedy:
    """A remedy the bot may offer: title, what it means and what may go wrong, per language."""

    remedy_id: str
    texts: Mapping[str, Mapping[str, str]]
    keywords: tuple[str, ...] = ()

    def text(self, field: str, language: str | None) -> str:
        """``field`` (title | detail | risk) in ``language``."""
        return localized(self.texts, language)[field]


@dataclass(frozen=True)
class ComplaintType:
    """A kind of complaint with the words that recognise it and its remedies."""

    type_id: str
    keywords: tuple[str, ...]
    topics: Mapping[str, str]
    remedy_ids: tuple[str, ...]


class ComplaintPlaybook:
    """What `data/service/complaints.yml` says, with lookups."""

    def __init__(self, types: list[ComplaintType], remedies: dict[str, Remedy], feedback_hours: int) -> None:
        self.types = types
        self.remedies = remedies
        self.feedback_hours = feedback_hours
        self._by_id = {t.type_id: t for t in types}

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "complaints.yml") -> ComplaintPlaybook:
        """Read and check the playbook."""
        raw, lines = load_config(path, SHAPE)
        remedies = {
            str(rid): Remedy(str(rid), {k: v for k, v in entry.items() if k != "keywords"},
                             tuple(str(w).lower() for w in entry.get("keywords") or ()))
            for rid, entry in (raw.get("remedies") or {}).items()
        }
        types = []
        for index, entry in enumerate(raw.get("types") or []):
            keywords = entry.get("keywords") or {}
            complaint_type = ComplaintType(
                type_id=str(entry["id"]),
                keywords=tuple(str(w).lower() for words in keywords.values() for w in words),
                topics=entry["topic"],
                remedy_ids=tuple(str(r) for r in entry.get("remedies") or ()),
            )
            unknown = [r for r in complaint_type.remedy_ids if r not in remedies]
            if unknown or not 2 <= len(complaint_type.remedy_ids) <= 3:
                raise config_error(lines, ["types", index, "remedies"], (
                    f"type '{complaint_type.type_id}' needs 2–3 remedies listed under 'remedies:', "
                    f"got {list(complaint_type.remedy_ids)}" + (f"; unknown: {unknown}" if unknown else "")))
            types.append(complaint_type)
        if GENERAL not in {t.type_id for t in types}:
            raise config_error(lines, ["types"], f"a '{GENERAL}' type is required as the fallback")
        return cls(types, remedies, int(raw.get("feedback_hours", 24)))

    def get(self, type_id: str | None) -> ComplaintType:
        """The type with ``type_id``, or the general one."""
        return self._by_id.get(type_id or "", self._by_id[GENERAL])

    def classify(self, text: str) -> ComplaintType:
        """The type whose longest keyword found in the text is the longest, the first in file order on a tie.

        The longest match is the most specific: "退款还没到" is a late refund, not the late
        delivery that "没到" alone would say; "没发货" is not shipped, not "not delivered".
        """
        lowered = (text or "").lower()
        best, best_length = self._by_id[GENERAL], 0
        for complaint_type in self.types:
            length = max((len(word) for word in complaint_type.keywords if word in lowered), default=0)
            if length > best_length:
                best, best_length = complaint_type, length
        return best

    def remedies_for(self, complaint_type: ComplaintType) -> list[Remedy]:
        """The 2–3 remedies to offer for ``complaint_type``."""
        return [self.remedies[r] for r in complaint_type.remedy_ids]

    def match_remedy(self, text: str, offered: list[str]) -> str | None:
        """Which offered remedy the user chose: its number (1-3), id, title or one of its keywords."""
        answer = (text or "").strip().lower().rstrip("。.!! ")  # noqa: B005 - a set of end marks, meant
        if not answer:
            return None
        if answer.isdigit():
            return offered[int(answer) - 1] if 1 <= int(answer) <= len(offered) else None
        for remedy_id in offered:
            remedy = self.remedies[remedy_id]
            titles = [remedy.text("title", language).lower() for language in remedy.texts]
            if answer == remedy_id or answer in titles or any(word in answer for word in remedy.keywords):
                return remedy_id
        return None
