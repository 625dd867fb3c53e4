"""The emotion model without Rasa: ``python -m bench.emotion`` — cross-validation, held-out figures, cost.

Trains ``bot.nlu.emotion_model`` on ``data/emotion`` exactly as the Rasa component does (same
features, same e5 encoder, same word-list cues) but outside Rasa, so settings and data can be
tried in seconds instead of a full model training:

* k-fold cross-validation on data/emotion (stratified, fixed seed): "angry" precision / recall
  and accuracy, for each setting of ``--grid`` (C, dense_weight, cue_weight);
* with ``--held-out``, the figures on tests/nlu/emotion_*.yml for config.yml's setting (what
  ``make test-nlu`` reports from the trained model);
* the cost: seconds to fit, milliseconds per message (e5 not counted: the pipeline computes it
  anyway; a message whose text is new costs one e5 encoding, which the featurizer already pays).

``--json`` writes everything to a file.
"""
from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np

from bot.knowledge.nlu_eval import precision_recall
from bot.nlu import emotion_model
from bot.nlu.embeddings import shared_encoder
from bot.nlu.emotion_data import EmotionExample, load_examples
from bot.settings import PROJECT_ROOT

TRAIN = PROJECT_ROOT / "data" / "emotion"
CACHE = PROJECT_ROOT / "var" / "bench" / "emotion-e5.npz"
HELD_OUT = {"zh": PROJECT_ROOT / "tests" / "nlu" / "emotion_zh.yml", "en": PROJECT_ROOT / "tests" / "nlu" / "emotion_en.yml"}


class CachedEncoder:
    """The shared e5 encoder with its vectors kept on disk between runs (a bench convenience only)."""

    def __init__(self, path: Path = CACHE) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            stored = np.load(path)
            self.vectors = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, shared_encoder().encode(missing), strict=True))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, texts=np.array(list(self.vectors)), vectors=np.vstack(list(self.vectors.values())))
        return np.vstack([self.vectors[t] for t in texts]).astype(np.float64)


