"""/api/handoffs…: the queue, one handoff, and what an agent does with it."""
from __future__ import annotations

import asyncio
from dataclasses import asdict

from aiohttp import web

from console.context import console_of, user_of
from console.errors import bad_request
from console.inputs import handoff_id, parse_time, read_json, text_field


async def list_handoffs(request: web.Request) -> web.Response:
    """The queue, the caller's own handoffs and (supervisors) the team's."""
    desk, user = console_of(request).desk, user_of(request)
    return web.json_response(await asyncio.to_thread(desk.overview, user))


async def get_handoff(request: web.Request) -> web.Response:
    """Record, transcript (personal data masked), suggestions, alerts and what the caller may do."""
    desk, user = console_of(request).desk, user_of(request)
    return web.json_response(await asyncio.to_thread(desk.detail, handoff_id(request), user))


async def claim(request: web.Request) -> web.Response:
    """Take a queued handoff; of concurrent claims exactly one gets 200, the others 409."""
    desk, user = console_of(request).desk, user_of(request)
    record = await asyncio.to_thread(desk.claim, handoff_id(request), user)
    return web.json_response({"handoff": asdict(record)})


async def post_message(request: web.Request) -> web.Response:
    """``{text}``: reply to the user (assigned agent or a supervisor)."""
    hid = handoff_id(request)
    text = text_field(await read_json(request), "text")
    desk, user = console_of(request).desk, user_of(request)
    turn = await asyncio.to_thread(desk.reply, hid, user, text)
    return web.json_response({"turn": asdict(turn)}, status=201)


async def post_note(request: web.Request) -> web.Response:
    """``{text}``: an internal note, never sent to the user."""
    hid = handoff_id(request)
    text = text_field(await read_json(request), "text")
    desk, user = console_of(request).desk, user_of(request)
    turn = await asyncio.to_thread(desk.note, hid, user, text)
    return web.json_response({"turn": asdict(turn)}, status=201)


async def transfer(request: web.Request) -> web.Response:
    """``{to}``: hand the conversation to a supervisor."""
    hid = handoff_id(request)
    to = text_field(await read_json(request), "to", max_length=64)
    desk, user = console_of(request).desk, user_of(request)
    record = await asyncio.to_thread(desk.transfer, hid, user, to)
    return web.json_response({"handoff": asdict(record)})


async def resolve(request: web.Request) -> web.Response:
    """``{outcome: resolved|follow_up, follow_up_at?}``: close and hand back to the bot."""
    hid = handoff_id(request)
    body = await read_json(request)
    outcome = body.get("outcome", "resolved")
    if not isinstance(outcome, str):
        raise bad_request("'outcome' must be resolved or follow_up")
    follow_up_at = parse_time(body.get("follow_up_at"), "follow_up_at") if outcome == "follow_up" else None
    desk, user = console_of(request).desk, user_of(request)
    record = await asyncio.to_thread(desk.resolve, hid, user, outcome, follow_up_at)
    return web.json_response({"handoff": asdict(record)})


def add_routes(router: web.UrlDispatcher) -> None:
    """Register the handoff routes."""
    router.add_get("/api/handoffs", list_handoffs)
    router.add_get("/api/handoffs/{id}", get_handoff)
    router.add_post("/api/handoffs/{id}/claim", claim)
    router.add_post("/api/handoffs/{id}/messages", post_message)
    router.add_post("/api/handoffs/{id}/notes", post_note)
    router.add_post("/api/handoffs/{id}/transfer", transfer)
    router.add_post("/api/handoffs/{id}/resolve", resolve)
