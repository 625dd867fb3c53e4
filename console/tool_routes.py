"""/api/suggestions, /api/language-rules, /api/check-text, /api/labels and /api/stats: help for writing and figures."""
from __future__ import annotations

import asyncio

from aiohttp import web

from bot.language import SUPPORTED_LANGUAGES
from console.context import console_of
from console.errors import ApiError, bad_request
from console.inputs import checked_handoff_id, int_query, parse_time, read_json, text_field
from console.stats import compute_stats


async def suggestions(request: web.Request) -> web.Response:
    """Knowledge-base answers for ``q`` or for the user's last messages in ``handoff_id``."""
    desk = console_of(request).desk
    lang = request.query.get("lang") or None
    if lang is not None and lang not in SUPPORTED_LANGUAGES:
        raise bad_request(f"'lang' must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    limit = int_query(request, "limit", default=3, low=1, high=10)
    query, hid = request.query.get("q", "").strip(), request.query.get("handoff_id", "").strip()
    if query:
        found = await asyncio.to_thread(desk.suggest, query[:1000], lang, limit)
    elif hid:
        found = await asyncio.to_thread(desk.suggest_for, checked_handoff_id(hid), limit)
    else:
        raise bad_request("give 'q' (text to match) or 'handoff_id' (match the user's last messages)")
    return web.json_response({"suggestions": found})


async def language_rules(request: web.Request) -> web.Response:
    """Forbidden phrases with their alternatives, and the emoji limit."""
    rules = console_of(request).rules
    if rules is None:
        raise ApiError(503, "the language rules could not be loaded")
    return web.json_response(rules.as_dict())


async def check_text(request: web.Request) -> web.Response:
    """``{text}`` → warnings to show before sending (the agent may still send)."""
    text = text_field(await read_json(request), "text")
    rules = console_of(request).rules
    if rules is None:
        raise ApiError(503, "the language rules could not be loaded")
    return web.json_response({"warnings": rules.check(text)})


async def labels(request: web.Request) -> web.Response:
    """The names of categories, priorities, reasons, tags … in zh and en (data/service/labels.yml)."""
    loaded = console_of(request).labels
    if loaded is None:
        raise ApiError(503, "the labels could not be loaded")
    return web.json_response(loaded.as_dict())


async def stats(request: web.Request) -> web.Response:
    """Queue, handling times, reasons, satisfaction and agents online; ``since`` limits history."""
    console = console_of(request)
    raw_since = request.query.get("since")
    since = parse_time(raw_since, "since") if raw_since else None
    return web.json_response(await asyncio.to_thread(compute_stats, console.redis, console.clock(), since))


def add_routes(router: web.UrlDispatcher) -> None:
    """Register the helper routes."""
    router.add_get("/api/suggestions", suggestions)
    router.add_get("/api/language-rules", language_rules)
    router.add_post("/api/check-text", check_text)
    router.add_get("/api/labels", labels)
    router.add_get("/api/stats", stats)
