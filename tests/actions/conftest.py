"""Real rasa_sdk trackers and dispatchers, built from small dicts: no server needed."""
from typing import Any

from rasa_sdk import Tracker


def make_tracker(
    text: str = "",
    intent: str = "faq",
    slots: dict[str, Any] | None = None,
    response_key: str | None = None,
    sender_id: str = "test-user",
    channel: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker whose latest user message is ``text`` with the given NLU result, on ``channel``."""
    latest: dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if metadata is not None:
        latest["metadata"] = metadata
    if response_key:
        latest["response_selector"] = {
            "faq": {"response": {"intent_response_key": response_key, "confidence": 0.9}},
        }
    events = [{"event": "user", "text": text, "input_channel": channel, "parse_data": latest}] if channel else []
    return Tracker(
        sender_id=sender_id,
        slots={"language": "zh", **(slots or {})},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
