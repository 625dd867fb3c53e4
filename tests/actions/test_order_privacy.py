"""Orders and refunds only for their owner: known by the channel, or verified by the phone's last four digits."""
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import (
    ActionOrderStatus,
    ActionRefundStatus,
    ValidateOrderStatusForm,
    ValidateRefundStatusForm,
)
from bot.backends.customers import DemoCustomerDirectory
from bot.backends.orders import DemoOrderBackend
from bot.service.identity import CLIENT_ADDRESS, AccessLimits, OrderAccess
from bot.service.tickets import TicketStore
from tests.actions.conftest import make_tracker

SHIPPED = "DD2026110500123"  # demo-user's order, phone 138****5678
FORM_SLOTS = ["order_number", "phone_last4"]


@pytest.fixture
def access(redis_client):
    return OrderAccess(redis_client, DemoCustomerDirectory())


def stranger(slots=None, sender="stranger-1", channel="rest", metadata=None):
    return make_tracker("", slots=slots or {}, sender_id=sender, channel=channel, metadata=metadata)


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


async def order_status(access, redis_client, tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionOrderStatus(DemoOrderBackend(), TicketStore(redis_client), access).run(dispatcher, tracker, {})
    return dispatcher, events


async def test_a_stranger_who_knows_an_order_number_sees_nothing_of_it(access, redis_client):
    dispatcher, events = await order_status(access, redis_client, stranger({"order_number": SHIPPED}))
    assert responses(dispatcher) == ["utter_identity_not_verified"]
    assert "SF1234567890123" not in str(dispatcher.messages)
    assert {"event": "slot", "name": "phone_last4", "value": None, "timestamp": None} in events
    refund = CollectingDispatcher()
    await ActionRefundStatus(DemoOrderBackend(), access).run(refund, stranger({"order_number": "DD2026102200456"}), {})
    assert responses(refund) == ["utter_identity_not_verified"]


@pytest.mark.parametrize("form_class", [ValidateOrderStatusForm, ValidateRefundStatusForm])
async def test_the_form_asks_a_stranger_for_the_phone_but_not_the_owner(access, form_class):
    form = form_class(DemoOrderBackend(), access)
    asked = await form.required_slots(FORM_SLOTS, CollectingDispatcher(), stranger({"order_number": SHIPPED}), {})
    assert asked == FORM_SLOTS
    known = make_tracker("", slots={"order_number": SHIPPED}, sender_id="demo-user", channel="telegram")
    assert await form.required_slots(FORM_SLOTS, CollectingDispatcher(), known, {}) == ["order_number"]
    # The same conversation id over REST proves nothing: anyone can send it.
    claimed = make_tracker("", slots={"order_number": SHIPPED}, sender_id="demo-user", channel="rest")
    assert await form.required_slots(FORM_SLOTS, CollectingDispatcher(), claimed, {}) == FORM_SLOTS
    # Someone else's order, even on an identified channel.
    other = make_tracker("", slots={"order_number": "DD2026100100789"}, sender_id="demo-user", channel="telegram")
    assert await form.required_slots(FORM_SLOTS, CollectingDispatcher(), other, {}) == FORM_SLOTS


async def test_the_right_digits_verify_and_the_order_is_shown(access, redis_client):
    form = ValidateOrderStatusForm(DemoOrderBackend(), access)
    tracker = stranger({"order_number": SHIPPED})
    dispatcher = CollectingDispatcher()
    assert await form.validate_phone_last4("1111", dispatcher, tracker, {}) == {"phone_last4": None}
    assert dispatcher.messages[-1]["response"] == "utter_phone_last4_wrong" and dispatcher.messages[-1]["attempts_left"] == 2
    assert await form.validate_phone_last4(" 5678 ", dispatcher, tracker, {}) == {"phone_last4": "verified"}
    shown, _ = await order_status(access, redis_client, tracker)
    assert responses(shown) == ["utter_order_shipped"] and shown.messages[0]["tracking_number"] == "SF1234567890123"
    # Verified for this conversation only.
    other, _ = await order_status(access, redis_client, stranger({"order_number": SHIPPED}, sender="stranger-2"))
    assert responses(other) == ["utter_identity_not_verified"]


async def test_three_wrong_tries_end_the_verification_even_with_the_right_digits_after(access, redis_client):
    form = ValidateOrderStatusForm(DemoOrderBackend(), access)
    tracker = stranger({"order_number": SHIPPED})
    dispatcher = CollectingDispatcher()
    results = [await form.validate_phone_last4(guess, dispatcher, tracker, {}) for guess in ("0000", "1111", "2222", "5678")]
    assert results == [{"phone_last4": None}, {"phone_last4": None}, {"phone_last4": "failed"}, {"phone_last4": "failed"}]
    assert [m["attempts_left"] for m in dispatcher.messages] == [2, 1]
    shown, _ = await order_status(access, redis_client, tracker)
    assert responses(shown) == ["utter_identity_not_verified"]


async def test_order_numbers_cannot_be_enumerated_from_one_conversation(redis_client):
    access = OrderAccess(redis_client, DemoCustomerDirectory(), AccessLimits(lookups_per_conversation=3))
    form = ValidateOrderStatusForm(DemoOrderBackend(), access)
    tracker = stranger()
    dispatcher = CollectingDispatcher()
    guesses = [f"DD20261105{n:05d}" for n in range(4)]
    results = [await form.validate_order_number(guess, dispatcher, tracker, {}) for guess in guesses]
    assert results[:3] == [{"order_number": None}] * 3  # not found: re-asked
    assert results[3] == {"order_number": "none"}  # over the limit: the order system is not even asked
    assert responses(dispatcher) == ["utter_order_not_found"] * 3 + ["utter_lookup_limit"]
    # The same number again does not count twice.
    assert await form.validate_order_number(guesses[0], CollectingDispatcher(), tracker, {}) == {"order_number": None}


async def test_new_conversations_from_one_address_share_its_limit(redis_client):
    access = OrderAccess(redis_client, DemoCustomerDirectory(), AccessLimits(lookups_per_address=2))
    form = ValidateOrderStatusForm(DemoOrderBackend(), access)
    results = []
    for n in range(3):
        tracker = stranger(sender=f"fresh-{n}", metadata={CLIENT_ADDRESS: "203.0.113.7"})
        results.append(await form.validate_order_number(f"DD20261105{n:05d}", CollectingDispatcher(), tracker, {}))
    assert results == [{"order_number": None}, {"order_number": None}, {"order_number": "none"}]
    elsewhere = stranger(sender="fresh-9", metadata={CLIENT_ADDRESS: "198.51.100.1"})
    assert await form.validate_order_number(SHIPPED, CollectingDispatcher(), elsewhere, {}) == {"order_number": SHIPPED}
