"""Ticket news on the web chat: live while the chat is open, else at the user's next visit."""
from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import socketio

from bot.service import ticket_tags
from bot.service.ticket_messages import NOTE_RESPONSE, STATUS_RESPONSES
from bot.service.ticket_updates import RETURN_VISIT_INTENT
from channels.web import WebChatInput
from tests.channels.conftest import ScriptedBot, serve_channel


@asynccontextmanager
async def opened_chat(base: str, session_id: str) -> AsyncIterator[asyncio.Queue]:
    """A browser opening the chat of ``session_id``; yields what the bot says to it."""
    client = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    client.on("session_confirm", lambda _session: confirmed.set())
    client.on("bot_uttered", received.put_nowait)
    await client.connect(base, transports=["polling"], socketio_path="/socket.io")
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 10)
        yield received
    finally:
        await client.eio.disconnect(abort=True)


def complaint(wiring, session_id):
    wiring.reach.user_wrote(session_id, "socketio", "en")
    return wiring.tickets.create(session_id, "complaint", "normal", "lost parcel", dt.timedelta(hours=24),
                                 tags=(ticket_tags.COMPLAINT,))


async def test_an_open_chat_hears_the_news_at_once(services, wiring):
    session_id = uuid.uuid4().hex
    ticket = complaint(wiring, session_id)
    async with serve_channel(WebChatInput(services), ScriptedBot()) as base, opened_chat(base, session_id) as heard:
        changed = wiring.tickets.change_status(ticket.ticket_id, "in_progress", "qa1")
        delivery = await asyncio.to_thread(wiring.ticket_updates.tell, changed, STATUS_RESPONSES["in_progress"])
        assert delivery.how == "sent"
        message = await asyncio.wait_for(heard.get(), 10)
    assert ticket.ticket_id in message["text"] and "quality team" in message["text"]


async def test_a_closed_chat_hears_the_news_and_the_return_visit_at_the_next_visit(services, wiring):
    session_id = uuid.uuid4().hex
    ticket = complaint(wiring, session_id)
    delivery = wiring.ticket_updates.tell(ticket, NOTE_RESPONSE, "Your refund was sent today.")
    assert delivery.how == "next_visit"
    assert wiring.ticket_updates.return_visit(ticket).how == "next_visit"
    bot = ScriptedBot()
    async with serve_channel(WebChatInput(services), bot) as base, opened_chat(base, session_id) as heard:
        message = await asyncio.wait_for(heard.get(), 10)
        for _ in range(50):
            if bot.messages:
                break
            await asyncio.sleep(0.1)
    assert "Your refund was sent today." in message["text"] and ticket.ticket_id in message["text"]
    assert [(m.text, m.sender_id) for m in bot.messages] == [(RETURN_VISIT_INTENT, session_id)]
    assert wiring.reach.take_for_visit(session_id) == []  # shown once, not again at the visit after
