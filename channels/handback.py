"""Give a conversation back to the bot after an agent resolved it.

Runs inside the Rasa server: the agent's turns are added to the conversation's tracker (so
its history is whole), then the bot is told ``/handoff_resolved`` and answers on the user's
own channel (it welcomes them back and asks for a rating). The choices that turn offers replace
the ones offered before the handoff (channels.choices), so a typed number means the new ones.
"""
from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered

from bot.handoff.outbox import OutboxMessage
from bot.service.ticket_updates import RETURN_VISIT_INTENT
from channels.choices import OfferedChoices, numbered_choices
from channels.resilience import WatchedOutput

HANDBACK_INTENT = "/handoff_resolved"


async def append_agent_turns(agent: Any, message: OutboxMessage) -> None:
    """Write the agent's replies into the Rasa tracker as bot turns marked with the agent's name."""
    if not message.turns:
        return
    async with agent.lock_store.lock(message.conversation_id):
        tracker = await agent.tracker_store.get_or_create_tracker(message.conversation_id)
        for turn in message.turns:
            tracker.update(
                BotUttered(
                    text=str(turn.get("text", "")),
                    metadata={"agent": turn.get("agent") or message.agent, "handoff_id": message.handoff_id},
                    timestamp=turn.get("at"),
                )
            )
        await agent.tracker_store.save(tracker)


async def hand_back(
    agent: Any,
    message: OutboxMessage,
    output_channel: OutputChannel,
    input_channel: str,
    choices: OfferedChoices | None = None,
) -> None:
    """Complete the history, then let the bot close the loop on ``output_channel`` (keeping the choices it offers)."""
    await append_agent_turns(agent, message)
    watched = WatchedOutput(output_channel)
    await agent.handle_message(
        UserMessage(HANDBACK_INTENT, watched, message.conversation_id, input_channel=input_channel)
    )
    if choices is not None:
        await asyncio.to_thread(choices.remember, message.conversation_id, numbered_choices(watched.messages))


async def return_visit(
    agent: Any,
    message: OutboxMessage,
    output_channel: OutputChannel,
    input_channel: str,
    choices: OfferedChoices | None = None,
) -> None:
    """Let the bot make a resolved ticket's return visit (回访) on ``output_channel`` (keeping the choices it offers)."""
    watched = WatchedOutput(output_channel)
    await agent.handle_message(
        UserMessage(RETURN_VISIT_INTENT, watched, message.conversation_id, input_channel=input_channel)
    )
    if choices is not None:
        await asyncio.to_thread(choices.remember, message.conversation_id, numbered_choices(watched.messages))
