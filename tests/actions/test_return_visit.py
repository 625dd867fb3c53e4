"""The return visit (回访): the bot asks about the visited ticket, and the rating is stored with it."""
import datetime as dt

from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionReturnVisit, ActionSaveRating, ValidateRatingForm
from bot.service.feedback import FeedbackStore
from bot.service.ticket_rules import TicketRules
from bot.service.tickets import TicketStore
from bot.service.triage import TriageRules
from tests.actions.conftest import make_tracker


async def test_the_return_visit_asks_about_the_visited_ticket_and_the_reply_is_its_rating(redis_client):
    tickets = TicketStore(redis_client, rules=TicketRules.load())
    older = tickets.create("test-user", "complaint", "normal", "a", dt.timedelta(hours=24))
    visited = tickets.create("test-user", "complaint", "normal", "b", dt.timedelta(hours=24))
    for ticket in (older, visited):
        tickets.change_status(ticket.ticket_id, "resolved", "qa1")
    assert tickets.mark_return_visit(visited.ticket_id)

    events = await ActionReturnVisit(tickets).run(CollectingDispatcher(), make_tracker("/return_visit", intent="return_visit",
                                                                                     slots={"rating": 5.0}), {})
    assert {e["name"]: e["value"] for e in events} == {"ticket_id": visited.ticket_id, "return_visit": True, "rating": None}

    form = ValidateRatingForm(TriageRules.load().categories)
    assert await form.validate_rating("4分", CollectingDispatcher(), make_tracker(), {}) == {"rating": 4}
    feedback = FeedbackStore(redis_client)
    answered = make_tracker("4", slots={"rating": 4.0, "ticket_id": visited.ticket_id, "return_visit": True})
    events = await ActionSaveRating(feedback).run(CollectingDispatcher(), answered, {})
    assert events == [{"event": "slot", "timestamp": None, "name": "return_visit", "value": False}]
    [rating] = feedback.ratings_between(0)
    assert (rating.rating, rating.ticket_id) == (4, visited.ticket_id)

