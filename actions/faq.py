"""Answer an FAQ from the knowledge base in the SOP's three parts."""
from __future__ import annotations

from typing import Any, Protocol

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge.base import FAQ_INTENT, Faq

# Two spaces before the newline: a hard line break where a widget renders text as Markdown
# (rasa-webchat), invisible elsewhere; utter_faq_answer ends its lines the same way.
MARKDOWN_LINE_BREAK = "  \n"


class FaqLookup(Protocol):
    """A knowledge base, or the live one that follows published models (bot/knowledge/models.py)."""

    def by_response_key(self, intent_response_key: str) -> Faq | None:
        """The entry for ``faq/<id>``."""


def selected_response_key(tracker: Tracker) -> str | None:
    """The ``faq/<id>`` label Rasa's ResponseSelector chose for the latest user message."""
    selector = (tracker.latest_message or {}).get("response_selector", {})
    prediction = selector.get(FAQ_INTENT) or selector.get("default") or {}
    return (prediction.get("response") or {}).get("intent_response_key")


class ActionAnswerFaq(Action):
    """Render the selected knowledge-base entry: conclusion, reasoning, numbered steps."""

    def __init__(self, knowledge: FaqLookup) -> None:
        self._knowledge = knowledge

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        key = selected_response_key(tracker)
        faq = self._knowledge.by_response_key(key) if key else None
        if faq is None:
            dispatcher.utter_message(response="utter_faq_not_found")
            return []
        answer = faq.answer(tracker.get_slot("language"))
        dispatcher.utter_message(
            response="utter_faq_answer",
            conclusion=answer.conclusion,
            reasoning=answer.reasoning,
            steps=answer.numbered_steps(MARKDOWN_LINE_BREAK),
        )
        return []
