"""Publishing models: /api/publish… and /api/models… (editors start, supervisors override and roll
back), and /models/current, the model server every Rasa server polls (endpoints ``models:``)."""
from __future__ import annotations

import asyncio
import hmac
from typing import Any

from aiohttp import web

from bot.knowledge.models import NoPreviousModel
from bot.knowledge.publish import Publisher, PublishError
from console.context import user_of
from console.errors import ApiError, conflict, forbidden, unauthorized
from console.inputs import int_query, read_json
from console.users import User

PUBLISHER = web.AppKey("publisher", Publisher)
_CHUNK = 1 << 20


def _editor(request: web.Request) -> User:
    user = user_of(request)
    if not user.is_editor:
        raise forbidden("only editors and supervisors publish models")
    return user


def _supervisor(request: web.Request) -> User:
    user = user_of(request)
    if not user.is_supervisor:
        raise forbidden("only supervisors override the gate or roll back")
    return user


def _note(body: dict[str, Any]) -> str:
    note = body.get("note", "")
    if not isinstance(note, str):
        raise ApiError(400, "'note' must be a string")
    return note.strip()


async def start(request: web.Request) -> web.Response:
    """Train a candidate in the background; 409 while another publish runs."""
    user = _editor(request)
    publisher = request.app[PUBLISHER]
    try:
        model_id = await asyncio.to_thread(publisher.start_in_background, user.username)
    except PublishError as error:
        raise ApiError(error.status, error.message) from None
    return web.json_response({"id": model_id, "state": "running"}, status=202)


async def status(request: web.Request) -> web.Response:
    """The latest publish (phase, scores side by side, decision) and the live model."""
    _editor(request)
    return web.json_response(await asyncio.to_thread(request.app[PUBLISHER].status))


async def override(request: web.Request) -> web.Response:
    """``{note}``: put the refused candidate live anyway."""
    user = _supervisor(request)
    note = _note(await read_json(request))
    try:
        result = await asyncio.to_thread(request.app[PUBLISHER].override, user.username, note)
    except PublishError as error:
        raise ApiError(error.status, error.message) from None
    return web.json_response(result)


async def rollback(request: web.Request) -> web.Response:
    """``{note?}``: the previous model goes live again."""
    user = _supervisor(request)
    note = _note(await read_json(request)) if request.can_read_body else ""
    publisher = request.app[PUBLISHER]
    if await asyncio.to_thread(publisher.is_running):
        raise conflict("a publish is running; wait for it to finish")
    try:
        entry = await asyncio.to_thread(publisher.registry.rollback, user.username, note)
    except NoPreviousModel as error:
        raise conflict(str(error)) from None
    return web.json_response(entry.as_dict())


async def audit(request: web.Request) -> web.Response:
    """``?limit=``: who put which model live when, with its scores; newest first."""
    _editor(request)
    limit = int_query(request, "limit", 100, 1, 1000)
    entries = await asyncio.to_thread(request.app[PUBLISHER].registry.audit, limit)
    return web.json_response({"entries": [e.as_dict() for e in entries]})


def _model_server_token(request: web.Request) -> str:
    given = request.query.get("token", "")
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        given = header[len("Bearer "):]
    return given


async def current_model(request: web.Request) -> web.StreamResponse:
    """The live model file for Rasa's model-server polling: ETag = its id, 304 when unchanged.

    Models hold training data, so the Rasa API token is required (``?token=`` as Rasa sends it).
    """
    expected = await asyncio.to_thread(lambda: request.app[PUBLISHER].settings.resolved_rasa_api_token().reveal())
    if not expected or not hmac.compare_digest(_model_server_token(request).encode(), expected.encode()):
        raise unauthorized("the model server needs the Rasa API token")
    registry = request.app[PUBLISHER].registry
    model_id = await asyncio.to_thread(registry.live_id)
    etag = await asyncio.to_thread(registry.etag_of, model_id)
    if request.headers.get("If-None-Match", "").strip('"') == etag:
        return web.Response(status=304, headers={"ETag": etag})
    path = registry.path_of(model_id)
    if not path.is_file():
        raise ApiError(404, f"the live model {model_id} has no file here")
    response = web.StreamResponse(headers={
        "ETag": etag, "filename": f"{model_id}.tar.gz", "Content-Type": "application/gzip",
        "Content-Length": str(path.stat().st_size),
    })
    await response.prepare(request)
    with path.open("rb") as file:
        while chunk := await asyncio.to_thread(file.read, _CHUNK):
            await response.write(chunk)
    await response.write_eof()
    return response


def add_routes(router: web.UrlDispatcher) -> None:
    """Register the publish and model routes."""
    router.add_post("/api/publish", start)
    router.add_get("/api/publish", status)
    router.add_post("/api/publish/override", override)
    router.add_post("/api/models/rollback", rollback)
    router.add_get("/api/models/audit", audit)
    router.add_get("/models/current", current_model)
