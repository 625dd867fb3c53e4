"""Each action with real trackers, real playbooks and tickets in a real Redis."""
import datetime as dt

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.complaint import (
    ActionAskRemedy,
    ActionConfirmRemedy,
    ActionStartComplaint,
    ValidateComplaintForm,
)
from actions.fault import ActionHandleAccountSecurity, ActionHandleFault, ActionHandlePaymentProblem
from actions.feedback import ActionSaveRating, ValidateRatingForm
from actions.orders import ActionOrderStatus, ActionRefundStatus, ValidateOrderStatusForm
from actions.suggestion import ActionRecordSuggestion
from actions.triage import ValidateSlotMappings
from bot.backends.customers import DemoCustomerDirectory
from bot.backends.orders import DemoOrderBackend
from bot.service.complaints import ComplaintPlaybook
from bot.service.escalation import EscalationRules
from bot.service.feedback import FeedbackStore
from bot.service.identity import OrderAccess
from bot.service.incidents import IncidentBoard
from bot.service.labels import Labels
from bot.service.suggestions import SuggestionRouter
from bot.service.tickets import TicketStore
from bot.service.triage import TriageRules
from tests.actions.conftest import make_tracker

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def tickets(redis_client):
    return TicketStore(redis_client)


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_triage_slots_follow_the_request_and_the_customer():
    action = ValidateSlotMappings(
        TriageRules.load(), DemoCustomerDirectory(), DemoOrderBackend(), lambda: TODAY,
        escalation_rules=EscalationRules.load(), complaints_in_window=lambda conversation: 0,
    )
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("建议加个夜间模式", intent="suggestion")
    assert await action.extract_request_category(dispatcher, tracker, {}) == {"request_category": "suggestion"}
    assert await action.extract_priority(dispatcher, tracker, {}) == {"priority": "low"}
    vip = make_tracker("怎么开发票", intent="faq")
    vip.sender_id = "vip-demo"
    assert await action.extract_priority(dispatcher, vip, {}) == {"priority": "high"}
    overdue = make_tracker("DD2026100100789", intent="inform")
    assert await action.extract_priority(dispatcher, overdue, {}) == {"priority": "high"}
    assert await action.extract_request_category(dispatcher, make_tracker("你好", intent="greet"), {}) == {}


async def test_priority_reasons_come_from_the_message_the_conversation_and_the_stores():
    past = {"again-user": 2}
    action = ValidateSlotMappings(
        TriageRules.load(), DemoCustomerDirectory(), DemoOrderBackend(), lambda: TODAY,
        escalation_rules=EscalationRules.load(), complaints_in_window=lambda conversation: 0,
        past_handoffs=lambda conversation: past.get(conversation, 0),
    )
    dispatcher = CollectingDispatcher()
    threat = make_tracker("再不处理我就去12315", intent="complaint")
    assert await action.extract_priority(dispatcher, threat, {}) == {"priority": "high"}
    assert await action.extract_priority_reasons(dispatcher, threat, {}) == {"priority_reasons": ["regulator_or_press_threat"]}
    # A third contact: this conversation was handed over twice before.
    again = make_tracker("东西坏了", intent="complaint", sender_id="again-user")
    assert await action.extract_priority_reasons(dispatcher, again, {}) == {"priority_reasons": ["repeat_contact"]}
    # The emotion classifier's reading in the parse data counts.
    angry = make_tracker("行吧,你们看着办", intent="complaint")
    angry.latest_message["emotion"] = {"label": "angry", "score": 0.95}
    assert await action.extract_priority_reasons(dispatcher, angry, {}) == {"priority_reasons": ["strong_emotion"]}
    # Reasons set earlier in the session hold through "ok", and the category stays a fault.
    ok = make_tracker("好的", intent="affirm")
    ok.events[:] = [
        {"event": "slot", "name": "request_category", "value": "fault"},
        {"event": "slot", "name": "priority_reasons", "value": ["money_lost"]},
        {"event": "user", "text": "好的", "parse_data": ok.latest_message},
    ]
    assert await action.extract_priority(dispatcher, ok, {}) == {"priority": "high"}
    assert await action.extract_request_category(dispatcher, ok, {}) == {}
    question = make_tracker("怎么开发票", intent="faq")
    question.events[:] = [{"event": "slot", "name": "request_category", "value": "fault"}]
    assert await action.extract_request_category(dispatcher, question, {}) == {"request_category": "fault"}


