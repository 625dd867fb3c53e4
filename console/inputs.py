"""Reading and checking what callers send: JSON bodies, fields, ids and times."""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from aiohttp import web

from console.errors import bad_request, not_found

MAX_TEXT_LENGTH = 4000
_HANDOFF_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


async def read_json(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; 400 if it is empty, not JSON or not an object."""
    raw = await request.read()
    if not raw.strip():
        raise bad_request("the body must be a JSON object")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    try:  # "\ud800" is valid JSON but no text: it cannot be stored or sent
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request("the body contains characters that are not valid text (lone surrogates)") from None
    return body


def text_field(body: dict[str, Any], name: str, max_length: int = MAX_TEXT_LENGTH) -> str:
    """A required, non-blank string field, stripped; 400 otherwise."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"'{name}' is required and must be a non-empty string")
    if len(value) > max_length:
        raise bad_request(f"'{name}' is longer than {max_length} characters")
    return value.strip()


def checked_handoff_id(value: str) -> str:
    """``value`` if it can be a handoff id; 404 otherwise (it could never name a record)."""
    if not _HANDOFF_ID.match(value):
        raise not_found(f"no handoff {value[:70]!r}")
    return value


def handoff_id(request: web.Request) -> str:
    """The ``{id}`` of the path, checked."""
    return checked_handoff_id(request.match_info.get("id", ""))


def parse_time(value: str | int | float | None, name: str) -> float:
    """Epoch seconds from epoch seconds or an ISO 8601 time (UTC when it has no offset); 400 otherwise."""
    if isinstance(value, bool) or value is None or value == "":
        raise bad_request(f"'{name}' is required: an ISO 8601 time or epoch seconds")
    if isinstance(value, (int, float)):
        return _finite(float(value), name)
    if not isinstance(value, str):
        raise bad_request(f"'{name}' must be an ISO 8601 time or epoch seconds")
    text = value.strip()
    try:
        return _finite(float(text), name)
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise bad_request(f"'{name}' is not an ISO 8601 time: {text[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()


def _finite(value: float, name: str) -> float:
    if not math.isfinite(value):
        raise bad_request(f"'{name}' must be a finite time")
    return value


def int_query(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]; 400 otherwise."""
    raw = request.query.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"'{name}' must be a whole number") from None
    if not low <= value <= high:
        raise bad_request(f"'{name}' must be between {low} and {high}")
    return value
