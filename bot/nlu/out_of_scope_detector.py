"""Rasa NLU component: a message far from every in-scope training example is out of scope.

Placed after the intent classifiers and before ``FallbackClassifier``. At training it keeps the
e5 sentence vector of every training example (unit length, as the featurizer gives them) and
whether the example is ``out_of_scope``. For a message it finds the most similar in-scope example
and the most similar out-of-scope one (cosine, one product with the stored matrix); when the
in-scope one is below ``threshold``, or the out-of-scope one is closer by more than ``margin``,
the intent becomes ``out_of_scope`` (utter_out_of_scope: the offer of a person) instead of a
confident wrong answer. An FAQ answer (a retrieval intent) to a message that names another company
of the ``other_company`` lookup table (data/nlu/other_companies.yml: "微博密码忘了怎么办") becomes
``out_of_scope`` too: our answer is about our own service, never theirs. What was found goes into
the parse under ``out_of_scope_check``. How the settings were chosen, and what it costs:
docs/nlu.md, section 5.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.nlu.selectors.response_selector import (
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
)
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.other_companies import CompanyNames

logger = logging.getLogger(__name__)

OUT_OF_SCOPE = "out_of_scope"
PARSE_KEY = "out_of_scope_check"
_VECTORS, _OUT_OF_SCOPE_MASK, _COMPANIES = "vectors.npy", "out_of_scope.npy", "other_companies.json"


def nearest(in_scope: np.ndarray, out_of_scope: np.ndarray, vector: np.ndarray) -> tuple[float, float]:
    """Highest cosine similarity of ``vector`` to the in-scope rows and to the out-of-scope rows (-1 if none)."""
    best_in = float((in_scope @ vector).max()) if len(in_scope) else -1.0
    best_out = float((out_of_scope @ vector).max()) if len(out_of_scope) else -1.0
    return best_in, best_out


def is_out_of_scope(best_in: float, best_out: float, threshold: float, margin: float | None) -> bool:
    """The rule: nothing in scope is close enough, or an out-of-scope example is clearly closer."""
    return best_in < threshold or (margin is not None and best_out - best_in > margin)


def is_retrieval_answer(message: Message, intent: str | None) -> bool:
    """Whether ``intent`` is a retrieval intent (an FAQ answer) of the message's response selection."""
    selection = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
    return bool(intent) and intent in (selection.get(RESPONSE_SELECTOR_RETRIEVAL_INTENTS) or [])


