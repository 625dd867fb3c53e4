"""The case library: every resolved handoff and every ticket as one reviewable case.

A case says what the problem was, how it was handled, how it ended and how the customer
rated it, with personal data masked (``bot.pii.mask_pii``) and the conversation id replaced by
a pseudonym, so the library can be shared for training and the weekly review.

``python -m bot.analytics.cases export --since 2026-11-01 [--until 2026-11-30] --format csv|jsonl [--out FILE]``
writes the cases opened in that period (dates are days in the service's time zone).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import hmac
import io
import json
import secrets
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import TextIO

import redis

from bot.analytics import history
from bot.analytics.periods import Period, PeriodError, service_timezone
from bot.handoff.store import HandoffRecord, HandoffStore
from bot.language import detect_language
from bot.pii import mask_pii
from bot.redis_text import as_text
from bot.service.feedback import FeedbackStore, Rating
from bot.service.tickets import Ticket, TicketStore

PSEUDONYM_KEY = "cs:cases:pseudonym_key"
RATING_WINDOW_SECONDS = 24 * 3600  # a rating this long after a handoff is resolved still belongs to it
FORMATS = ("csv", "jsonl")


@dataclass(frozen=True)
class Case:
    """One handled request, ready for review. Times are epoch seconds; texts are masked."""

    case_id: str  # handoff:<id> or ticket:<id>
    kind: str  # handoff | ticket
    customer: str  # a stable pseudonym of the conversation id
    channel: str
    language: str
    category: str  # inquiry | complaint | suggestion | fault
    priority: str  # high | normal | low
    problem: str  # the summary, masked
    handling: str  # the handoff reason, or the department the ticket went to
    outcome: str  # handoffs: resolved | follow_up; tickets: open | follow_up_due | resolved
    created_at: float
    tags: tuple[str, ...] = ()
    remedy: str = ""
    intents: tuple[str, ...] = ()  # the intents Rasa saw last before a handoff, best first
    agent: str = ""
    order_number: str = ""
    claimed_at: float | None = None
    resolved_at: float | None = None
    follow_up_at: float | None = None  # handoffs: the agreed follow-up; tickets: when feedback is due
    wait_seconds: float | None = None  # created → claimed
    handle_seconds: float | None = None  # claimed → resolved
    csat: int | None = None  # the customer's 1–5 rating of this case, if any


class Pseudonyms:
    """Stable pseudonyms for conversation ids: a keyed hash, the key kept in Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._key: bytes | None = None

    def __call__(self, conversation_id: str) -> str:
        if self._key is None:
            self._redis.set(PSEUDONYM_KEY, secrets.token_hex(32), nx=True)
            stored = self._redis.get(PSEUDONYM_KEY)
            self._key = as_text(stored).encode()
        return "c-" + hmac.new(self._key, conversation_id.encode(), hashlib.sha256).hexdigest()[:12]


def _first_rating(ratings: Iterable[Rating], conversation_id: str, after: float, before: float) -> int | None:
    for rating in ratings:
        if rating.conversation_id == conversation_id and after <= rating.at < before:
            return rating.rating
    return None


def handoff_case(record: HandoffRecord, pseudonym: str, ratings: Sequence[Rating]) -> Case:
    """The case of one resolved handoff; its rating is the conversation's first within a day of resolving."""
    claimed, resolved = record.claimed_at, record.resolved_at
    csat = None
    if resolved is not None:
        csat = _first_rating(ratings, record.conversation_id, resolved, resolved + RATING_WINDOW_SECONDS)
    order = record.slots.get("order_number") if isinstance(record.slots, dict) else None
    return Case(
        case_id=f"handoff:{record.handoff_id}",
        kind="handoff",
        customer=pseudonym,
        channel=record.channel,
        language=record.language,
        category=record.category,
        priority=record.priority,
        problem=mask_pii(record.summary),
        handling=record.reason,
        outcome=record.outcome or record.status,
        created_at=record.created_at,
        tags=tuple(record.signals),
        intents=tuple(str(i.get("name", "")) for i in record.top_intents if isinstance(i, dict)),
        agent=record.agent,
        order_number=order if isinstance(order, str) and order != "none" else "",
        claimed_at=claimed,
        resolved_at=resolved,
        follow_up_at=record.follow_up_at,
        wait_seconds=_seconds(record.wait_seconds),
        handle_seconds=_seconds(record.handle_seconds),
        csat=csat,
    )


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def ticket_case(ticket: Ticket, pseudonym: str, channel: str, ratings: Sequence[Rating]) -> Case:
    """The case of one ticket; its rating is one given with the ticket's number."""
    csat = next((r.rating for r in ratings if r.ticket_id == ticket.ticket_id), None)
    return Case(
        case_id=f"ticket:{ticket.ticket_id}",
        kind="ticket",
        customer=pseudonym,
        channel=channel,
        language=detect_language(ticket.summary) or "",
        category=ticket.category,
        priority=ticket.priority,
        problem=mask_pii(ticket.summary),
        handling=ticket.department,
        outcome=ticket.status,
        created_at=ticket.created_at,
        tags=tuple(ticket.tags),
        remedy=ticket.remedy,
        order_number=ticket.order_number,
        follow_up_at=ticket.due_at,
        csat=csat,
    )


