"""Real rasa_sdk trackers and dispatchers, built from small dicts: no server needed."""
from typing import Any, Dict, Optional

from rasa_sdk import Tracker


def make_tracker(
    text: str = "",
    intent: str = "faq",
    slots: Optional[Dict[str, Any]] = None,
    response_key: Optional[str] = None,
) -> Tracker:
    """A tracker whose latest user message is ``text`` with the given NLU result."""
    latest: Dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if response_key:
        latest["response_selector"] = {
            "faq": {"response": {"intent_response_key": response_key, "confidence": 0.9}},
        }
    return Tracker(
        sender_id="test-user",
        slots={"language": "zh", **(slots or {})},
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
