"""When the action server is down, the user still gets an answer: an apology and a person.

Rasa carries on when a custom action cannot be reached, and the user would see half a
conversation (a "was that helpful?" without the answer) or nothing. So before a message goes
to Rasa, the channels' pipeline (channels.pipeline) checks the action server (cached for a
second); if it is down, the message is recorded in the tracker, the bot apologises, and the
conversation is handed to a person the usual way (queued, or a call-back ticket when nobody
is on duty). A turn that found the action server gone half-way (it died within the second the
check is remembered) and so said nothing gets the same apology. When the action server is back,
the next message goes to Rasa as always.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import EventVerbosity

from bot.handoff.intake import HandoffIntake

logger = logging.getLogger(__name__)

HEALTH_CACHE_SECONDS = 1.0
HEALTH_TIMEOUT_SECONDS = 1.0
_last_check: dict[str, tuple] = {}


async def actions_available(agent: Any, fresh: bool = False) -> bool:
    """The action server answers its health check (remembered for a second unless ``fresh``)."""
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or not getattr(endpoint, "url", None):
        return True
    url = endpoint.url.rsplit("/", 1)[0] + "/health"
    cached = _last_check.get(url)
    if cached and not fresh and time.monotonic() - cached[0] < HEALTH_CACHE_SECONDS:
        return cached[1]
    try:
        timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            healthy = response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        healthy = False
    _last_check[url] = (time.monotonic(), healthy)
    return healthy


async def apologise_and_hand_over(
    agent: Any, message: UserMessage, desk: HandoffIntake, recorded: bool = False
) -> None:
    """Record the message (unless Rasa already has: ``recorded``), apologise and hand over, without the action server."""
    parse = await agent.parse_message(message.text)
    async with agent.lock_store.lock(message.sender_id):
        tracker = await agent.tracker_store.get_or_create_tracker(message.sender_id)
        if not recorded:
            tracker.update(UserUttered(message.text, parse_data=parse, input_channel=message.input_channel))
        language = next((e["value"] for e in parse.get("entities", []) if e.get("entity") == "language"), None)
        if language in ("zh", "en"):
            tracker.update(SlotSet("language", language))
        state = tracker.current_state(EventVerbosity.AFTER_RESTART)
        outcome = await asyncio.to_thread(
            desk.request,
            conversation_id=message.sender_id,
            channel=message.input_channel or "rest",
            events=state["events"],
            slots=state["slots"],
            latest_message=state["latest_message"],
            reason="technical_failure",
        )
        name, values = outcome.response()
        for response, extra in (("utter_technical_difficulty", {}), (name, values)):
            generated = await agent.nlg.generate(response, tracker, message.output_channel.name(), **extra)
            if generated:
                tracker.update(BotUttered(generated.get("text"), data={k: v for k, v in generated.items() if k != "text"}))
                await message.output_channel.send_response(message.sender_id, generated)
        await agent.tracker_store.save(tracker)


class WatchedOutput(OutputChannel):
    """An output channel that counts what the bot sent through it (to tell a turn that said nothing)."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0
        self.messages: list[dict[str, Any]] = []  # what was sent, for the choices it offered

    def name(self) -> str:  # the wrapped channel's name, per instance
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        self.messages.append(dict(message))  # a copy: Rasa's send_response pops the text and buttons
        await self.inner.send_response(recipient_id, message)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)
