"""Access log lines without query strings: the live stream carries its token in the URL."""
from __future__ import annotations

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse


class PathOnlyAccessLogger(AbstractAccessLogger):
    """``remote "METHOD /path" status bytes seconds`` — never the query, never a header."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        """Write one line for a finished request."""
        self.logger.info(
            '%s "%s %s" %s %s %.3fs',
            request.remote, request.method, request.path, response.status, response.body_length, time,
        )