async def test_a_cut_message_is_answered_with_a_note_first():
    action = ValidateSlotMappings(
        TriageRules.load(), DemoCustomerDirectory(), DemoOrderBackend(), lambda: TODAY,
        escalation_rules=EscalationRules.load(), complaints_in_window=lambda conversation: 0,
    )
    cut = make_tracker("怎么开发票" * 900, intent="faq")
    cut.latest_message["metadata"] = {"truncated": True}
    dispatcher, _ = await run(action, cut)
    assert responses(dispatcher) == ["utter_message_truncated"]
    whole, _ = await run(action, make_tracker("怎么开发票", intent="faq"))
    assert responses(whole) == []


async def test_complaint_starts_with_empathy_then_restates(tickets):
    dispatcher, slots = await run(ActionStartComplaint(ComplaintPlaybook.load()), make_tracker("快递一周了还没到!!", intent="complaint"))
    assert responses(dispatcher) == ["utter_complaint_empathy", "utter_complaint_restate"]
    assert dispatcher.messages[1]["topic"] == "订单迟迟没有送达"
    assert slots["complaint_type"] == "delivery_delay"


async def test_remedies_fit_the_type_and_are_numbered_buttons():
    tracker = make_tracker("", slots={"complaint_type": "damaged", "language": "en"})
    dispatcher, slots = await run(ActionAskRemedy(ComplaintPlaybook.load()), tracker)
    [message] = dispatcher.messages
    assert slots["offered_remedies"] == ["exchange_gift", "refund", "coupon"]
    assert [b["payload"] for b in message["buttons"]] == ["1", "2", "3"]
    assert message["options"].startswith("1. Exchange plus a small gift")


@pytest.fixture
def access(redis_client):
    return OrderAccess(redis_client, DemoCustomerDirectory())


def owner(**slots):
    """The demo customer, known by Telegram (which vouches for who writes)."""
    return make_tracker("", slots=slots, sender_id="demo-user", channel="telegram")


async def test_the_complaint_form_validates_order_number_and_remedy(access):
    form = ValidateComplaintForm(DemoOrderBackend(), ComplaintPlaybook.load(), access)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("", slots={"offered_remedies": ["expedite", "coupon", "refund"]})
    assert await form.validate_order_number("DD2026110500123", dispatcher, tracker, {}) == {"order_number": "DD2026110500123"}
    assert await form.validate_order_number("none", dispatcher, tracker, {}) == {"order_number": "none"}
    assert await form.validate_order_number("12345", dispatcher, tracker, {}) == {"order_number": None}
    assert await form.validate_order_number("DD2026999999999", dispatcher, tracker, {}) == {"order_number": None}
    assert responses(dispatcher) == ["utter_order_number_invalid", "utter_order_not_found"]
    assert await form.validate_remedy("2", dispatcher, tracker, {}) == {"remedy": "coupon"}
    assert await form.validate_remedy("都不要", dispatcher, tracker, {}) == {"remedy": None}


async def test_confirming_a_remedy_discloses_risk_commits_a_time_and_opens_a_ticket(tickets):
    tracker = make_tracker("1", slots={"remedy": "refund", "complaint_type": "quality", "order_number": "DD2026110500123", "priority": "normal"})
    dispatcher, slots = await run(ActionConfirmRemedy(ComplaintPlaybook.load(), tickets), tracker)
    [message] = dispatcher.messages
    assert message["response"] == "utter_remedy_confirmed"
    assert "1–3个工作日" in message["risk"] and message["hours"] == 24
    ticket = tickets.get(slots["ticket_id"])
    assert (ticket.category, ticket.order_number, ticket.remedy, ticket.status) == ("complaint", "DD2026110500123", "refund", "open")


async def test_a_suggestion_is_tagged_and_routed(tickets):
    tracker = make_tracker("建议快递可以送货上门", intent="suggestion", slots={"priority": "low"})
    dispatcher, slots = await run(ActionRecordSuggestion(SuggestionRouter.load(), tickets, Labels.load()), tracker)
    # Stored: identifiers; said: their names from labels.yml.
    assert (dispatcher.messages[0]["department"], dispatcher.messages[0]["tag"]) == ("物流部", "用户需求")
    ticket = tickets.get(slots["ticket_id"])
    assert ticket.tags == ("user_need",) and ticket.department == "logistics" and ticket.category == "suggestion"


async def test_a_suggestion_in_english_is_answered_with_english_names(tickets):
    tracker = make_tracker("please offer delivery on sundays", intent="suggestion", slots={"priority": "low", "language": "en"})
    dispatcher, _ = await run(ActionRecordSuggestion(SuggestionRouter.load(), tickets, Labels.load()), tracker)
    assert (dispatcher.messages[0]["department"], dispatcher.messages[0]["tag"]) == ("Logistics team", "User need")


