"""Rasa intent classifier: logistic regression on the pipeline's sentence features.

DIET alone swung by two points of accuracy between training seeds on our two thousand
examples, and in 3-fold cross-validation on the training data it was right 80% of the time. A
multinomial logistic regression over the same features (tf-idf weighted word and character
counts beside the e5 sentence vector) is deterministic and was right 92% of the time on the same
folds. It learns one class per FAQ entry, so it also picks the entry (``bot/nlu/faq_entry.py``).
DIET and the ResponseSelector took most of the training time for a tenth of the ranking and
were left out of config.yml (docs/performance.md); where they are in a pipeline, their rankings
can still be blended in (``diet_weight``, ``selector_weight``), which is how ``bench.nlu_cv``
measures what they would add.
"""
from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    RESPONSE_IDENTIFIER_DELIMITER,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.faq_entry import RESPONSE_SELECTOR_PROPERTY_NAME, select_entries

logger = logging.getLogger(__name__)

_WEIGHTS_FILE = "weights.npz"
_LABELS_FILE = "labels.json"


def coarse_intent(label: str) -> str:
    """``faq/reset_password`` → ``faq``: the intent a retrieval label belongs to."""
    return label.split(RESPONSE_IDENTIFIER_DELIMITER, 1)[0]


def sum_by_intent(label_probabilities: dict[str, float]) -> dict[str, float]:
    """Probabilities of FAQ entries added up into their intent; other labels as they are."""
    intents: dict[str, float] = {}
    for label, probability in label_probabilities.items():
        intent = coarse_intent(label)
        intents[intent] = intents.get(intent, 0.0) + probability
    return intents


def blend_rankings(ours: dict[str, float], diet: dict[str, float], diet_weight: float) -> list[tuple[str, float]]:
    """Weighted mean of two intent → probability maps, best first (absent labels count as 0)."""
    labels = set(ours) | set(diet)
    blended = {label: (1.0 - diet_weight) * ours.get(label, 0.0) + diet_weight * diet.get(label, 0.0) for label in labels}
    return sorted(blended.items(), key=lambda item: (-item[1], item[0]))


