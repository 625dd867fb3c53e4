"""The emotion model itself (no Rasa): features of one message and a logistic regression over them.

Features, side by side:

* character 1–3-grams of the lower-cased text, sublinear tf-idf, L2-normalised — a vocabulary of
  its own, fitted on the emotion examples (the pipeline's count vectors are fitted on the intent
  data and miss much of how anger is said);
* the message's e5 sentence vector (the pipeline's ``E5Featurizer`` computes it; training
  computes it for the emotion examples with the same encoder), times ``dense_weight``;
* cues from the escalation word lists (``data/service/escalation.yml``: anger words, insults,
  threats, a run of !!! or ???, English shouting), one 0/1 column each, times ``cue_weight``:
  evidence the regression weighs, no longer a detector of their own.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.service.emotion import EMOTIONS

NGRAMS = (1, 3)
_WEIGHTS_FILE = "emotion_weights.npz"
_META_FILE = "emotion_model.json"
_LATIN_WORD = re.compile(r"[a-z0-9 ]+")


@dataclass(frozen=True)
class Cues:
    """The escalation word lists, lower-cased, and the shouting thresholds."""

    anger_words: tuple[str, ...] = ()
    insults: tuple[str, ...] = ()
    threats: tuple[str, ...] = ()
    punctuation_run: int = 3
    caps_words: int = 2

    def vector(self, text: str) -> np.ndarray:
        """One 0/1 column per cue: anger word, insult, threat, punctuation run, shouting."""
        lowered = text.lower()
        run = self.punctuation_run
        return np.array([
            any(w in lowered for w in self.anger_words),
            any(_contains_word(lowered, w) for w in self.insults),
            any(_contains_word(lowered, w) for w in self.threats),
            re.search(rf"[!!]{{{run},}}|[??]{{{run},}}", text) is not None,
            len(re.findall(r"\b[A-Z]{3,}\b", text)) >= self.caps_words,
        ], dtype=np.float64)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form, stored with the model so prediction uses the lists it was trained with."""
        return {"anger_words": list(self.anger_words), "insults": list(self.insults), "threats": list(self.threats),
                "punctuation_run": self.punctuation_run, "caps_words": self.caps_words}

    @classmethod
    def from_dict(cls, raw: dict) -> Cues:
        """Read :meth:`as_dict`'s form back."""
        return cls(tuple(raw.get("anger_words", ())), tuple(raw.get("insults", ())), tuple(raw.get("threats", ())),
                   int(raw.get("punctuation_run", 3)), int(raw.get("caps_words", 2)))


def _contains_word(lowered: str, word: str) -> bool:
    # As the escalation rules match: a Latin word must stand alone ("sue" is not in "issue").
    if _LATIN_WORD.fullmatch(word):
        return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", lowered) is not None
    return word in lowered


def char_ngrams(text: str) -> list[str]:
    """The character n-grams of the lower-cased text, whitespace runs folded to one space."""
    folded = " " + " ".join(text.lower().split()) + " "
    low, high = NGRAMS
    return [folded[i:i + n] for n in range(low, high + 1) for i in range(len(folded) - n + 1) if folded[i:i + n].strip()]


