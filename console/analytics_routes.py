"""GET /api/analytics: the figures of ``bot.analytics.figures`` for a period, for supervisors only."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.analytics import figures as analytics
from bot.analytics.periods import Period, PeriodError, service_timezone
from bot.service.triage import TriageRules
from console.context import console_of, user_of
from console.errors import bad_request, forbidden

DEFAULT_DAYS = 7
MAX_DAYS = 92  # one quarter: every figure is computed on request


def _period(query: Any, timezone: str, now: float) -> Period:
    since = query.get("since", "").strip()
    if not since:
        today = dt.datetime.fromtimestamp(now, ZoneInfo(timezone)).date()
        since = (today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    try:
        period = Period.parse(since, query.get("until", "").strip() or None, timezone, now)
    except PeriodError as error:
        raise bad_request(f"'since'/'until': {error}") from None
    if period.until - period.since > MAX_DAYS * 86400:
        raise bad_request(f"the period is longer than {MAX_DAYS} days")
    return period


def _compute(console: Any, query: Any) -> dict[str, Any]:
    timezone = service_timezone()
    period = _period(query, timezone, console.clock())
    figures = analytics.compute(console.redis, period, TriageRules.load().categories)
    for item in [*figures["top_problems"], *figures["handoff_problems"]]:
        item["question"] = console.faq_questions.get(item["problem"], "")
    return figures


async def get_analytics(request: web.Request) -> web.Response:
    """Volumes, top problems, handoff rate and reasons, FCR, CSAT, wait and handle times.

    ``since`` and ``until`` are dates (days of the service's time zone, ``until`` included) or
    ISO 8601 times; the default is the last seven days up to now.
    """
    if not user_of(request).is_supervisor:
        raise forbidden("only supervisors may see the analytics")
    console = console_of(request)
    return web.json_response(await asyncio.to_thread(_compute, console, request.query))


def add_routes(router: web.UrlDispatcher) -> None:
    """Register the analytics route."""
    router.add_get("/api/analytics", get_analytics)
