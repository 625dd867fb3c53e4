"""Answer an FAQ from the knowledge base in the SOP's three parts."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge.base import FAQ_INTENT, KnowledgeBase


def selected_response_key(tracker: Tracker) -> Optional[str]:
    """The ``faq/<id>`` label Rasa's ResponseSelector chose for the latest user message."""
    selector = (tracker.latest_message or {}).get("response_selector", {})
    prediction = selector.get(FAQ_INTENT) or selector.get("default") or {}
    return (prediction.get("response") or {}).get("intent_response_key")


class ActionAnswerFaq(Action):
    """Render the selected knowledge-base entry: conclusion, reasoning, numbered steps."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._knowledge = knowledge

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
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
            steps=answer.numbered_steps(),
        )
        return []
