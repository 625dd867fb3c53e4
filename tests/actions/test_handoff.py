"""Escalation and handoff actions with real trackers, a real Redis and the real service files."""
import datetime as dt

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.utils import all_subclasses

from actions.handoff import (
    ActionAcceptHandoff,
    ActionDeclineHandoff,
    ActionEscalate,
    ActionHandback,
    ActionRequestHuman,
)
from actions.registry import build_actions
from actions.server import executor_for
from actions.triage import ValidateSlotMappings
from bot.backends.customers import DemoCustomerDirectory
from bot.backends.orders import DemoOrderBackend
from bot.handoff.availability import ServiceHours
from bot.handoff.intake import HandoffIntake
from bot.handoff.presence import AgentPresence
from bot.handoff.store import HandoffStore
from bot.knowledge.base import KnowledgeBase
from bot.service.escalation import EscalationRules
from bot.service.tickets import TicketStore
from bot.service.triage import TriageRules
from bot.settings import PROJECT_ROOT, Settings
from bot.wiring import Wiring

# The responses given before a high-priority transfer, as data/service/escalation.yml lists them.
WHILE_WAITING = Wiring(Settings.from_env({})).while_waiting
# 10:00 in Shanghai (open) and 23:30 (closed).
OPEN = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
CLOSED = dt.datetime(2026, 11, 23, 15, 30, tzinfo=dt.timezone.utc)


def user(text, intent, timestamp, **parse):
    return {"event": "user", "text": text, "timestamp": timestamp, "input_channel": "socketio",
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 0.93}, "entities": [], **parse}}


def bot(text, timestamp):
    return {"event": "bot", "text": text, "timestamp": timestamp}


def action(name):
    return {"event": "action", "name": name}


def tracker(events, slots=None, sender="web-user-1"):
    latest = [e for e in events if e["event"] == "user"][-1]
    return Tracker(
        sender_id=sender,
        slots={"language": "zh", "priority": "normal", **(slots or {})},
        latest_message={**latest["parse_data"], "intent_ranking": [latest["parse_data"]["intent"], {"name": "faq", "confidence": 0.04}]},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.fixture
def desk_at(redis_client):
    def make(now):
        return HandoffIntake(
            store=HandoffStore(redis_client),
            presence=AgentPresence(redis_client, clock=lambda: now.timestamp()),
            tickets=TicketStore(redis_client, clock=lambda: now),
            customers=DemoCustomerDirectory(),
            knowledge=KnowledgeBase.load(PROJECT_ROOT / "data" / "faq"),
            hours=ServiceHours.load(),
            rules=EscalationRules.load(),
            clock=lambda: now,
        )
    return make


async def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker_, {})
    return dispatcher, events


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


CONVERSATION = [
    action("action_listen"),
    user("快递一周了还没到,我的电话13812345678", "complaint", 100.0),
    bot("您的心情我完全理解", 101.0),
    action("action_listen"),
    user("转人工", "request_human", 102.0),
]


async def test_asking_for_a_person_queues_the_conversation_with_its_context(desk_at, redis_client):
    AgentPresence(redis_client, clock=lambda: OPEN.timestamp()).touch("alice")
    dispatcher, events = await run(ActionRequestHuman(desk_at(OPEN)), tracker(CONVERSATION, {
        "request_category": "complaint", "priority": "high", "priority_reasons": ["strong_emotion", "vip"]}))
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_immediate"]
    assert dispatcher.messages[0]["position"] == 1 and dispatcher.messages[0]["wait_minutes"] >= 1
    assert slots_of(events)["handoff_reason"] == "explicit_request"
    assert events[-1] == {"event": "followup", "name": "action_listen", "timestamp": None}

    store = HandoffStore(redis_client)
    handoff_id = store.active_handoff("web-user-1")
    record = store.get(handoff_id)
    assert (record.channel, record.category, record.reason) == ("socketio", "complaint", "explicit_request")
    assert (record.priority, record.priority_reasons) == ("high", ["strong_emotion", "vip"])
    assert "priority_reasons" not in record.slots  # shown once, on the record
    assert record.top_intents[0] == {"name": "request_human", "confidence": 0.93}
    assert "138****5678" in record.summary and "13812345678" not in record.summary
    assert [t.role for t in store.transcript(handoff_id)] == ["user", "bot", "user"]
    assert "13812345678" not in store.transcript(handoff_id)[0].text
    assert store.state("web-user-1") == "queued"