class SentenceFeatures:
    """Turns a message's sentence features into one row: tf-idf of the counts ⊕ dense vector."""

    def __init__(self, idf: np.ndarray, dense_weight: float) -> None:
        self.idf = idf
        self.dense_weight = dense_weight

    @staticmethod
    def raw(message: Message) -> tuple[scipy.sparse.csr_matrix, np.ndarray] | None:
        """The message's sparse and dense sentence features, or None if it has neither."""
        _, sparse = message.get_sparse_features(TEXT)
        _, dense = message.get_dense_features(TEXT)
        if sparse is None or dense is None:
            return None
        return scipy.sparse.csr_matrix(sparse.features), np.asarray(dense.features, dtype=np.float64).reshape(1, -1)

    @staticmethod
    def fit_idf(counts: scipy.sparse.csr_matrix) -> np.ndarray:
        """Smoothed inverse document frequency of every count column."""
        documents = counts.shape[0]
        frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        return np.log((1.0 + documents) / (1.0 + frequency)) + 1.0

    def tfidf_entries(self, counts: scipy.sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """One message's tf-idf row of ``rows`` as (column indices, values), without building matrices."""
        counts = counts.tocsr()
        values = (1.0 + np.log(np.maximum(counts.data.astype(np.float64), 1.0))) * self.idf[counts.indices]
        norm = float(np.sqrt(values @ values))
        return counts.indices, values / norm if norm else values

    def rows(self, counts: scipy.sparse.csr_matrix, dense: np.ndarray) -> scipy.sparse.csr_matrix:
        """Sublinear tf-idf, L2-normalised, beside the weighted dense vectors."""
        weighted = counts.astype(np.float64).tocsr(copy=True)
        weighted.data = 1.0 + np.log(np.maximum(weighted.data, 1.0))
        weighted = weighted.multiply(self.idf.reshape(1, -1)).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
        norms[norms == 0] = 1.0
        weighted = scipy.sparse.diags(1.0 / norms) @ weighted
        return scipy.sparse.hstack([weighted, scipy.sparse.csr_matrix(dense * self.dense_weight)]).tocsr()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression over FAQ entries and intents; can blend in DIET's ranking.

    It learns one class per FAQ entry (``faq/…``) and per other intent, then adds the entries'
    probabilities up into ``faq``. Placed after a DIETClassifier, it replaces the message's
    intent and ranking with ``(1 - diet_weight) × its own + diet_weight × DIET's``.
    """

    @classmethod
    def required_components(cls) -> list[type]:
        """Featurizers must run first."""
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Defaults, chosen by cross-validation on the training data (docs/nlu.md)."""
        return {
            "C": 10.0,  # inverse L2 strength of the logistic regression
            "dense_weight": 3.0,  # scale of the dense sentence vector beside the unit tf-idf row
            "diet_weight": 0.1,  # share of DIET's ranking in the result; 0 ignores DIET
            # It chooses the FAQ entry, with this share of a ResponseSelector's ranking blended in
            # where one ran before it; None leaves such a ResponseSelector's choice as it is.
            "selector_weight": None,
            "max_iter": 3000,
            # The regularised problem has one optimum; Newton-CG reaches it in ~17 steps where
            # L-BFGS took ~340, 2.4 times faster on our data with the same probabilities to 2e-4
            # (docs/performance.md). The fit is the largest part of a training.
            "solver": "newton-cg",
        }

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages this component needs."""
        return ["sklearn"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        labels: list[str] | None = None,
        coefficients: np.ndarray | None = None,
        intercepts: np.ndarray | None = None,
        idf: np.ndarray | None = None,
    ) -> None:
        self.component_config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.labels = labels or []
        self.coefficients = coefficients
        self.intercepts = intercepts
        self.features = SentenceFeatures(idf, float(self.component_config["dense_weight"])) if idf is not None else None
        self._prepare_scoring()

    def _prepare_scoring(self) -> None:
        # The weights split by feature and transposed once, so that a message costs a gather of
        # the rows its words hit and one small product, not sparse-matrix construction.
        if self.coefficients is None or self.features is None:
            self._count_weights = self._dense_weights = None
            return
        vocabulary = self.features.idf.shape[0]
        self._count_weights = np.ascontiguousarray(self.coefficients[:, :vocabulary].T)
        self._dense_weights = np.ascontiguousarray(self.coefficients[:, vocabulary:].T) * self.features.dense_weight

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        """An untrained classifier."""
        return cls(config, model_storage, resource)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Reject settings that cannot work, with a message saying which."""
        weight = config.get("diet_weight", 0.1)
        if not 0.0 <= float(weight) <= 1.0:
            raise ValueError(f"LinearIntentClassifier: diet_weight must be between 0 and 1, not {weight}")
        selector_weight = config.get("selector_weight")
        if selector_weight is not None and not 0.0 <= float(selector_weight) <= 1.0:
            raise ValueError(f"LinearIntentClassifier: selector_weight must be between 0 and 1, not {selector_weight}")
        if float(config.get("C", 1.0)) <= 0:
            raise ValueError("LinearIntentClassifier: C must be positive")

    @staticmethod
    def training_label(message: Message) -> str | None:
        """The class an example trains: its FAQ entry if it has one, else its intent."""
        return message.get(INTENT_RESPONSE_KEY) or message.get(INTENT)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the regression on every intent example that has features."""
        from sklearn.linear_model import LogisticRegression

        labelled = []
        for message in training_data.intent_examples:
            raw = SentenceFeatures.raw(message)
            label = self.training_label(message)
            if raw is not None and label:
                labelled.append((raw, label))
        if len({label for _, label in labelled}) < 2:
            logger.warning("LinearIntentClassifier: fewer than two intents with features; not trained")
            return self._resource
        counts = scipy.sparse.vstack([raw[0] for raw, _ in labelled]).tocsr()
        dense = np.vstack([raw[1] for raw, _ in labelled])
        self.features = SentenceFeatures(SentenceFeatures.fit_idf(counts), float(self.component_config["dense_weight"]))
        model = LogisticRegression(C=float(self.component_config["C"]), max_iter=int(self.component_config["max_iter"]),
                                   solver=str(self.component_config["solver"]))
        model.fit(self.features.rows(counts, dense), [label for _, label in labelled])
        self.labels = [str(label) for label in model.classes_]
        self.coefficients = model.coef_
        self.intercepts = model.intercept_
        self._prepare_scoring()
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Write the weights as plain arrays and the labels as JSON (nothing pickled)."""
        assert self.coefficients is not None and self.intercepts is not None and self.features is not None, "not trained"
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / _WEIGHTS_FILE, coefficients=self.coefficients, intercepts=self.intercepts, idf=self.features.idf)
            (directory / _LABELS_FILE).write_text(json.dumps(self.labels, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        """Read a trained classifier back; an untrained one if nothing was stored."""
        try:
            with model_storage.read_from(resource) as directory:
                arrays = np.load(directory / _WEIGHTS_FILE)
                labels = json.loads((directory / _LABELS_FILE).read_text(encoding="utf-8"))
                return cls(config, model_storage, resource, labels, arrays["coefficients"], arrays["intercepts"], arrays["idf"])
        except (ValueError, FileNotFoundError):
            logger.warning("LinearIntentClassifier: no trained weights found; it will leave intents as they are")
            return cls(config, model_storage, resource)

    def intent_probabilities(self, message: Message) -> dict[str, float] | None:
        """This model's probability for each intent (FAQ entries summed into ``faq``)."""
        labels = self.label_probabilities(message)
        return None if labels is None else sum_by_intent(labels)

    def label_probabilities(self, message: Message) -> dict[str, float] | None:
        """This model's probability for each class it learned: FAQ entries and other intents."""
        raw = SentenceFeatures.raw(message)
        if raw is None or self._count_weights is None or self.features is None or self._dense_weights is None:
            return None
        counts, dense = raw
        if counts.shape[1] != self.features.idf.shape[0] or dense.shape[1] != self._dense_weights.shape[0]:
            return None
        scores = self.scores(counts, dense)
        if len(self.labels) == 2:  # sklearn keeps one row of weights for two classes
            scores = np.array([-scores[0], scores[0]])
        exp = np.exp(scores - scores.max())
        probabilities = exp / exp.sum()
        return {label: float(probability) for label, probability in zip(self.labels, probabilities, strict=False)}

    def scores(self, counts: scipy.sparse.csr_matrix, dense: np.ndarray) -> np.ndarray:
        """The regression's decision scores for one message: ``rows(...) @ coefficients.T + intercepts``."""
        assert self.features is not None and self._count_weights is not None, "not trained"
        columns, values = self.features.tfidf_entries(counts)
        return values @ self._count_weights[columns] + dense.ravel() @ self._dense_weights + self.intercepts

    def process(self, messages: list[Message]) -> list[Message]:
        """Set each message's intent and ranking from the blend."""
        weight = float(self.component_config["diet_weight"])
        selector_weight = self.component_config.get("selector_weight")
        for message in messages:
            labels = self.label_probabilities(message)
            if labels is None:
                continue
            if selector_weight is not None or not message.get(RESPONSE_SELECTOR_PROPERTY_NAME):
                select_entries(message, labels, float(selector_weight or 0.0), blend_rankings)
            ours = sum_by_intent(labels)
            diet = {
                entry[INTENT_NAME_KEY]: float(entry[PREDICTED_CONFIDENCE_KEY])
                for entry in message.get(INTENT_RANKING_KEY) or []
                if entry.get(INTENT_NAME_KEY)
            }
            ranking = blend_rankings(ours, diet, weight if diet else 0.0)[:LABEL_RANKING_LENGTH]
            name, confidence = ranking[0]
            message.set(INTENT, {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [{INTENT_NAME_KEY: label, PREDICTED_CONFIDENCE_KEY: score} for label, score in ranking],
                add_to_output=True,
            )
        return messages