def angry_figures(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Precision and recall of "angry" and accuracy over (true, predicted) pairs."""
    precision, recall, _ = precision_recall(pairs, "angry")
    return {"angry_precision": round(precision, 3), "angry_recall": round(recall, 3),
            "accuracy": round(sum(1 for t, p in pairs if t == p) / len(pairs), 3) if pairs else 0.0, "n": len(pairs)}


def folds(examples: list[EmotionExample], k: int, seed: int = 0) -> list[list[int]]:
    """Stratified folds of indices (by label and language)."""
    rng = np.random.default_rng(seed)
    groups: dict[tuple[str, str], list[int]] = {}
    for index, example in enumerate(examples):
        groups.setdefault((example.label, example.language), []).append(index)
    parts: list[list[int]] = [[] for _ in range(k)]
    for key in sorted(groups):
        members = list(rng.permutation(groups[key]))
        for n, index in enumerate(members):
            parts[n % k].append(int(index))
    return parts


def fit(examples: list[EmotionExample], vectors: np.ndarray, cues: emotion_model.Cues, setting: dict[str, float]) -> emotion_model.EmotionModel:
    return emotion_model.fit([e.text for e in examples], [e.label for e in examples], vectors, cues, **setting)


THRESHOLDS = (0.0, 0.4, 0.5, 0.6, 0.7)


def at_thresholds(scored: list[tuple[str, str, float]]) -> dict[str, dict[str, float]]:
    """Angry precision / recall when "angry" counts only at or above each minimum score (as escalation reads it)."""
    return {f"{t:.1f}": angry_figures([(true, label if label != "angry" or score >= t else "other")
                                       for true, label, score in scored]) for t in THRESHOLDS}


def by_language(examples: list[EmotionExample], scored: list[tuple[str, str, float]], k: int) -> dict[str, dict[str, float]]:
    """The cross-validation figures of each language (``scored`` in the order :func:`cross_validate` returns)."""
    order = [i for held in folds(examples, k) for i in held]
    pairs: dict[str, list[tuple[str, str]]] = {}
    for index, (true, label, _) in zip(order, scored, strict=True):
        pairs.setdefault(examples[index].language, []).append((true, label))
    return {language: angry_figures(rows) for language, rows in sorted(pairs.items())}


def cross_validate(examples, vectors, cues, setting, k: int) -> tuple[dict[str, float], list[tuple[str, str, float]]]:
    scored = []
    for held in folds(examples, k):
        held_set = set(held)
        train = [i for i in range(len(examples)) if i not in held_set]
        model = fit([examples[i] for i in train], vectors[train], cues, setting)
        scored += [(examples[i].label, *model.predict(examples[i].text, vectors[i])) for i in held]
    return angry_figures([(t, p) for t, p, _ in scored]), scored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--grid", action="store_true", help="cross-validate a grid of settings, not only config.yml's")
    parser.add_argument("--held-out", action="store_true", help="also score tests/nlu/emotion_*.yml")
    parser.add_argument("--errors", action="store_true", help="list the held-out mistakes")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from bot.nlu.emotion_classifier import EmotionClassifier, cues_from_escalation_rules  # imports Rasa

    examples = load_examples(TRAIN)
    encoder = CachedEncoder()
    started = time.perf_counter()
    vectors = encoder.encode([e.text for e in examples])
    encode_seconds = time.perf_counter() - started  # e5 for the texts not cached yet
    cues = cues_from_escalation_rules()
    defaults = EmotionClassifier.get_default_config()
    chosen = {"C": defaults["C"], "dense_weight": defaults["dense_weight"], "cue_weight": defaults["cue_weight"]}
    settings = [chosen]
    if args.grid:
        settings += [{"C": c, "dense_weight": d, "cue_weight": w}
                     for c, d, w in itertools.product((1.0, 3.0, 10.0, 30.0), (1.0, 2.0, 3.0), (0.0, 0.5, 1.0))]
    report: dict = {"examples": len(examples), "e5_seconds_uncached": round(encode_seconds, 2), "cv": []}
    for setting in settings:
        figures, scored = cross_validate(examples, vectors, cues, setting, args.folds)
        languages = by_language(examples, scored, args.folds)
        report["cv"].append({**setting, **figures, "by_language": languages})
        print(f"cv {setting}: {figures}")
        for language, at in languages.items():
            print(f"    {language}: {at}")
        if setting is chosen:
            report["cv_min_score"] = at_thresholds(scored)
            for threshold, at in report["cv_min_score"].items():
                print(f"    angry only at score >= {threshold}: {at}")

    started = time.perf_counter()
    model = fit(examples, vectors, cues, chosen)
    report["fit_seconds"] = round(time.perf_counter() - started, 3)
    print(f"fit: {report['fit_seconds']} s on {len(examples)} examples (+ {encode_seconds:.1f} s of e5 for texts not cached)")

    if args.held_out:
        report["held_out"] = {}
        for language, path in HELD_OUT.items():
            tests = load_examples(path)
            test_vectors = encoder.encode([e.text for e in tests])
            started = time.perf_counter()
            predicted = [model.predict(e.text, v) for e, v in zip(tests, test_vectors, strict=True)]
            per_message_ms = (time.perf_counter() - started) * 1000 / len(tests)
            figures = {**angry_figures([(e.label, p[0]) for e, p in zip(tests, predicted, strict=True)]),
                       "ms_per_message": round(per_message_ms, 3)}
            report["held_out"][language] = figures
            print(f"held-out {language}: {figures}")
            if args.errors:
                for example, (label, score) in zip(tests, predicted, strict=True):
                    if label != example.label:
                        print(f"    {example.text!r}: {example.label} → {label} ({score:.2f})")
        pooled = []
        for path in HELD_OUT.values():
            tests = load_examples(path)
            test_vectors = encoder.encode([e.text for e in tests])
            pooled += [(e.label, *model.predict(e.text, v)) for e, v in zip(tests, test_vectors, strict=True)]
        report["held_out"]["pooled"] = angry_figures([(t, p) for t, p, _ in pooled])
        report["held_out"]["pooled_min_score"] = at_thresholds(pooled)
        print(f"held-out pooled: {report['held_out']['pooled']}")
        for threshold, at in report["held_out"]["pooled_min_score"].items():
            print(f"    angry only at score >= {threshold}: {at}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