async def test_with_nobody_online_the_user_gets_a_callback_ticket_not_silence(desk_at, redis_client):
    dispatcher, events = await run(ActionRequestHuman(desk_at(OPEN)), tracker(CONVERSATION))
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_no_agent"]
    ticket = TicketStore(redis_client).get(slots_of(events)["ticket_id"])
    assert "callback" in ticket.tags and ticket.conversation_id == "web-user-1"
    assert HandoffStore(redis_client).state("web-user-1") == "bot"


async def test_outside_service_hours_the_user_hears_when_agents_are_back(desk_at, redis_client):
    AgentPresence(redis_client, clock=lambda: CLOSED.timestamp()).touch("night-owl")
    dispatcher, _ = await run(ActionRequestHuman(desk_at(CLOSED)), tracker(CONVERSATION))
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_closed"]
    assert dispatcher.messages[0]["back_at"] == "11-24 09:00"


def triage_action(redis_client):
    tickets = TicketStore(redis_client)
    return ValidateSlotMappings(
        TriageRules.load(), DemoCustomerDirectory(), DemoOrderBackend(), lambda: dt.date(2026, 11, 23),
        escalation_rules=EscalationRules.load(),
        complaints_in_window=lambda cid: tickets.count_since(cid, "complaint", 180),
    )


async def test_anger_makes_the_bot_offer_a_person_and_yes_hands_over(desk_at, redis_client):
    angry = [action("action_listen"), user("又是这样!!!你们到底管不管", "complaint", 10.0)]
    events = triage_action(redis_client).escalation_events(tracker(angry))
    assert slots_of(events)["handoff_reason"] == "anger"
    assert slots_of(events)["handoff_immediate"] is False
    assert events[-1]["name"] == "action_escalate"

    dispatcher, offered = await run(ActionEscalate(desk_at(OPEN), WHILE_WAITING), tracker(angry, slots_of(events)))
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_offer"]
    assert slots_of(offered)["handoff_offered"] is True

    said_yes = [*angry, bot("您的问题比较特殊", 11.0), action("action_listen"), user("好的", "affirm", 12.0)]
    slots = {**slots_of(events), "handoff_offered": True}
    assert triage_action(redis_client).escalation_events(tracker(said_yes, slots)) == [
        {"event": "followup", "name": "action_accept_handoff", "timestamp": None}
    ]
    AgentPresence(redis_client, clock=lambda: OPEN.timestamp()).touch("alice")
    dispatcher, _ = await run(ActionAcceptHandoff(desk_at(OPEN)), tracker(said_yes, slots))
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_queued"]
    assert HandoffStore(redis_client).get(HandoffStore(redis_client).active_handoff("web-user-1")).signals == list(
        slots["handoff_signals"]
    )


async def test_no_to_the_offer_answers_the_original_message_and_does_not_ask_again(redis_client):
    angry = user("又是这样!!!快递还没到", "complaint", 10.0)
    said_no = [action("action_listen"), angry, bot("您的问题比较特殊", 11.0), action("action_listen"), user("不用", "deny", 12.0)]
    slots = {"handoff_offered": True, "handoff_reason": "anger"}
    assert triage_action(redis_client).escalation_events(tracker(said_no, slots))[-1]["name"] == "action_decline_handoff"
    dispatcher, events = await run(ActionDeclineHandoff(), tracker(said_no, slots))
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_declined"]
    assert slots_of(events)["handoff_declined"] is True
    replayed = events[-1]
    assert replayed["event"] == "user" and replayed["text"] == angry["text"]
    assert replayed["parse_data"]["intent"]["name"] == "complaint"
    assert events[-2] == {"event": "action", "name": "action_listen", "policy": None, "confidence": None, "timestamp": None}
    # The replayed message is checked again, but a declined offer is not repeated.
    again = [*said_no, action("action_decline_handoff"), action("action_listen"), angry]
    assert triage_action(redis_client).escalation_events(tracker(again, {"handoff_declined": True})) == []


