"""Which online agents a waiting handoff is offered to, and why (data/service/routing.yml).

Pure functions: the facts of a handoff, the agents online with their languages, the rules and
the time go in; who the handoff is offered to, with a reason for each, comes out. The console
lists and claims by it; the intake counts the user's place in the queue and wait by it.

Stages, by how long the handoff has waited:
  1. a VIP customer's dedicated agent, when online, has it alone for ``dedicated_agent_seconds``;
  2. then the online agents who speak the user's language, and the dedicated agent;
     when that is nobody, every online agent at once (nobody waits for an absent speaker);
  3. from the language's fallback wait on, every online agent.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.datafiles.config_files import SERVICE_DIR, config_error, load_config
from bot.datafiles.yaml_shapes import NUMBER, TEXT, Fields, ListOf, MapOf
from bot.handoff.presence import OnlineAgent
from bot.handoff.store import HandoffRecord
from bot.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

# Why a handoff is offered to an agent, strongest first (labels.yml, kind ``routing``).
DEDICATED_AGENT = "dedicated_agent"
SPEAKS_LANGUAGE = "speaks_language"
NO_SPEAKER_ONLINE = "no_speaker_online"
WAITED = "waited"
NOT_OFFERED = "not_offered"
REASONS = (DEDICATED_AGENT, SPEAKS_LANGUAGE, NO_SPEAKER_ONLINE, WAITED, NOT_OFFERED)

SHAPE = Fields({
    "fallback_seconds": NUMBER,
    "fallback_seconds_by_language": MapOf(NUMBER),
    "dedicated_agent_seconds": NUMBER,
    "default_agent_languages": ListOf(TEXT),
})


@dataclass(frozen=True)
class RoutingRules:
    """How long a handoff waits for its first agents, and what an agent speaks by default."""

    fallback_seconds: float = 120.0
    fallback_by_language: Mapping[str, float] = field(default_factory=dict)
    dedicated_agent_seconds: float = 60.0
    default_agent_languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)

    @classmethod
    def load(cls, path: Path = SERVICE_DIR / "routing.yml") -> RoutingRules:
        """Read the routing rules; ConfigFileError (file:line) for a negative wait or an unknown language."""
        raw, lines = load_config(path, SHAPE)
        raw = raw or {}
        for keys in (["fallback_seconds"], ["dedicated_agent_seconds"]):
            if keys[0] in raw and raw[keys[0]] < 0:
                raise config_error(lines, keys, f"{keys[0]} must be 0 or more seconds")
        by_language = dict(raw.get("fallback_seconds_by_language") or {})
        for language, seconds in by_language.items():
            if language not in SUPPORTED_LANGUAGES:
                raise config_error(lines, ["fallback_seconds_by_language", language], (
                    f"unknown language '{language}'; use one of {', '.join(SUPPORTED_LANGUAGES)}"))
            if seconds < 0:
                raise config_error(lines, ["fallback_seconds_by_language", language], "must be 0 or more seconds")
        defaults = tuple(str(language) for language in raw.get("default_agent_languages") or (DEFAULT_LANGUAGE,))
        unknown = [language for language in defaults if language not in SUPPORTED_LANGUAGES]
        if unknown:
            raise config_error(lines, ["default_agent_languages"], (
                f"unknown language '{unknown[0]}'; use {' or '.join(SUPPORTED_LANGUAGES)}"))
        return cls(
            fallback_seconds=float(raw.get("fallback_seconds", 120)),
            fallback_by_language={str(k): float(v) for k, v in by_language.items()},
            dedicated_agent_seconds=float(raw.get("dedicated_agent_seconds", 60)),
            default_agent_languages=defaults,
        )

    def with_fallback(self, seconds: float | None) -> RoutingRules:
        """Every language falls back after ``seconds`` (ROUTING_FALLBACK_SECONDS); unchanged if None."""
        if seconds is None:
            return self
        return replace(self, fallback_seconds=seconds, fallback_by_language={})

    def fallback_for(self, language: str) -> float:
        """Seconds a handoff in ``language`` waits before every online agent sees it."""
        return self.fallback_by_language.get(language, self.fallback_seconds)

    def languages_of(self, agent: OnlineAgent) -> tuple[str, ...]:
        """What ``agent`` speaks: their own languages, or the default ones when they named none."""
        return agent.languages or self.default_agent_languages


@dataclass(frozen=True)
class HandoffFacts:
    """What routing needs to know of a handoff."""

    handoff_id: str
    language: str
    created_at: float
    dedicated_agent: str = ""

    @classmethod
    def of(cls, record: HandoffRecord) -> HandoffFacts:
        """The facts of a stored handoff; the dedicated agent comes from the customer profile."""
        profile: Mapping[str, Any] = record.profile or {}
        return cls(record.handoff_id, record.language or DEFAULT_LANGUAGE, record.created_at,
                   str(profile.get("dedicated_agent") or ""))


@dataclass(frozen=True)
class Routing:
    """Who a handoff is offered to now, why, and when it is (or was) offered to every online agent."""

    language: str
    offers: Mapping[str, str]  # username → reason, only for the agents it is offered to
    open_to_all_at: float
    dedicated_agent: str = ""

    def offered_to(self, username: str) -> bool:
        """The handoff is in ``username``'s queue now."""
        return username in self.offers

    def reason_for(self, username: str) -> str:
        """Why the handoff is in ``username``'s queue, or ``not_offered``."""
        return self.offers.get(username, NOT_OFFERED)

    def view_for(self, username: str) -> dict[str, Any]:
        """The JSON the console shows beside a queue row."""
        return {
            "offered": self.offered_to(username),
            "reason": self.reason_for(username),
            "language": self.language,
            "open_to_all_at": self.open_to_all_at,
            "dedicated_agent": self.dedicated_agent,
        }


