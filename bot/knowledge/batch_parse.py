"""Parse many sentences at once with a loaded Rasa model, for the held-out evaluations.

``Agent.parse_message`` runs the NLU graph for one sentence; the graph takes a list, and every
component of the pipeline handles one, so a batch goes through in one run: the e5 featurizer
embeds 64 sentences in one call instead of one per call. Same parse, same figures (checked on
tests/nlu and the triage set: 696 sentences, no difference); 3 s instead of 345 s on 2 busy cores
(docs/performance.md, "Publishing"). The Rasa server still parses each message as it comes.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BATCH = 64


def parse_all(agent: Any, texts: Sequence[str], batch: int = BATCH) -> list[dict[str, Any]]:
    """What ``agent.parse_message(text)`` returns for each of ``texts``, in order."""
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT

    processor = agent.processor
    target = processor.model_metadata.nlu_target
    parsed: list[dict[str, Any]] = []
    for start in range(0, len(texts), batch):
        messages = [UserMessage(text) for text in texts[start:start + batch]]
        inputs = {PLACEHOLDER_MESSAGE: messages, PLACEHOLDER_TRACKER: DialogueStateTracker.from_events("evaluation", [])}
        for message in processor.graph_runner.run(inputs=inputs, targets=[target])[target]:
            # As Rasa's processor builds a parse (MessageProcessor._parse_message_with_graph, parse_message).
            data: dict[str, Any] = {TEXT: "", INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, ENTITIES: []}
            data.update(message.as_dict(only_output_properties=True))
            processor._update_full_retrieval_intent(data)
            parsed.append(data)
    return parsed