async def test_high_priority_goes_at_once_with_the_protective_steps_first(desk_at, redis_client):
    stolen = [action("action_listen"), user("我的账号被盗了", "account_security", 10.0)]
    events = triage_action(redis_client).escalation_events(tracker(stolen))
    assert slots_of(events)["handoff_reason"] == "high_priority" and slots_of(events)["handoff_immediate"] is True
    AgentPresence(redis_client, clock=lambda: OPEN.timestamp()).touch("alice")
    dispatcher, _ = await run(ActionEscalate(desk_at(OPEN), WHILE_WAITING), tracker(stolen, slots_of(events)))
    assert [m["response"] for m in dispatcher.messages] == ["utter_account_security", "utter_handoff_immediate"]


async def test_two_fallbacks_in_a_row_and_unhelpful_answers_escalate(redis_client):
    lost = [action("action_listen"), user("asdf", "nlu_fallback", 1.0), bot("抱歉", 2.0), action("action_listen"),
            user("qwer", "nlu_fallback", 3.0)]
    assert slots_of(triage_action(redis_client).escalation_events(tracker(lost)))["handoff_reason"] == "repeated_fallback"
    unhelpful = []
    for n in range(2):
        unhelpful += [action("action_listen"), user("退款多久到账", "faq", 10.0 + n), action("action_answer_faq"),
                      action("utter_ask_resolved"), action("action_listen"), user("没有", "deny", 20.0 + n)]
    assert slots_of(triage_action(redis_client).escalation_events(tracker(unhelpful)))["handoff_reason"] == "answer_not_helpful"


async def test_a_calm_question_is_not_escalated(redis_client):
    calm = [action("action_listen"), user("退款多久到账", "faq", 1.0)]
    assert triage_action(redis_client).escalation_events(tracker(calm)) == []


async def test_handback_welcomes_the_user_back(redis_client):
    dispatcher, events = await run(ActionHandback(), tracker([user("/handoff_resolved", "handoff_resolved", 1.0)], {"handoff_reason": "anger"}))
    assert [m["response"] for m in dispatcher.messages] == ["utter_handback"]
    assert slots_of(events)["handoff_reason"] is None


def test_the_action_server_registers_every_action_once(settings, redis_client):
    actions = build_actions(Wiring(settings, redis_client))
    names = [a.name() for a in actions]
    assert len(names) == len(set(names))
    defined = {cls for cls in all_subclasses(Action) if cls.__module__.startswith("actions.") and not cls.__name__.startswith("_")}
    assert {type(a) for a in actions} == defined
    executor = executor_for(actions)
    assert {"action_request_human", "action_escalate", "action_accept_handoff", "action_decline_handoff", "action_handback"} <= set(executor.actions)


async def test_one_message_is_triaged_once(redis_client):
    class CountingOrders(DemoOrderBackend):
        lookups = 0

        def get_order(self, number):
            CountingOrders.lookups += 1
            return super().get_order(number)

    tickets = TicketStore(redis_client)
    triage_slots = ValidateSlotMappings(
        TriageRules.load(), DemoCustomerDirectory(), CountingOrders(), lambda: dt.date(2026, 11, 23),
        escalation_rules=EscalationRules.load(), complaints_in_window=lambda cid: tickets.count_since(cid, "complaint", 180),
    )
    tracked = tracker([action("action_listen"), user("DD2026110500123 到哪了", "check_order_status", 1.0)])
    events = await triage_slots.run(CollectingDispatcher(), tracked, {"slots": {"request_category": {"mappings": [{"type": "custom"}]},
                                                                        "priority": {"mappings": [{"type": "custom"}]}}})
    assert CountingOrders.lookups == 1
    assert {"event": "slot", "name": "request_category", "value": "inquiry", "timestamp": None} in events
