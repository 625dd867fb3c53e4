"""The actions put misunderstood messages into the editors' inbox, once, masked; a broken Redis breaks no reply."""
import datetime as dt

import redis
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionSaveRating
from actions.handoff import ActionAcceptHandoff, ActionEscalate
from actions.triage import ValidateSlotMappings
from bot.backends.customers import DemoCustomerDirectory
from bot.backends.orders import DemoOrderBackend
from bot.handoff.availability import ServiceHours
from bot.handoff.intake import HandoffIntake
from bot.handoff.presence import AgentPresence
from bot.handoff.store import HandoffStore
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.inbox import Inbox
from bot.service.escalation import EscalationRules
from bot.service.feedback import FeedbackStore
from bot.service.tickets import TicketStore
from bot.service.triage import TriageRules
from bot.settings import PROJECT_ROOT
from tests.conftest import free_port

OPEN = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in Shanghai


def user(text, intent, confidence=0.93, **parse):
    return {"event": "user", "text": text, "input_channel": "socketio",
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": [], **parse}}


def action(name):
    return {"event": "action", "name": name}


def tracker(events, slots=None, sender="web-user-9"):
    latest = [e for e in events if e["event"] == "user"][-1]
    return Tracker(sender_id=sender, slots={"language": "zh", "priority": "normal", **(slots or {})},
                   latest_message=latest["parse_data"], events=events, paused=False, followup_action=None,
                   active_loop={}, latest_action_name="action_listen")


def triage_action(inbox):
    return ValidateSlotMappings(
        TriageRules.load(), DemoCustomerDirectory(), DemoOrderBackend(), lambda: dt.date(2026, 11, 23),
        escalation_rules=EscalationRules.load(), complaints_in_window=lambda conversation: 0, inbox=inbox,
    )


async def test_a_fallback_is_recorded_once_with_the_phone_number_masked(redis_client):
    inbox = Inbox(redis_client)
    events = [action("action_listen"), user("我的电话13812345678收不到那个东东", "nlu_fallback", 0.2)]
    await triage_action(inbox).run(CollectingDispatcher(), tracker(events), {})
    [item] = inbox.recent()
    assert (item.kind, item.conversation_id, item.intent, item.confidence) == ("fallback", "web-user-9", "nlu_fallback", 0.2)
    assert "138****5678" in item.text and "13812345678" not in item.text


async def test_a_barely_chosen_faq_answer_and_a_no_after_the_answer_are_recorded(redis_client):
    inbox = Inbox(redis_client)
    selector = {"faq": {"response": {"intent_response_key": "faq/change_password", "confidence": 0.31}}}
    weak = [action("action_listen"), user("账户那个东西怎么弄", "faq", 0.8, response_selector=selector)]
    await triage_action(inbox).run(CollectingDispatcher(), tracker(weak), {})
    rejected = [*weak, action("action_answer_faq"), action("utter_ask_resolved"), action("action_listen"), user("没解决", "deny")]
    await triage_action(inbox).run(CollectingDispatcher(), tracker(rejected), {})
    newest, oldest = inbox.recent()
    assert (oldest.kind, oldest.confidence, oldest.text) == ("low_confidence", 0.31, "账户那个东西怎么弄")
    assert (newest.kind, newest.text, newest.intent) == ("not_solved", "账户那个东西怎么弄", "faq")


async def test_a_confident_answer_and_a_plain_no_are_not_recorded(redis_client):
    inbox = Inbox(redis_client)
    selector = {"faq": {"response": {"intent_response_key": "faq/change_password", "confidence": 0.97}}}
    await triage_action(inbox).run(CollectingDispatcher(), tracker([user("怎么改密码", "faq", 0.95, response_selector=selector)]), {})
    await triage_action(inbox).run(CollectingDispatcher(), tracker([action("utter_greet"), action("action_listen"), user("不是", "deny")]), {})
    assert inbox.recent() == []


async def test_a_low_rating_records_the_request_it_rated(redis_client):
    inbox = Inbox(redis_client)
    events = [user("发票抬头写错了能改吗", "faq"), action("utter_ask_resolved"), user("是的", "affirm"), user("1", "rate")]
    await ActionSaveRating(FeedbackStore(redis_client), inbox).run(CollectingDispatcher(), tracker(events, {"rating": 1}), {})
    await ActionSaveRating(FeedbackStore(redis_client), inbox).run(CollectingDispatcher(), tracker(events, {"rating": 4}), {})
    visit = {"rating": 1, "return_visit": True}  # rates a ticket's resolution, not the bot
    await ActionSaveRating(FeedbackStore(redis_client), inbox).run(CollectingDispatcher(), tracker(events, visit), {})
    [item] = inbox.recent()
    assert (item.kind, item.text) == ("low_rating", "发票抬头写错了能改吗")


def intake_of(redis_client):
    AgentPresence(redis_client, clock=lambda: OPEN.timestamp()).touch("alice")
    return HandoffIntake(
        store=HandoffStore(redis_client), presence=AgentPresence(redis_client, clock=lambda: OPEN.timestamp()),
        tickets=TicketStore(redis_client, clock=lambda: OPEN), customers=DemoCustomerDirectory(),
        knowledge=KnowledgeBase.load(PROJECT_ROOT / "data" / "faq"), hours=ServiceHours.load(),
        rules=EscalationRules.load(), clock=lambda: OPEN,
    )


async def test_a_handoff_because_the_bot_did_not_understand_is_recorded_with_its_id(redis_client):
    inbox, intake = Inbox(redis_client), intake_of(redis_client)
    events = [user("发票抬头怎么改", "faq"), action("utter_ask_resolved"), user("不行", "deny"), user("还是不行", "deny")]
    slots = {"handoff_reason": "answer_not_helpful", "handoff_immediate": True}
    await ActionEscalate(intake, {}, inbox).run(CollectingDispatcher(), tracker(events, slots), {})
    angry = {"handoff_reason": "anger", "handoff_immediate": True}
    await ActionEscalate(intake, {}, inbox).run(CollectingDispatcher(), tracker(events, angry, sender="other"), {})
    [item] = inbox.recent()
    handoff_id = HandoffStore(redis_client).active_handoff("web-user-9")
    assert (item.kind, item.text, item.handoff_id) == ("handoff", "发票抬头怎么改", handoff_id)


async def test_the_fallback_that_leads_to_a_handoff_is_one_item_with_the_handoff_id(redis_client):
    inbox, intake = Inbox(redis_client), intake_of(redis_client)
    events = [action("action_listen"), user("那个绿色的按钮没反应", "nlu_fallback", 0.1),
              action("utter_default"), action("action_listen"), user("就是点不动", "nlu_fallback", 0.1)]
    escalation = await triage_action(inbox).run(CollectingDispatcher(), tracker(events), {})
    slots = {e["name"]: e["value"] for e in escalation if e.get("event") == "slot"}
    assert slots["handoff_reason"] == "repeated_fallback"
    accepted = [*events, action("action_escalate"), action("action_listen"), user("好的", "affirm")]
    await ActionAcceptHandoff(intake, inbox).run(CollectingDispatcher(), tracker(accepted, slots), {})
    [item] = inbox.recent()
    handoff_id = HandoffStore(redis_client).active_handoff("web-user-9")
    assert (item.kind, item.text, item.handoff_id) == ("fallback", "就是点不动", handoff_id)


async def test_a_redis_failure_is_logged_and_the_reply_goes_on(caplog):
    broken = Inbox(redis.Redis(port=free_port(), socket_connect_timeout=0.2))
    events = [action("action_listen"), user("这啥", "nlu_fallback", 0.2)]
    result = await triage_action(broken).run(CollectingDispatcher(), tracker(events), {})
    assert isinstance(result, list)
    assert "inbox: could not record a fallback message" in caplog.text
