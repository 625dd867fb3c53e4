"""/api/agents…: who the agents are, what languages they speak (handoffs are routed by them), who is online."""
from __future__ import annotations

import asyncio

from aiohttp import web

from console.context import console_of, user_of
from console.errors import bad_request, forbidden, not_found
from console.inputs import read_json
from console.users import UserError, normalize_username


async def list_agents(request: web.Request) -> web.Response:
    """Every console user with role, languages and whether they are online."""
    console = console_of(request)

    def find():
        online = set(console.presence.online())
        return [{**u.as_dict(), "online": u.username in online} for u in console.users.all()]

    return web.json_response({"agents": await asyncio.to_thread(find)})


async def set_languages(request: web.Request) -> web.Response:
    """``{languages: ["en", "zh"]}``: what an agent speaks; a supervisor for anyone, an agent for themself."""
    console, caller = console_of(request), user_of(request)
    name = normalize_username(request.match_info.get("name", ""))
    body = await read_json(request)
    languages = body.get("languages")
    if not isinstance(languages, list) or not all(isinstance(code, str) for code in languages):
        raise bad_request("'languages' must be a list of language codes, e.g. [\"en\", \"zh\"] ([] for the default)")
    if name != caller.username and not caller.is_supervisor:
        raise forbidden("only a supervisor may change another user's languages")

    def change():
        if console.users.get(name) is None:
            raise not_found(f"no user {name[:40]!r}")
        try:
            user = console.users.set_languages(name, languages)
        except UserError as error:
            raise bad_request(str(error)) from None
        if name in set(console.presence.online()):
            console.presence.touch(user.username, user.languages)  # routing sees it at once
        return user

    user = await asyncio.to_thread(change)
    return web.json_response(user.as_dict())


def add_routes(router: web.UrlDispatcher) -> None:
    """Register the agent routes."""
    router.add_get("/api/agents", list_agents)
    router.add_put("/api/agents/{name}/languages", set_languages)
