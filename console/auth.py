"""Who is calling: bearer tokens on every /api/ route but login; login, logout, me, supervisors."""
from __future__ import annotations

import asyncio

from aiohttp import web

from console.context import TOKEN, USER, console_of, user_of
from console.errors import ApiError, Handler, bad_request, unauthorized
from console.inputs import read_json
from console.login_attempts import LoginAttempts

PUBLIC = frozenset({"/api/login"})
# Only the live stream may carry its token in the URL: EventSource cannot set headers.
TOKEN_IN_QUERY = frozenset({"/api/stream"})


def bearer_token(request: web.Request) -> str | None:
    """The token from ``Authorization: Bearer …`` (or ``?token=`` on the stream)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if request.path in TOKEN_IN_QUERY:
        return request.query.get("token") or None
    return None


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """401 for /api/ requests without a live token; otherwise note the user and that they are online."""
    if not request.path.startswith("/api/") or request.path in PUBLIC:
        return await handler(request)
    console = console_of(request)
    token = bearer_token(request)

    def authenticate():
        username = console.tokens.lookup(token)
        user = console.users.get(username) if username else None
        if user is not None:
            console.presence.touch(user.username, user.languages)
        return user

    user = await asyncio.to_thread(authenticate)
    if user is None:
        raise ApiError(401, "log in first: missing, unknown or expired token")
    request[USER] = user
    request[TOKEN] = token
    return await handler(request)


async def login(request: web.Request) -> web.Response:
    """``{username, password}`` → ``{token, role, username, display_name, expires_in}``."""
    body = await read_json(request)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        raise bad_request("'username' and 'password' are required strings")
    console = console_of(request)

    def attempt():
        attempts = LoginAttempts(console.redis)
        if not attempts.reserve(username):
            raise ApiError(429, "too many failed logins for this user; wait 15 minutes")
        user = console.users.verify(username, password)
        if user is None:
            raise unauthorized("wrong username or password")
        attempts.succeeded(username)
        console.presence.touch(user.username, user.languages)
        return user, console.tokens.issue(user.username)

    user, token = await asyncio.to_thread(attempt)
    return web.json_response({**user.as_dict(), "token": token, "expires_in": console.tokens.ttl_seconds})


async def logout(request: web.Request) -> web.Response:
    """End this session; the token stops working at once."""
    console, user = console_of(request), user_of(request)

    def end() -> None:
        console.tokens.revoke(request[TOKEN])
        console.presence.leave(user.username)

    await asyncio.to_thread(end)
    return web.json_response({"ok": True})


async def me(request: web.Request) -> web.Response:
    """The logged-in user."""
    return web.json_response(user_of(request).as_dict())


async def supervisors(request: web.Request) -> web.Response:
    """Supervisors a handoff can be transferred to, with who is online."""
    console = console_of(request)

    def find():
        online = set(console.presence.online())
        chosen = [u for u in console.users.all() if u.is_supervisor]
        return [{**u.as_dict(), "online": u.username in online} for u in chosen]

    return web.json_response({"supervisors": await asyncio.to_thread(find)})
