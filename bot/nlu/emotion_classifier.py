"""Rasa NLU component: the emotion a message shows (angry, anxious, neutral, satisfied) and a score.

It trains on its own examples, ``data/emotion/*.yml`` (not on the intent data), with the model of
``bot/nlu/emotion_model.py``, and writes ``{"label": …, "score": …}`` under ``emotion`` in every
parse, so it reaches the tracker's user events; ``bot/service/emotion.py`` reads it back. The
escalation word lists become features of the model (``data/service/escalation.yml``).
"""
from __future__ import annotations

import hashlib
import inspect
import logging
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import emotion_data, emotion_model
from bot.nlu.embeddings import encode_for_training, shared_encoder
from bot.service.emotion import PARSE_KEY
from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

_ESCALATION_RULES = PROJECT_ROOT / "data" / "service" / "escalation.yml"


def cues_from_escalation_rules(path: Path = _ESCALATION_RULES) -> emotion_model.Cues:
    """The anger word lists and shouting thresholds of the escalation rules, as model cues."""
    from bot.service.escalation import EscalationRules

    rules = EscalationRules.load(path)
    return emotion_model.Cues(rules.anger_words, rules.insults, rules.threats, rules.punctuation_run, rules.caps_words)


def examples_directory(config: dict[str, Any]) -> Path:
    """Where the labelled examples are: ``examples`` of the config, relative to the project."""
    return PROJECT_ROOT / str(config.get("examples", "data/emotion"))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmotionClassifier(GraphComponent):
    """Adds the message's emotion and the model's confidence in it to the parse."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults, chosen by cross-validation on data/emotion (docs/nlu.md)."""
        return {
            "examples": "data/emotion",  # labelled examples, relative to the project
            "C": 10.0,
            "dense_weight": 2.0,
            "cue_weight": 0.5,
        }

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages this component needs."""
        return ["sklearn"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when the examples, the word lists or the model's code change (Rasa's cache sees none)."""
        digest = hashlib.sha256()
        files = [*sorted(examples_directory({**cls.get_default_config(), **config}).glob("*.yml")), _ESCALATION_RULES]
        for path in files:
            digest.update(path.name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
        for module in (emotion_model, emotion_data):
            digest.update(inspect.getsource(module).encode())
        return digest.hexdigest()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: emotion_model.EmotionModel | None = None,
    ) -> None:
        self.component_config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmotionClassifier:
        """An untrained classifier."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit on the labelled examples (the intent training data is not used)."""
        examples = emotion_data.load_examples(examples_directory(self.component_config))
        if len({e.label for e in examples}) < 2:
            logger.warning("EmotionClassifier: fewer than two emotions have examples; not trained")
            return self._resource
        texts = [e.text for e in examples]
        self.model = emotion_model.fit(
            texts,
            [e.label for e in examples],
            encode_for_training(texts),
            cues_from_escalation_rules(),
            C=float(self.component_config["C"]),
            dense_weight=float(self.component_config["dense_weight"]),
            cue_weight=float(self.component_config["cue_weight"]),
        )
        with self._model_storage.write_to(self._resource) as directory:
            self.model.save(directory)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EmotionClassifier:
        """Read a trained classifier back; an untrained one (it adds nothing) if nothing was stored."""
        try:
            with model_storage.read_from(resource) as directory:
                return cls(config, model_storage, resource, emotion_model.EmotionModel.load(directory))
        except (ValueError, FileNotFoundError):
            logger.warning("EmotionClassifier: no trained model found; messages get no emotion")
            return cls(config, model_storage, resource)

    @staticmethod
    def sentence_vector(message: Message) -> np.ndarray:
        """The e5 vector the pipeline computed, or computed now if no dense featurizer ran."""
        _, dense = message.get_dense_features(TEXT)
        if dense is not None:
            return np.asarray(dense.features, dtype=np.float64).ravel()
        return shared_encoder().encode([message.get(TEXT)])[0]

    def process(self, messages: list[Message]) -> list[Message]:
        """Add ``emotion: {label, score}`` to each message that has text."""
        if self.model is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            label, score = self.model.predict(text, self.sentence_vector(message))
            message.set(PARSE_KEY, {"label": label, "score": round(score, 4)}, add_to_output=True)
        return messages