def route(facts: HandoffFacts, agents: Iterable[OnlineAgent], rules: RoutingRules, now: float) -> Routing:
    """Who among the online ``agents`` the handoff is offered to at ``now``, with the reason for each."""
    agents = list(agents)
    waited = now - facts.created_at
    fallback = rules.fallback_for(facts.language)
    online = {agent.username for agent in agents}
    dedicated = facts.dedicated_agent if facts.dedicated_agent in online else ""
    speakers = {a.username for a in agents if facts.language in rules.languages_of(a)}
    first: dict[str, str] = {name: SPEAKS_LANGUAGE for name in sorted(speakers)}
    if dedicated:
        first[dedicated] = DEDICATED_AGENT
    open_to_all_at = facts.created_at + fallback
    if waited < fallback and dedicated and waited < rules.dedicated_agent_seconds:
        offers: dict[str, str] = {dedicated: DEDICATED_AGENT}
    elif waited < fallback and first:
        offers = first
    else:
        if waited < fallback:  # nobody online speaks it: everyone now
            open_to_all_at = min(open_to_all_at, now)
        everyone = NO_SPEAKER_ONLINE if not first else WAITED
        offers = {name: first.get(name, everyone) for name in sorted(online)}
    return Routing(facts.language, offers, open_to_all_at, facts.dedicated_agent)


@dataclass(frozen=True)
class Place:
    """Where a waiting user stands: among the handoffs ahead that the same agents may take."""

    position: int
    agents: int  # online agents the handoff is offered to


def place_in_queue(
    queue: Sequence[HandoffFacts], handoff_id: str, agents: Sequence[OnlineAgent], rules: RoutingRules, now: float
) -> Place | None:
    """The place of ``handoff_id`` in ``queue`` (priority order), counting only the handoffs ahead of it
    that are offered to one of its agents; None if it is not queued.

    With none of its agents online every handoff ahead counts (whoever comes takes them in order).
    """
    ahead: list[HandoffFacts] = []
    for facts in queue:
        if facts.handoff_id == handoff_id:
            mine = set(route(facts, agents, rules, now).offers)
            if not mine:
                return Place(position=len(ahead) + 1, agents=0)
            competing = sum(1 for other in ahead if mine & set(route(other, agents, rules, now).offers))
            return Place(position=competing + 1, agents=len(mine))
        ahead.append(facts)
    return None
