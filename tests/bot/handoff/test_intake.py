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


# -- routing: the place and wait count only what the same agents may take -------------------------
OPEN = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in Shanghai


def _intake(redis_client):
    from bot.backends.customers import DemoCustomerDirectory
    from bot.handoff.availability import ServiceHours
    from bot.handoff.intake import HandoffIntake
    from bot.handoff.presence import AgentPresence
    from bot.handoff.routing import RoutingRules
    from bot.handoff.store import HandoffStore
    from bot.knowledge.base import KnowledgeBase
    from bot.service.escalation import EscalationRules
    from bot.service.tickets import TicketStore
    from bot.settings import PROJECT_ROOT

    now = [OPEN]
    presence = AgentPresence(redis_client, clock=lambda: now[0].timestamp())
    intake = HandoffIntake(
        store=HandoffStore(redis_client), presence=presence,
        tickets=TicketStore(redis_client, clock=lambda: OPEN), customers=DemoCustomerDirectory(),
        knowledge=KnowledgeBase.load(PROJECT_ROOT / "data" / "faq"), hours=ServiceHours.load(),
        rules=EscalationRules.load(), clock=lambda: now[0],
        routing=RoutingRules(fallback_seconds=120, dedicated_agent_seconds=60),
    )
    return intake, presence, now


def _ask(intake, conversation_id, text, language):
    events = [{"event": "user", "text": text, "timestamp": OPEN.timestamp(),
               "parse_data": {"text": text, "intent": {"name": "request_human", "confidence": 0.9}}}]
    return intake.request(conversation_id=conversation_id, channel="rest", events=events,
                          slots={"language": language, "priority": "normal"},
                          latest_message=events[0]["parse_data"], reason="explicit_request")


def test_an_english_user_is_first_for_the_english_speaker_behind_chinese_handoffs(redis_client):
    intake, presence, now = _intake(redis_client)
    presence.touch("li", ["zh"])
    presence.touch("wang", [])  # the default: Chinese
    presence.touch("emma", ["en"])
    first = _ask(intake, "zh-1", "转人工", "zh")
    now[0] += dt.timedelta(seconds=5)
    second = _ask(intake, "zh-2", "人工客服", "zh")
    now[0] += dt.timedelta(seconds=5)
    english = _ask(intake, "en-1", "talk to an agent", "en")
    assert (first.position, second.position, english.position) == (1, 2, 1)
    # Two Chinese speakers share the Chinese queue; one English speaker has the English one.
    assert english.wait_minutes == 6 and second.wait_minutes == 6
    # Without an English speaker online it is offered to everyone at once and waits behind both.
    presence.leave("emma")
    assert _ask(intake, "en-1", "hello?", "en").position == 3


def test_a_vip_handoff_carries_the_dedicated_agent_of_the_customer_profile(redis_client):
    from bot.handoff.store import HandoffStore

    intake, presence, _ = _intake(redis_client)
    presence.touch("alice", [])
    presence.touch("li", ["zh"])
    outcome = _ask(intake, "vip-user", "转人工", "zh")
    record = HandoffStore(redis_client).get(outcome.handoff_id)
    assert record.profile["dedicated_agent"] == "alice"
    assert outcome.position == 1 and outcome.wait_minutes == 6  # alice alone has it for the first minute


def test_the_routed_place_takes_the_same_round_trips_however_long_the_queue(redis_client, monkeypatch):
    from bot.handoff.store import HandoffStore
    from tests.bot.redis_round_trips import RoundTrips

    intake, presence, now = _intake(redis_client)
    presence.touch("emma", ["en"])
    presence.touch("li", [])
    store = HandoffStore(redis_client)
    trips = RoundTrips(redis_client, monkeypatch)
    counts = []
    for size in (3, 60):
        while len(store.queue()) < size:
            now[0] += dt.timedelta(seconds=1)
            _ask(intake, f"user-{len(store.queue())}", "转人工", "zh")
        trips.count = 0
        outcome = _ask(intake, "user-0", "还在吗", "zh")  # already queued: only the place is read
        counts.append(trips.count)
        assert outcome.position == 1
    assert counts[0] == counts[1], counts
