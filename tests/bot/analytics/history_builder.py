"""Build a known history in a real Redis the way the bot and the console write it: handoffs,
tickets, ratings through their stores on a settable clock, and Rasa trackers as Rasa stores them."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import redis

from bot.handoff.store import HandoffRecord, HandoffStore, Turn
from bot.service import ticket_tags
from bot.service.feedback import FeedbackStore
from bot.service.tickets import Ticket, TicketStore

ZONE = ZoneInfo("Asia/Shanghai")


def local(text: str) -> float:
    """Epoch seconds of a Shanghai wall-clock time such as "2026-11-03 09:00"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZONE).timestamp()


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)

    def set(self, text: str) -> None:
        self.now = dt.datetime.fromtimestamp(local(text), dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


class History:
    """Writes what happened, at the local times given."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.clock = Clock()
        self.handoff_store = HandoffStore(client, clock=self.clock)
        self.ticket_store = TicketStore(client, clock=self.clock)
        self.feedback = FeedbackStore(client, clock=self.clock)

    def handoff(self, conversation: str, opened: str, claimed: str | None = None, resolved: str | None = None,
                outcome: str = "resolved", **fields: Any) -> HandoffRecord:
        values: dict[str, Any] = dict(
            handoff_id="", conversation_id=conversation, channel="telegram", category="complaint",
            priority="normal", reason="anger", summary="快递三天没到,电话13812345678", created_at=local(opened),
            top_intents=[{"name": "complaint", "confidence": 0.91}],
        )
        values.update(fields)
        record = self.handoff_store.open(HandoffRecord(**values), [Turn("user", values["summary"], local(opened))])
        if claimed:
            self.clock.set(claimed)
            record = self.handoff_store.claim(record.handoff_id, "alice")
        if resolved:
            self.clock.set(resolved)
            record = self.handoff_store.resolve(record.handoff_id, outcome)
        return record

    def ticket(self, conversation: str, at: str, category: str, status: str = "open", **fields: Any) -> Ticket:
        self.clock.set(at)
        values: dict[str, Any] = dict(priority="normal", summary="问题", due_in=dt.timedelta(hours=24))
        values.update(fields)
        ticket = self.ticket_store.create(conversation_id=conversation, category=category, **values)
        if status != "open":
            self.ticket_store.set_status(ticket.ticket_id, status)
        return ticket

    def callback(self, conversation: str, at: str, reason: str, category: str = "inquiry") -> Ticket:
        return self.ticket(conversation, at, category, department="customer_service", tags=(ticket_tags.CALLBACK, reason))

    def rating(self, conversation: str, at: str, rating: int, channel: str = "", ticket_id: str = "") -> None:
        self.clock.set(at)
        self.feedback.record(conversation, rating, channel=channel, ticket_id=ticket_id)

    def tracker(self, conversation: str, channel: str, sessions: Sequence[tuple[str, list[tuple[str, str]]]]) -> None:
        """``sessions``: (start, [(time, intent or "faq/<id>"), …]) — stored as Rasa's tracker store does."""
        events: list[dict[str, Any]] = []
        for start, messages in sessions:
            events.append({"event": "action", "timestamp": local(start), "name": "action_session_start"})
            events.append({"event": "session_started", "timestamp": local(start)})
            for when, label in messages:
                intent, _, faq_id = label.partition("/")
                parse_data: dict[str, Any] = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
                if faq_id:
                    parse_data["response_selector"] = {
                        "all_retrieval_intents": ["faq"],
                        "faq": {"response": {"intent_response_key": label, "confidence": 0.8}, "ranking": []},
                    }
                events.append({"event": "user", "timestamp": local(when), "text": label, "parse_data": parse_data,
                               "input_channel": channel, "message_id": f"{conversation}-{len(events)}"})
                events.append({"event": "action", "timestamp": local(when) + 0.1, "name": "action_listen"})
        self.client.set(f"cs:tracker:{conversation}", json.dumps({"events": events, "name": conversation}))


def build_week(client: redis.Redis) -> dict[str, Any]:
    """The history of the week 2026-11-02 … 2026-11-08 (Shanghai) that the tests compute figures for."""
    h = History(client)
    made: dict[str, Any] = {}
    # Before the week: a handoff opened and resolved, a rating, a contact — none of it counts.
    made["old"] = h.handoff("u0", "2026-10-31 10:00", "2026-10-31 10:01", "2026-11-02 09:00", reason="anger")
    h.rating("u0", "2026-10-31 11:00", 3, channel="telegram")
    h.tracker("u0", "telegram", [("2026-10-31 09:59", [("2026-10-31 09:59", "complaint")])])
    # u1: asks the same FAQ twice in one session; settled by the bot.
    h.tracker("u1", "socketio", [("2026-11-02 10:00", [("2026-11-02 10:00", "faq/change_password"),
                                                      ("2026-11-02 10:01", "faq/change_password"),
                                                      ("2026-11-02 10:02", "thank")])])
    # u2: a complaint handed to alice: 3 min wait, 10 min handling, rated 5.
    made["u2"] = h.handoff("u2", "2026-11-03 09:02", "2026-11-03 09:05", "2026-11-03 09:15", reason="anger")
    h.rating("u2", "2026-11-03 09:20", 5, channel="telegram")
    h.tracker("u2", "telegram", [("2026-11-03 09:00", [("2026-11-03 09:00", "greet"), ("2026-11-03 09:00", "complaint"),
                                                      ("2026-11-03 09:16", "handoff_resolved"),
                                                      ("2026-11-03 09:20", "inform")])])
    # u3: asks about an order, and again two days later (a second contact).
    h.tracker("u3", "rest", [("2026-11-04 12:00", [("2026-11-04 12:00", "check_order_status")]),
                             ("2026-11-06 12:00", [("2026-11-06 12:00", "check_order_status")])])
    # u4: a suggestion (ticket, rated 4 with the ticket), back with a question on the 10th.
    made["u4_ticket"] = h.ticket("u4", "2026-11-05 20:01", "suggestion", priority="low", department="product",
                                 tags=(ticket_tags.USER_NEED,), summary="建议增加夜间模式")
    h.rating("u4", "2026-11-05 20:03", 4, channel="wechat", ticket_id=made["u4_ticket"].ticket_id)
    h.tracker("u4", "wechat", [("2026-11-05 20:00", [("2026-11-05 20:00", "suggestion")]),
                               ("2026-11-10 08:00", [("2026-11-10 08:00", "faq/refund_time")])])
    # u5: a fault late at night: nobody there, a call-back ticket.
    made["u5_ticket"] = h.callback("u5", "2026-11-07 22:31", "explicit_request", category="fault")
    h.ticket_store.set_status(made["u5_ticket"].ticket_id, "resolved")
    h.tracker("u5", "socketio", [("2026-11-07 22:30", [("2026-11-07 22:30", "report_fault")])])
    # u6: 07:30 on the 8th (still the 7th in UTC): complaint and a refund question, VIP handoff
    # (10 min wait, 30 min handling, follow-up), a complaint ticket, rated 2.
    made["u6_ticket"] = h.ticket("u6", "2026-11-08 07:35", "complaint", department="customer_service",
                                 tags=(ticket_tags.COMPLAINT, "delivery"), remedy="refund", order_number="DD2026110800001",
                                 summary="退款没到,邮箱zhang.san@example.com", status="follow_up_due")
    made["u6"] = h.handoff("u6", "2026-11-08 07:32", "2026-11-08 07:42", "2026-11-08 08:12", outcome="follow_up",
                           reason="vip_complaint", summary="VIP投诉退款,身份证110101199003071234",
                           priority="high", priority_reasons=["repeat_contact", "vip"])
    h.rating("u6", "2026-11-08 08:15", 2, channel="telegram", ticket_id=made["u6_ticket"].ticket_id)
    h.tracker("u6", "telegram", [("2026-11-08 07:30", [("2026-11-08 07:30", "complaint"),
                                                      ("2026-11-08 07:31", "faq/refund_time")])])
    # u7: asks for a person; still waiting in the queue.
    made["u7"] = h.handoff("u7", "2026-11-08 11:00", category="inquiry", reason="explicit_request",
                           channel="socketio", top_intents=[{"name": "request_human", "confidence": 0.95}])
    # u8: only says hello: no contact.
    h.tracker("u8", "rest", [("2026-11-03 15:00", [("2026-11-03 15:00", "greet")])])
    return made
