"""The share of angry contacts, from the emotion readings in Rasa's trackers."""
import datetime as dt
import json

from bot.analytics import history
from bot.analytics.figures import compute, emotion_figures
from bot.analytics.periods import Period

CATEGORIES = {"complaint": "complaint", "faq": "inquiry"}


def user(at: float, intent: str, emotion: str | None = None, score: float = 0.9) -> dict:
    parse_data = {"intent": {"name": intent}}
    if emotion:
        parse_data["emotion"] = {"label": emotion, "score": score}
    return {"event": "user", "timestamp": at, "text": "…", "parse_data": parse_data}


def session(at: float) -> dict:
    return {"event": "session_started", "timestamp": at}


def test_each_contact_keeps_the_emotions_of_its_session():
    events = [session(0), user(1, "greet", "neutral"), user(2, "complaint", "angry"),
              session(5000), user(5001, "faq", "satisfied"),
              session(9000), user(9001, "greet", "angry")]  # no request: not a contact
    contacts = history.contacts_of("c1", events, CATEGORIES)
    assert [c.emotions for c in contacts] == [("neutral", "angry"), ("satisfied",)]


def test_the_angry_share_counts_only_contacts_with_readings():
    contacts = [
        history.Contact("a", "rest", 0, None, (history.Message(1, "complaint", "complaint", "complaint"),), ("neutral", "angry")),
        history.Contact("b", "rest", 0, None, (history.Message(1, "faq", "faq/x", "inquiry"),), ("satisfied",)),
        history.Contact("c", "rest", 0, None, (history.Message(1, "faq", "faq/x", "inquiry"),), ()),  # an older model
    ]
    figures = emotion_figures(contacts)
    assert figures == {"contacts_read": 2, "angry_contacts": 1, "angry_rate": 0.5,
                       "by_label": {"angry": 1, "anxious": 0, "neutral": 1, "satisfied": 1}}
    assert emotion_figures([])["angry_rate"] is None


def test_the_figures_of_a_period_carry_it(redis_client):
    period = Period.week_ending(dt.date(2026, 11, 8), "Asia/Shanghai")
    at = period.since + 3600
    tracker = {"events": [session(at), user(at + 1, "complaint", "angry", 0.97), user(at + 2, "faq", "neutral")]}
    redis_client.set("cs:tracker:angry-user", json.dumps(tracker))
    calm = {"events": [session(at), user(at + 1, "faq", "satisfied")]}
    redis_client.set("cs:tracker:calm-user", json.dumps(calm))
    figures = compute(redis_client, period, CATEGORIES)
    assert figures["emotions"]["angry_contacts"] == 1 and figures["emotions"]["angry_rate"] == 0.5