def out_of_scope_ranking(ranking: Sequence[dict[str, Any]], confidence: float) -> list[dict[str, Any]]:
    """``out_of_scope`` first with ``confidence``; the rest in their order, scaled to share what is left."""
    others = [dict(entry) for entry in ranking if entry.get(INTENT_NAME_KEY) != OUT_OF_SCOPE]
    total = sum(float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0) for entry in others)
    factor = min(1.0, (1.0 - confidence) / total) if total > 0 else 0.0
    for entry in others:
        entry[PREDICTED_CONFIDENCE_KEY] = float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0) * factor
    return [{INTENT_NAME_KEY: OUT_OF_SCOPE, PREDICTED_CONFIDENCE_KEY: confidence}, *others]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class OutOfScopeDetector(GraphComponent, IntentClassifier):
    """Sets ``out_of_scope`` when the nearest training examples say the message is not ours."""

    @classmethod
    def required_components(cls) -> list[type]:
        """The e5 featurizer must run first."""
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults, chosen on tests/nlu/out_of_scope_dev.yml and leave-one-out on the training data (docs/nlu.md)."""
        return {
            "threshold": 0.84,  # lowest similarity to an in-scope example that still counts as in scope
            "margin": 0.01,  # an out-of-scope example closer by more than this wins; None: never
            "confidence": 0.9,  # given to out_of_scope when the detector sets it
        }

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages this component needs."""
        return ["numpy"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when this module's code changes (Rasa's cache only sees the config and the data)."""
        return hashlib.sha256(inspect.getsource(sys.modules[__name__]).encode()).hexdigest()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vectors: np.ndarray | None = None,
        out_of_scope_mask: np.ndarray | None = None,
        companies: CompanyNames | None = None,
    ) -> None:
        self.component_config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._in_scope = np.zeros((0, 0), np.float32)
        self._out_of_scope = np.zeros((0, 0), np.float32)
        self._companies = companies or CompanyNames(())
        if vectors is not None and out_of_scope_mask is not None:
            self._in_scope = np.ascontiguousarray(vectors[~out_of_scope_mask])
            self._out_of_scope = np.ascontiguousarray(vectors[out_of_scope_mask])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OutOfScopeDetector:
        """An untrained detector."""
        return cls(config, model_storage, resource)

    @staticmethod
    def sentence_vector(message: Message) -> np.ndarray | None:
        """The message's dense sentence vector, unit length, or None without one."""
        _, dense = message.get_dense_features(TEXT)
        if dense is None:
            return None
        vector = np.asarray(dense.features, dtype=np.float32).ravel()
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else None

    def train(self, training_data: TrainingData) -> Resource:
        """Keep the sentence vector of every training example with an intent, which are out of scope, and the company names."""
        companies = CompanyNames.from_lookup_tables(training_data.lookup_tables)
        rows, mask = [], []
        for message in training_data.intent_examples:
            vector = self.sentence_vector(message)
            if vector is not None:
                rows.append(vector)
                mask.append(message.get(INTENT) == OUT_OF_SCOPE)
        if not rows:
            logger.warning("OutOfScopeDetector: no training example has a sentence vector; it will do nothing")
            return self._resource
        vectors, out_of_scope_mask = np.vstack(rows).astype(np.float32), np.array(mask, dtype=bool)
        with self._model_storage.write_to(self._resource) as directory:
            np.save(directory / _VECTORS, vectors)
            np.save(directory / _OUT_OF_SCOPE_MASK, out_of_scope_mask)
            (directory / _COMPANIES).write_text(json.dumps(list(companies.names), ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> OutOfScopeDetector:
        """Read the stored vectors back; a detector that does nothing if none were stored."""
        try:
            with model_storage.read_from(resource) as directory:
                names = directory / _COMPANIES
                companies = CompanyNames(json.loads(names.read_text(encoding="utf-8"))) if names.exists() else None
                return cls(config, model_storage, resource,
                           np.load(directory / _VECTORS), np.load(directory / _OUT_OF_SCOPE_MASK), companies)
        except (ValueError, FileNotFoundError):
            logger.warning("OutOfScopeDetector: no trained vectors found; it will do nothing")
            return cls(config, model_storage, resource)

    def process(self, messages: list[Message]) -> list[Message]:
        """Record the nearest similarities and any company named; turn the intent into out_of_scope where a rule says so."""
        if not len(self._in_scope):
            return messages
        config = self.component_config
        margin = None if config["margin"] is None else float(config["margin"])
        for message in messages:
            vector = self.sentence_vector(message)
            if vector is None:
                continue
            best_in, best_out = nearest(self._in_scope, self._out_of_scope, vector)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            company = self._companies.find(message.get(TEXT) or "")
            detected = (is_out_of_scope(best_in, best_out, float(config["threshold"]), margin)
                        or (company is not None and is_retrieval_answer(message, intent)))
            message.set(PARSE_KEY, {"nearest_in_scope": round(best_in, 4), "nearest_out_of_scope": round(best_out, 4),
                                    "other_company": company, "detected": detected}, add_to_output=True)
            if not detected or intent in (OUT_OF_SCOPE, DEFAULT_NLU_FALLBACK_INTENT_NAME):
                continue
            confidence = float(config["confidence"])
            message.set(INTENT, {INTENT_NAME_KEY: OUT_OF_SCOPE, PREDICTED_CONFIDENCE_KEY: confidence}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, out_of_scope_ranking(message.get(INTENT_RANKING_KEY) or [], confidence),
                        add_to_output=True)
        return messages
