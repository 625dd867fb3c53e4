"""When the action server is down, the user still gets an answer: an apology and a person.

Rasa carries on when a custom action cannot be reached, and the user would see half a
conversation (a "was that helpful?" without the answer) or nothing. So before a message goes
to Rasa, the channels' pipeline (channels.pipeline) checks the action server (cached for a
second); if it is down, the message is recorded in the tracker, the bot apologises, and the
conversation is handed to a person the usual way (queued, or a call-back ticket when nobody
is on duty). When the action server is back, the next message goes to Rasa as always.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import EventVerbosity

from bot.handoff.intake import HandoffIntake

logger = logging.getLogger(__name__)

HEALTH_CACHE_SECONDS = 1.0
HEALTH_TIMEOUT_SECONDS = 1.0
_last_check: dict[str, tuple] = {}


async def actions_available(agent: Any) -> bool:
    """The action server answers its health check (remembered for a second)."""
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or not getattr(endpoint, "url", None):
        return True
    url = endpoint.url.rsplit("/", 1)[0] + "/health"
    cached = _last_check.get(url)
    if cached and time.monotonic() - cached[0] < HEALTH_CACHE_SECONDS:
        return cached[1]
    try:
        timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            healthy = response.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        healthy = False
    _last_check[url] = (time.monotonic(), healthy)
    return healthy


async def apologise_and_hand_over(agent: Any, message: UserMessage, desk: HandoffIntake) -> None:
    """Record the message, apologise and hand over, all without the action server."""
    parse = await agent.parse_message(message.text)
    async with agent.lock_store.lock(message.sender_id):
        tracker = await agent.tracker_store.get_or_create_tracker(message.sender_id)
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
