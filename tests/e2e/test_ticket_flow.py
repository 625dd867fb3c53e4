"""Tickets on the real stack: a web user's complaint goes to quality, the console's update reaches
the user's open chat, and a day later (simulated) the return visit asks for a rating that is counted."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import urllib.request
import uuid
from typing import Any

import pytest
import redis
import socketio

from bot.analytics import figures
from bot.analytics.periods import Period
from bot.ops.scheduler import jobs_for
from bot.service.feedback import FeedbackStore
from bot.settings import Settings
from bot.wiring import Wiring
from console.users import UserStore

pytestmark = pytest.mark.slow

COMPLAINT = "我要投诉,订单DD2026110500123到现在还没有发货"


def console_call(settings: Settings, method: str, path: str, body: dict | None = None, token: str = "") -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{settings.console_port}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


class Browser:
    """A web chat user on the stack's Rasa server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session_id = uuid.uuid4().hex
        self.client = socketio.AsyncClient(reconnection=False)
        self.heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def open(self) -> None:
        confirmed = asyncio.Event()
        self.client.on("session_confirm", lambda _sid: confirmed.set())
        self.client.on("bot_uttered", self.heard.put_nowait)
        await self.client.connect(f"http://127.0.0.1:{self.settings.rasa_port}", transports=["polling"],
                                  socketio_path="/socket.io")
        await self.client.emit("session_request", {"session_id": self.session_id})
        await asyncio.wait_for(confirmed.wait(), 10)

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def settles(self, quiet: float = 3.0, timeout: float = 60) -> list[str]:
        """What the bot says until it has been quiet for ``quiet`` seconds (after saying something)."""
        said: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = await asyncio.wait_for(self.heard.get(), quiet if said else timeout)
            except asyncio.TimeoutError:
                break
            said.append(message.get("text", ""))
        return said

    async def hears(self, needle: str, timeout: float = 60) -> str:
        """Wait for a bot message containing ``needle``; return its text."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                message = await asyncio.wait_for(self.heard.get(), max(0.1, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
            seen.append(message.get("text", ""))
            if needle in seen[-1]:
                return seen[-1]
        raise AssertionError(f"never heard {needle!r}; heard {seen}")


async def _journey(settings: Settings, client: redis.Redis) -> dict[str, Any]:
    wiring = Wiring(settings, client)
    UserStore(client, cost=2 ** 8).add("qa1", "password-123", "agent", "品控小李")
    UserStore(client).set_teams("qa1", ["quality"])
    user = Browser(settings)
    await user.open()
    conversation = []
    for text in (COMPLAINT, "对", "1"):  # complain, confirm the restatement, take the first remedy
        await user.say(text)
        conversation += await user.settles()
    tickets = wiring.tickets.for_conversation(user.session_id)
    assert len(tickets) == 1, conversation
    ticket = tickets[0]
    assert ticket.team == "quality" and any(ticket.ticket_id in said for said in conversation), conversation

    token = console_call(settings, "POST", "/api/login", {"username": "qa1", "password": "password-123"})["token"]
    listed = console_call(settings, "GET", "/api/tickets?team=quality", token=token)
    assert ticket.ticket_id in [t["ticket_id"] for t in listed["tickets"]]
    changed = console_call(settings, "POST", f"/api/tickets/{ticket.ticket_id}/status",
                           {"status": "in_progress", "note": "已联系仓库"}, token=token)
    assert changed["delivery"]["how"] == "sent"
    progress = await user.hears(ticket.ticket_id)
    console_call(settings, "POST", f"/api/tickets/{ticket.ticket_id}/status",
                 {"status": "resolved", "note": "订单已于今天发出。"}, token=token)
    resolved = await user.hears("订单已于今天发出")

    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=25)
    done = jobs_for(wiring, clock=lambda: later).run_once()
    assert done.return_visits == [ticket.ticket_id]
    question = await user.hears(ticket.ticket_id)
    await user.say("4")
    thanks = await user.settles()
    for _ in range(100):
        rated = [r for r in FeedbackStore(client).ratings_between(0) if r.ticket_id == ticket.ticket_id]
        if rated:
            break
        await asyncio.sleep(0.1)
    await user.client.eio.disconnect(abort=True)  # not waiting for the long poll under way
    now = time.time()
    week = figures.compute(client, Period(now - 86400, now + 60))
    return {"progress": progress, "resolved": resolved, "question": question, "rated": rated, "thanks": thanks,
            "return_visits": week["tickets"]["return_visits"]}


def test_a_complaint_goes_to_quality_the_user_hears_each_update_and_the_return_visit_is_counted(stack, settings):
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    result = asyncio.run(_journey(settings, client))
    assert "品控部" in result["progress"]  # the team, in the user's language
    assert "回访" in result["question"]
    assert result["thanks"], "the rating was not thanked for"
    assert [r.rating for r in result["rated"]] == [4]
    assert result["return_visits"] == {"visits": 1, "ratings": 1, "average": 4.0}
