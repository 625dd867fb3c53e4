"""Responses a channel gives by itself, from domain.yml through Rasa's NLG, without the tracker store.

Used when a message could not reach the bot because Redis, which holds the trackers, is down:
the response is rendered on a tracker made for the occasion, in the language of the message.
"""
from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language import detect_language

TEMPORARILY_UNAVAILABLE = "utter_temporarily_unavailable"


async def render(agent: Any, response: str, sender: str, channel: str, text: str) -> dict[str, Any] | None:
    """``response`` in the language of ``text``, or None without an agent that can render it."""
    domain, nlg = getattr(agent, "domain", None), getattr(agent, "nlg", None)
    if domain is None or nlg is None:
        return None
    language = detect_language(text)
    events = [SlotSet("language", language)] if language else []
    tracker = DialogueStateTracker.from_events(sender, events, domain.slots)
    return await nlg.generate(response, tracker, channel)


async def tell_unavailable(agent: Any, output: OutputChannel, sender: str, text: str) -> bool:
    """Tell the user that ``text`` did not get through; False when there is no model to say it with."""
    message = await render(agent, TEMPORARILY_UNAVAILABLE, sender, output.name(), text)
    if not message:
        return False
    await output.send_response(sender, message)
    return True