@dataclass
class EmotionModel:
    """A trained model: vocabulary and idf of the n-grams, the regression's weights, the cues."""

    labels: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray
    coefficients: np.ndarray  # (labels, vocabulary + dense + cues)
    intercepts: np.ndarray
    cues: Cues
    dense_weight: float
    cue_weight: float

    def ngram_entries(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The message's tf-idf n-gram row as (column indices, values)."""
        counts: dict[int, int] = {}
        for gram in char_ngrams(text):
            column = self.vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self.idf[columns]
        return columns, values / float(np.sqrt(values @ values))

    def probabilities(self, text: str, dense: np.ndarray) -> dict[str, float]:
        """Probability of each label for one message, given its e5 vector."""
        columns, values = self.ngram_entries(text)
        vocabulary = len(self.vocabulary)
        dense = np.asarray(dense, dtype=np.float64).ravel()
        expected = self.coefficients.shape[1] - vocabulary - len(self.cues.vector(""))
        if dense.size != expected:
            raise ValueError(f"the dense vector has {dense.size} values; the model was trained on {expected}")
        weights = self.coefficients
        scores = weights[:, columns] @ values
        scores = scores + weights[:, vocabulary:vocabulary + dense.size] @ (dense * self.dense_weight)
        scores = scores + weights[:, vocabulary + dense.size:] @ (self.cues.vector(text) * self.cue_weight)
        scores = scores + self.intercepts
        exp = np.exp(scores - scores.max())
        return {label: float(p) for label, p in zip(self.labels, exp / exp.sum(), strict=True)}

    def predict(self, text: str, dense: np.ndarray) -> tuple[str, float]:
        """The most probable label and its probability."""
        probabilities = self.probabilities(text, dense)
        label = max(probabilities, key=lambda name: (probabilities[name], name))
        return label, probabilities[label]

    def save(self, directory: Path) -> None:
        """Write plain arrays and JSON (nothing pickled)."""
        np.savez(directory / _WEIGHTS_FILE, idf=self.idf, coefficients=self.coefficients, intercepts=self.intercepts)
        meta = {"labels": self.labels, "vocabulary": self.vocabulary, "cues": self.cues.as_dict(),
                "dense_weight": self.dense_weight, "cue_weight": self.cue_weight}
        (directory / _META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> EmotionModel:
        """Read :meth:`save`'s files back; FileNotFoundError if there are none."""
        arrays = np.load(directory / _WEIGHTS_FILE)
        meta = json.loads((directory / _META_FILE).read_text(encoding="utf-8"))
        return cls(list(meta["labels"]), dict(meta["vocabulary"]), arrays["idf"], arrays["coefficients"],
                   arrays["intercepts"], Cues.from_dict(meta["cues"]), float(meta["dense_weight"]),
                   float(meta["cue_weight"]))


def fit(
    texts: Sequence[str],
    labels: Sequence[str],
    dense: np.ndarray,
    cues: Cues,
    *,
    C: float = 10.0,
    dense_weight: float = 2.0,
    cue_weight: float = 0.5,
    max_iter: int = 3000,
) -> EmotionModel:
    """Fit the regression on labelled texts and their e5 vectors (rows of ``dense``)."""
    import scipy.sparse
    from sklearn.linear_model import LogisticRegression

    unknown = set(labels) - set(EMOTIONS)
    if unknown:
        raise ValueError(f"unknown emotion labels: {sorted(unknown)}")
    vocabulary: dict[str, int] = {}
    rows, columns, values = [], [], []
    for row, text in enumerate(texts):
        counts: dict[int, int] = {}
        for gram in char_ngrams(text):
            column = vocabulary.setdefault(gram, len(vocabulary))
            counts[column] = counts.get(column, 0) + 1
        rows += [row] * len(counts)
        columns += list(counts)
        values += list(counts.values())
    counts_matrix = scipy.sparse.csr_matrix((values, (rows, columns)), shape=(len(texts), len(vocabulary)), dtype=np.float64)
    frequency = np.bincount(counts_matrix.indices, minlength=len(vocabulary))
    idf = np.log((1.0 + len(texts)) / (1.0 + frequency)) + 1.0
    weighted = counts_matrix.copy()
    weighted.data = 1.0 + np.log(weighted.data)
    weighted = weighted.multiply(idf.reshape(1, -1)).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    weighted = scipy.sparse.diags(1.0 / norms) @ weighted
    cue_rows = np.vstack([cues.vector(text) for text in texts]) * cue_weight
    features = scipy.sparse.hstack([weighted, scipy.sparse.csr_matrix(np.asarray(dense, dtype=np.float64) * dense_weight),
                                    scipy.sparse.csr_matrix(cue_rows)]).tocsr()
    model = LogisticRegression(C=C, max_iter=max_iter)
    model.fit(features, list(labels))
    coefficients, intercepts = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # sklearn keeps one row of weights for two classes
        coefficients = np.vstack([-coefficients[0], coefficients[0]])
        intercepts = np.array([-intercepts[0], intercepts[0]])
    return EmotionModel([str(c) for c in model.classes_], vocabulary, idf, coefficients, intercepts, cues,
                        dense_weight, cue_weight)