@pytest.mark.parametrize(
    "text, expected",
    [("收不到验证码", "utter_fault_known_incident"), ("页面一直转圈加载不出来", "utter_fault_general_workaround")],
)
async def test_a_fault_gets_apology_incident_or_workaround_and_a_ticket(tickets, text, expected):
    dispatcher, slots = await run(ActionHandleFault(IncidentBoard.load(), tickets), make_tracker(text, intent="report_fault"))
    assert responses(dispatcher) == ["utter_fault_apology", expected, "utter_fault_ticket"]
    assert tickets.get(slots["ticket_id"]).department == "technical"


async def test_urgent_cases_open_urgent_tickets(tickets):
    for action, first in ((ActionHandleAccountSecurity(tickets), "utter_account_security"), (ActionHandlePaymentProblem(tickets), "utter_payment_problem")):
        dispatcher, slots = await run(action, make_tracker("x", slots={"priority": "high"}))
        assert responses(dispatcher) == [first, "utter_urgent_ticket"]
        assert tickets.get(slots["ticket_id"]).priority == "high"


@pytest.mark.parametrize(
    "order_number, response",
    [("DD2026110500123", "utter_order_shipped"), ("DD2026102200456", "utter_order_delivered"), ("none", "utter_order_number_needed")],
)
async def test_order_status(tickets, access, order_number, response):
    dispatcher, _ = await run(ActionOrderStatus(DemoOrderBackend(), tickets, access, lambda: TODAY), owner(order_number=order_number))
    assert responses(dispatcher) == [response]


async def test_an_overdue_order_apologises_and_escalates_priority(tickets, redis_client):
    vip = OrderAccess(redis_client, DemoCustomerDirectory())
    tracker = make_tracker("", slots={"order_number": "DD2026100100789"}, sender_id="vip-user", channel="wechat")
    dispatcher, slots = await run(ActionOrderStatus(DemoOrderBackend(), tickets, vip, lambda: TODAY), tracker)
    assert responses(dispatcher) == ["utter_order_awaiting_shipment", "utter_order_overdue"]
    assert slots["priority"] == "high"
    assert tickets.get(slots["ticket_id"]).priority == "high"


@pytest.mark.parametrize(
    "order_number, response",
    [("DD2026102200456", "utter_refund_processing"), ("DD2026110800321", "utter_refund_refunded"), ("DD2026110500123", "utter_refund_none")],
)
async def test_refund_status(access, order_number, response):
    dispatcher, _ = await run(ActionRefundStatus(DemoOrderBackend(), access), owner(order_number=order_number))
    assert responses(dispatcher) == [response]


async def test_order_form_shares_the_order_number_check(access):
    dispatcher = CollectingDispatcher()
    result = await ValidateOrderStatusForm(DemoOrderBackend(), access).validate_order_number("dd2026110500123", dispatcher, make_tracker(), {})
    assert result == {"order_number": "DD2026110500123"}


async def test_rating_is_validated_and_stored(redis_client):
    dispatcher = CollectingDispatcher()
    form = ValidateRatingForm(TriageRules.load().categories)
    assert await form.validate_rating("4分", dispatcher, make_tracker(), {}) == {"rating": 4}
    assert await form.validate_rating("hmm", dispatcher, make_tracker(), {}) == {"rating": None}
    store = FeedbackStore(redis_client)
    dispatcher, _ = await run(ActionSaveRating(store), make_tracker("4", slots={"rating": 4.0}))
    assert responses(dispatcher) == ["utter_thanks_for_rating"]
    assert store.latest("test-user") == 4


async def test_a_question_asked_instead_of_a_rating_is_answered_not_eaten():
    form = ValidateRatingForm(TriageRules.load().categories)
    asked = make_tracker("密码怎么改", intent="faq", slots={"requested_slot": "rating"}, channel="rest")
    events = await form.run(CollectingDispatcher(), asked, {"slots": {}, "forms": {"rating_form": {"required_slots": ["rating"]}}})
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    replayed = events[-1]
    assert (replayed["event"], replayed["text"], replayed["parse_data"]["intent"]["name"]) == ("user", "密码怎么改", "faq")
    assert events[-2]["event"] == "action" and events[-2]["name"] == "action_listen"
    # Chit-chat and ratings in words still go through the rating as before.
    dispatcher = CollectingDispatcher()
    chat = make_tracker("嗯", intent="affirm", slots={"requested_slot": "rating"})
    events = await form.run(dispatcher, chat, {"slots": {"rating": {}}, "forms": {"rating_form": {"required_slots": ["rating"]}}})
    assert not any(e.get("event") == "user" for e in events)
