"""API errors as JSON: one middleware turns every failure under /api/ into ``{"error": message}``."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import redis
from aiohttp import web

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """A request the console refuses, with the HTTP status and a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> ApiError:
    """400: the request is malformed or incomplete."""
    return ApiError(400, message)


def unauthorized(message: str = "log in first: missing, unknown or expired token") -> ApiError:
    """401: no valid session."""
    return ApiError(401, message)


def forbidden(message: str) -> ApiError:
    """403: logged in, but not allowed to do this."""
    return ApiError(403, message)


def not_found(message: str) -> ApiError:
    """404: no such thing."""
    return ApiError(404, message)


def conflict(message: str) -> ApiError:
    """409: the thing is not in a state that allows this."""
    return ApiError(409, message)


def error_response(status: int, message: str) -> web.Response:
    """The JSON body every API error has."""
    return web.json_response({"error": message}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """ApiError → its status; HTTP errors on /api/ → JSON; Redis down → 503; bugs → a logged 500."""
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(error.status, error.message)
    except web.HTTPException as error:
        if error.status < 400 or not request.path.startswith("/api/"):
            raise
        response = error_response(error.status, error.reason)
        for header in ("Allow", "WWW-Authenticate"):
            if header in error.headers:
                response.headers[header] = error.headers[header]
        return response
    except redis.RedisError:
        logger.exception("Redis failed while answering %s %s", request.method, request.path)
        return error_response(503, "the console's database is unavailable; try again shortly")
    except Exception:  # a bug: log it, answer without details
        logger.exception("unexpected error answering %s %s", request.method, request.path)
        return error_response(500, "internal error")
