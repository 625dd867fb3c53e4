"""The services of this Rasa server process, as its input channels get them.

Rasa builds each input channel itself, calling ``from_credentials(credentials)`` with the
block of credentials.yml: our code never calls those constructors, so it cannot hand them the
services there. Instead the process's entry point (bot/ops/rasa_server.py) builds the one
``Wiring`` of the process and installs it here before Rasa reads credentials.yml; each
``from_credentials`` takes :func:`current` and passes it to its constructor. The constructors
take their services as arguments, so tests build channels directly on their own Redis (and
install their own wiring to test ``from_credentials``).

Nothing here is built on first use: a channel made before a wiring was installed is an error,
not a second connection pool made on the side.
"""
from __future__ import annotations

from dataclasses import dataclass

import redis

from bot.handoff.outbox import Outbox
from bot.handoff.reach import UserReach
from bot.settings import Settings
from bot.wiring import Wiring
from channels.choices import OfferedChoices
from channels.pipeline import Pipeline

_installed: Wiring | None = None


@dataclass(frozen=True)
class ChannelServices:
    """What an input channel uses: the settings, the shared Redis, the outbox and the pipeline to the bot."""

    settings: Settings
    redis: redis.Redis
    outbox: Outbox
    pipeline: Pipeline
    reach: UserReach | None = None  # how users are reached (the web chat's open sockets, held notices)

    @classmethod
    def of(cls, wiring: Wiring) -> ChannelServices:
        """The channels' share of ``wiring``."""
        pipeline = Pipeline(wiring.gate, wiring.intake, choices=OfferedChoices(wiring.redis))
        return cls(wiring.settings, wiring.redis, wiring.outbox, pipeline, wiring.reach)


def install(wiring: Wiring | None) -> Wiring | None:
    """Make ``wiring`` the process's services (None: none); return the one it replaces."""
    global _installed
    previous, _installed = _installed, wiring
    return previous


def current() -> ChannelServices:
    """The channels' services from the installed wiring; RuntimeError when none is installed."""
    if _installed is None:
        raise RuntimeError(
            "no services installed for the input channels: run the Rasa server with "
            "`python -m bot.ops.rasa_server run …` (it installs them), or channels.services.install(Wiring(...))"
        )
    return ChannelServices.of(_installed)
