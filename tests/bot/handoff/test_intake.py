"""What the user is told of a handoff, the same from the bot's actions and from the channels."""
import datetime as dt

from bot.handoff.intake import HandoffOutcome


def test_queued_tells_the_place_and_the_wait_immediately_when_the_user_asked_just_now():
    queued = HandoffOutcome(queued=True, handoff_id="h1", position=3, wait_minutes=6)
    assert queued.response() == ("utter_handoff_queued", {"position": 3, "wait_minutes": 6})
    assert queued.response(immediate=True) == ("utter_handoff_immediate", {"position": 3, "wait_minutes": 6})


def test_a_call_back_tells_the_ticket_and_when_agents_are_back_if_known():
    back_at = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    closed = HandoffOutcome(queued=False, ticket_id="T-1", back_at=back_at)
    assert closed.response() == ("utter_handoff_closed", {"ticket_id": "T-1", "back_at": "11-24 09:00"})
    assert HandoffOutcome(queued=False, ticket_id="T-2").response(immediate=True) == (
        "utter_handoff_no_agent", {"ticket_id": "T-2"})
