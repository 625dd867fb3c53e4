"""/api/tickets…: the tickets of the caller's teams, one ticket with its conversation, and changes."""
from __future__ import annotations

import asyncio
import re

from aiohttp import web

from console.context import user_of
from console.errors import bad_request, not_found
from console.inputs import int_query, read_json
from console.ticket_desk import TicketDesk

DESK = web.AppKey("ticket_desk", TicketDesk)
_TICKET_ID = re.compile(r"^T\d{8,16}$")


def _ticket_id(request: web.Request) -> str:
    value = request.match_info.get("id", "")
    if not _TICKET_ID.match(value):
        raise not_found(f"no ticket {value[:40]!r}")
    return value


def _optional_text(body: dict, name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise bad_request(f"'{name}' must be a string")
    return value.strip()


def _flag(body: dict, name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise bad_request(f"'{name}' must be true or false")
    return value


async def list_tickets(request: web.Request) -> web.Response:
    """``?team=&status=&due=overdue|today&limit=``: the tickets the caller may see, newest first."""
    desk, user = request.app[DESK], user_of(request)
    query = request.query
    limit = int_query(request, "limit", 200, 1, 1000)
    result = await asyncio.to_thread(
        desk.list, user, query.get("team", ""), query.get("status", ""), query.get("due", ""), limit
    )
    return web.json_response(result)


async def get_ticket(request: web.Request) -> web.Response:
    """The ticket, its history and its conversation's handoffs (personal data masked)."""
    desk, user = request.app[DESK], user_of(request)
    return web.json_response(await asyncio.to_thread(desk.detail, _ticket_id(request), user))


async def assign(request: web.Request) -> web.Response:
    """``{assignee}``: give the ticket to a console user ("" gives it back to the team)."""
    tid = _ticket_id(request)
    assignee = _optional_text(await read_json(request), "assignee")
    desk, user = request.app[DESK], user_of(request)
    return web.json_response(await asyncio.to_thread(desk.assign, tid, user, assignee))


async def change_status(request: web.Request) -> web.Response:
    """``{status, note?, tell_user?}``: move the ticket; the user is told unless tell_user is false."""
    tid = _ticket_id(request)
    body = await read_json(request)
    status = _optional_text(body, "status")
    if not status:
        raise bad_request("'status' is required")
    note, tell_user = _optional_text(body, "note"), _flag(body, "tell_user", True)
    desk, user = request.app[DESK], user_of(request)
    return web.json_response(await asyncio.to_thread(desk.change_status, tid, user, status, note, tell_user))


async def add_note(request: web.Request) -> web.Response:
    """``{text, tell_user?}``: a note on the ticket; with tell_user it is also sent to the user."""
    tid = _ticket_id(request)
    body = await read_json(request)
    text = _optional_text(body, "text")
    if not text:
        raise bad_request("'text' is required and must be a non-empty string")
    tell_user = _flag(body, "tell_user", False)
    desk, user = request.app[DESK], user_of(request)
    return web.json_response(await asyncio.to_thread(desk.add_note, tid, user, text, tell_user), status=201)


def add_routes(router: web.UrlDispatcher) -> None:
    """Register the ticket routes."""
    router.add_get("/api/tickets", list_tickets)
    router.add_get("/api/tickets/{id}", get_ticket)
    router.add_post("/api/tickets/{id}/assign", assign)
    router.add_post("/api/tickets/{id}/status", change_status)
    router.add_post("/api/tickets/{id}/notes", add_note)
