"""The access log never shows query strings (the live stream's token is in its URL)."""
import logging

from aiohttp.test_utils import make_mocked_request
from aiohttp.web import Response

from console.logs import PathOnlyAccessLogger


def test_the_query_is_not_logged(caplog):
    logger = logging.getLogger("test.access")
    request = make_mocked_request("GET", "/api/stream?token=secret-token-value")
    with caplog.at_level(logging.INFO, logger="test.access"):
        PathOnlyAccessLogger(logger, "").log(request, Response(status=200), 0.01)
    assert '"GET /api/stream" 200' in caplog.text and "secret-token-value" not in caplog.text