def collect(client: redis.Redis, period: Period) -> list[Case]:
    """Every case opened in ``period``: resolved handoffs and tickets, oldest first."""
    pseudonyms = Pseudonyms(client)
    ratings = FeedbackStore(client).ratings_between(period.since, period.until + 30 * 86400)
    handoffs = HandoffStore(client).records_between(period.since, period.until, resolved_only=True)
    channels: dict[str, str] = {h.conversation_id: h.channel for h in handoffs}
    for rating in ratings:
        channels.setdefault(rating.conversation_id, rating.channel)
    cases = [handoff_case(h, pseudonyms(h.conversation_id), ratings) for h in handoffs]
    for ticket in TicketStore(client).tickets_between(period.since, period.until):
        channel = channels.get(ticket.conversation_id) or history.channel_of(client, ticket.conversation_id)
        channels[ticket.conversation_id] = channel
        cases.append(ticket_case(ticket, pseudonyms(ticket.conversation_id), channel, ratings))
    return sorted(cases, key=lambda c: (c.created_at, c.case_id))


# -- export -----------------------------------------------------------------------------------------
COLUMNS = [f.name for f in fields(Case)]


def _row(case: Case, period: Period) -> dict[str, object]:
    """One flat row: times as local ISO 8601, lists joined with "|"."""
    row: dict[str, object] = {}
    for name, value in asdict(case).items():
        if name.endswith("_at") and value is not None:
            value = period.local(value).isoformat(timespec="seconds")
        elif isinstance(value, (list, tuple)):
            value = "|".join(str(v) for v in value)
        row[name] = "" if value is None else value
    return row


def write(cases: Iterable[Case], period: Period, output_format: str, out: TextIO) -> int:
    """Write ``cases`` as CSV (a header, one row each) or JSON lines; return how many."""
    count = 0
    if output_format == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for case in cases:
            writer.writerow(_row(case, period))
            count += 1
    elif output_format == "jsonl":
        for case in cases:
            record = {**_row(case, period), "tags": list(case.tags), "intents": list(case.intents)}
            for name in ("claimed_at", "resolved_at", "follow_up_at", "wait_seconds", "handle_seconds", "csat"):
                if record[name] == "":
                    record[name] = None
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    else:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    return count


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.analytics.cases export …``."""
    from bot.ops.redis_client import command_line_redis
    from bot.settings import Settings, SettingsError

    parser = argparse.ArgumentParser(prog="python -m bot.analytics.cases", description="The case library.")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write the cases opened in a period")
    export.add_argument("--since", required=True, help="first day (YYYY-MM-DD, service time zone) or an ISO time")
    export.add_argument("--until", help="last day, included (default: now)")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--out", help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        period = Period.parse(args.since, args.until, service_timezone(), time.time())
    except (PeriodError, SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with command_line_redis(settings) as client:
        cases = collect(client, period)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            count = write(cases, period, args.format, handle)
        print(f"{count} case(s) written to {args.out}", file=sys.stderr)
    else:
        buffer = io.StringIO()
        write(cases, period, args.format, buffer)
        sys.stdout.write(buffer.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
