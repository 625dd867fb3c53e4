"""Handing the conversation to a person and taking it back (bot.handoff.intake does the work)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, FollowupAction, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.handoff.intake import HandoffIntake
from bot.knowledge.inbox import NOT_UNDERSTOOD_REASONS, Inbox, last_request


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


class _HandsOver:
    """What the actions that hand over share: the desk, and how to hand over.

    A mixin, not an Action: the action server registers every Action subclass by its name.
    """

    def __init__(self, intake: HandoffIntake, inbox: Inbox | None = None) -> None:
        self._intake = intake
        self._inbox = inbox

    def hand_over(self, dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, immediate: bool) -> list[dict[str, Any]]:
        outcome = self._intake.request(
            conversation_id=tracker.sender_id,
            channel=_channel(tracker),
            events=tracker.events,
            slots=tracker.current_slot_values(),
            latest_message=tracker.latest_message,
            reason=reason,
            signals=tracker.get_slot("handoff_signals") or [],
        )
        if self._inbox is not None and reason in NOT_UNDERSTOOD_REASONS:
            latest = tracker.latest_message  # "yes" to an offer: the message before it is the one
            text, intent = last_request(tracker.events)
            self._inbox.record(tracker.sender_id, text or latest.get("text") or "", "handoff",
                               intent or (latest.get("intent") or {}).get("name") or "", handoff_id=outcome.handoff_id)
        name, values = outcome.response(immediate)
        dispatcher.utter_message(response=name, **values)
        events: list[dict[str, Any]] = [SlotSet("handoff_reason", reason), SlotSet("handoff_offered", None)]
        if outcome.ticket_id:
            events.append(SlotSet("ticket_id", outcome.ticket_id))
        if tracker.active_loop_name:
            events.append(ActiveLoop(None))
        return [*events, FollowupAction("action_listen")]


class ActionRequestHuman(_HandsOver, Action):
    """The user asked for a person: hand over at once."""

    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return self.hand_over(dispatcher, tracker, "explicit_request", immediate=True)


class ActionEscalate(_HandsOver, Action):
    """An escalation trigger fired (see actions.triage): transfer now, or ask first."""

    def __init__(self, intake: HandoffIntake, while_waiting: Mapping[str, str], inbox: Inbox | None = None) -> None:
        super().__init__(intake, inbox)
        self._while_waiting = while_waiting

    def name(self) -> str:
        return "action_escalate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reason = tracker.get_slot("handoff_reason") or "explicit_request"
        if tracker.get_slot("handoff_immediate"):
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            protective = self._while_waiting.get(intent or "")
            if protective:
                dispatcher.utter_message(response=protective)
            return self.hand_over(dispatcher, tracker, reason, immediate=True)
        dispatcher.utter_message(response="utter_handoff_offer")
        return [SlotSet("handoff_offered", True), FollowupAction("action_listen")]


class ActionAcceptHandoff(_HandsOver, Action):
    """The user said yes to the offer of a person."""

    def name(self) -> str:
        return "action_accept_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return self.hand_over(dispatcher, tracker, tracker.get_slot("handoff_reason") or "explicit_request", immediate=False)


class ActionDeclineHandoff(Action):
    """The user would rather go on with the bot: handle the message that made us offer a person.

    Like Rasa's two-stage fallback, the earlier message is put back as the latest user turn,
    so the usual rules answer it; the offer is not made again in this session.
    """

    def name(self) -> str:
        return "action_decline_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_handoff_declined")
        events: list[dict[str, Any]] = [
            SlotSet("handoff_offered", None),
            SlotSet("handoff_declined", True),
            SlotSet("handoff_reason", None),
        ]
        original = _message_before_offer(tracker)
        if original is None:
            return events
        return [*events, ActionExecuted("action_listen"), UserUttered(original.get("text"), parse_data=original.get("parse_data"), input_channel=original.get("input_channel"))]


def _message_before_offer(tracker: Tracker) -> dict[str, Any] | None:
    """The user event that made the bot offer a person (the one before the latest)."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    return users[-2] if len(users) >= 2 else None


class ActionHandback(Action):
    """An agent resolved the handoff: welcome the user back and ask for a rating."""

    def name(self) -> str:
        return "action_handback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_handback")
        return [SlotSet("handoff_reason", None), SlotSet("handoff_offered", None), SlotSet("handoff_declined", None)]
