"""Put the linear classifier's choice of FAQ entry into the message's ``response_selector`` output.

``action_answer_faq``, the analytics and the NLU report read the chosen entry (``faq/<id>``) where
Rasa's ResponseSelector writes it. The logistic regression already scores every entry, and picked
the right one more often than the ResponseSelector on the held-out questions (docs/nlu.md), so it
writes its choice in the same place of the parse — blended with the ResponseSelector's ranking
where one is in the pipeline, alone where none is: nothing downstream changes.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.selectors.response_selector import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.constants import UTTER_PREFIX
from rasa.shared.nlu.constants import (
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    RESPONSE_IDENTIFIER_DELIMITER,
)
from rasa.shared.nlu.training_data.message import Message

Ranking = list[tuple[str, float]]
Blend = Callable[[dict[str, float], dict[str, float], float], Ranking]


def entries_of(retrieval_intent: str, label_probabilities: dict[str, float]) -> dict[str, float]:
    """The labels of one retrieval intent, their probabilities renormalised to sum to 1."""
    prefix = f"{retrieval_intent}{RESPONSE_IDENTIFIER_DELIMITER}"
    entries = {label: p for label, p in label_probabilities.items() if label.startswith(prefix)}
    total = sum(entries.values())
    return {label: p / total for label, p in entries.items()} if total > 0 else {}


def selector_ranking(prediction: dict[str, Any]) -> dict[str, float]:
    """The ResponseSelector's ranking as ``faq/<id>`` → confidence."""
    return {
        entry[INTENT_RESPONSE_KEY]: float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        for entry in prediction.get(RESPONSE_SELECTOR_RANKING_KEY) or []
        if entry.get(INTENT_RESPONSE_KEY)
    }


def retrieval_intents_of(label_probabilities: dict[str, float]) -> list[str]:
    """The retrieval intents (``faq``) that labels such as ``faq/<id>`` belong to, sorted."""
    return sorted({label.split(RESPONSE_IDENTIFIER_DELIMITER, 1)[0] for label in label_probabilities
                   if RESPONSE_IDENTIFIER_DELIMITER in label})


def replace_selection(message: Message, ranking: Ranking, retrieval_intent: str, selector: dict[str, Any]) -> None:
    """Write ``ranking`` as the selection for ``retrieval_intent``, in the ResponseSelector's format."""
    prediction = selector.setdefault(retrieval_intent, {})
    key, confidence = ranking[0]
    previous = prediction.get(RESPONSE_SELECTOR_PREDICTION_KEY) or {}
    same_entry = previous.get(INTENT_RESPONSE_KEY) == key
    prediction[RESPONSE_SELECTOR_PREDICTION_KEY] = {
        # The response texts the ResponseSelector attached belong to its own choice.
        RESPONSE_SELECTOR_RESPONSES_KEY: previous.get(RESPONSE_SELECTOR_RESPONSES_KEY) if same_entry else None,
        PREDICTED_CONFIDENCE_KEY: confidence,
        INTENT_RESPONSE_KEY: key,
        RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"{UTTER_PREFIX}{key}",
    }
    prediction[RESPONSE_SELECTOR_RANKING_KEY] = [
        {INTENT_RESPONSE_KEY: label, PREDICTED_CONFIDENCE_KEY: score} for label, score in ranking[:LABEL_RANKING_LENGTH]
    ]
    message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)


def select_entries(message: Message, label_probabilities: dict[str, float], selector_weight: float,
                   blend: Blend) -> str | None:
    """Choose the entry of every retrieval intent this model knows entries of.

    ``blend(ours, theirs, weight)`` merges two label → probability maps into a ranking; without a
    ResponseSelector in the pipeline there is nothing to blend and our ranking is the choice.
    Returns the entry chosen for the last retrieval intent handled, or None if there was none.
    """
    selector = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
    retrieval_intents = retrieval_intents_of(label_probabilities)
    if retrieval_intents and not selector.get(RESPONSE_SELECTOR_RETRIEVAL_INTENTS):
        selector[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = retrieval_intents
    chosen = None
    for retrieval_intent in retrieval_intents:
        ours = entries_of(retrieval_intent, label_probabilities)
        if not ours:
            continue
        prediction = selector.get(retrieval_intent)
        theirs = selector_ranking(prediction) if isinstance(prediction, dict) else {}
        ranking = blend(ours, theirs, selector_weight if theirs else 0.0)
        replace_selection(message, ranking, retrieval_intent, selector)
        chosen = ranking[0][0]
    return chosen
