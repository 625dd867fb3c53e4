"""What each intent classifier buys, without the test set: ``python -m bench.nlu_cv``.

k-fold cross-validation on the project's own training data (data/nlu and the knowledge base's
questions), with fixed folds so every variant sees the same splits. Variants of config.yml:

- ``linear``: config.yml as it is (LinearIntentClassifier picks intents and FAQ entries alone);
- ``blend``: with DIETClassifier and the ResponseSelector put back as they were until
  2026-11-29, each with a tenth of the vote (``diet_weight``, ``selector_weight`` 0.1);
- ``diet``: DIETClassifier and the ResponseSelector without the linear classifier (Rasa's own).

Per fold, the first variant trains everything; the others reuse Rasa's cache for every
component whose inputs did not change, so only the changed classifiers retrain. Prints intent
accuracy, complaint precision / recall, FAQ entry accuracy, fallback rate and training seconds
per variant and fold, and their means.

With both ``linear`` and ``diet`` run, it then re-scores their rankings, blended offline, for
other shares of DIET and other fallback settings (``sweep``): what the share of DIET and the
FallbackClassifier thresholds were chosen from. Offline blending uses the top ten intents of
each ranking, as Rasa passes them on.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.nlu.run import intent_name, parse_texts
from bench.output import write_json
from bot.knowledge.base import FAQ_INTENT, selected_entry
from bot.knowledge.nlu_eval import precision_recall
from bot.knowledge.oos_eval import OUT_OF_SCOPE_INTENTS
from bot.knowledge.training import rasa_environment, write_derived_data
from bot.nlu.linear_intent_classifier import blend_rankings
from bot.nlu.out_of_scope_detector import OUT_OF_SCOPE
from bot.settings import Settings

LINEAR = "bot.nlu.linear_intent_classifier.LinearIntentClassifier"
COMPLAINT = "complaint"
# The two neural components config.yml had until 2026-11-29, with their settings then.
DIET_STEP = {"name": "DIETClassifier", "epochs": 80, "number_of_transformer_layers": 1, "transformer_size": 128,
             "entity_recognition": False, "constrain_similarities": True, "random_seed": 42}
SELECTOR_STEP = {"name": "ResponseSelector", "retrieval_intent": "faq", "epochs": 80,
                 "constrain_similarities": True, "random_seed": 42}
NEURAL = (DIET_STEP["name"], SELECTOR_STEP["name"])


def with_neural(config: dict, share: float = 0.1) -> dict:
    """config.yml with DIET and the ResponseSelector before the linear classifier, ``share`` of the vote each."""
    pipeline: list[dict] = []
    for step in config["pipeline"]:
        if step["name"] in NEURAL:
            continue
        if step["name"] == LINEAR:
            pipeline += [dict(DIET_STEP), dict(SELECTOR_STEP), dict(step, diet_weight=share, selector_weight=share)]
        else:
            pipeline.append(step)
    return {**config, "pipeline": pipeline}


def neural_alone(config: dict) -> dict:
    """DIET and the ResponseSelector where the linear classifier was: Rasa's own pipeline."""
    blended = with_neural(config)
    return {**blended, "pipeline": [step for step in blended["pipeline"] if step["name"] != LINEAR]}


VARIANTS: dict[str, Callable[[dict], dict]] = {"linear": lambda config: config, "blend": with_neural, "diet": neural_alone}


def load_examples(settings: Settings):
    """The whole NLU training data as Rasa loads it, FAQ entries included."""
    from rasa.shared.nlu.training_data.loading import load_data

    derived = write_derived_data(settings)
    data = None
    for root in (settings.project_root / "data" / "nlu", derived):
        for path in sorted(root.rglob("*.yml")):
            part = load_data(str(path))
            data = part if data is None else data.merge(part)
    return data


def label(message) -> str:
    """FAQ entry for FAQ questions, intent otherwise: what the folds are stratified on."""
    return message.get("intent_response_key") or message.get("intent")


def folds(data, k: int, seed: int) -> list[tuple[list, list]]:
    """Stratified, shuffled with a fixed seed: the same splits for every variant and run."""
    from sklearn.model_selection import StratifiedKFold

    examples = data.intent_examples
    labels = [label(m) for m in examples]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [([examples[i] for i in train], [examples[i] for i in test]) for train, test in splitter.split(examples, labels)]


def write_fold(data, train_examples: list, path: Path) -> Path:
    """A Rasa NLU file with ``train_examples`` and everything else (regexes, responses) of ``data``."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    fold = TrainingData(
        training_examples=train_examples,
        entity_synonyms=data.entity_synonyms,
        regex_features=data.regex_features,
        lookup_tables=data.lookup_tables,
        responses=data.responses,
    )
    RasaYAMLWriter().dump(path, fold)
    return path


def score(truth: list[str], predicted: list[str | None]) -> dict[str, float]:
    """Intent accuracy, complaint precision and recall, the share sent to ``nlu_fallback``, and the
    in-scope loss: of the examples not labelled ``out_of_scope``, the share sent to it or the fallback."""
    pairs = list(zip(truth, predicted, strict=False))
    hits = sum(1 for t, p in pairs if t == p)
    precision, recall, _support = precision_recall(pairs, COMPLAINT)
    in_scope = [p for t, p in pairs if t != OUT_OF_SCOPE]
    return {
        "accuracy": hits / len(truth),
        "complaint P": precision,
        "complaint R": recall,
        "fallback": sum(1 for _, p in pairs if p == "nlu_fallback") / len(pairs),
        "in-scope loss": sum(1 for p in in_scope if p in OUT_OF_SCOPE_INTENTS) / len(in_scope) if in_scope else 0.0,
    }


def entry_accuracy(truth_entries: list[str | None], predicted_entries: list[str | None]) -> float:
    """Of the FAQ questions (a true entry), the share answered with that entry."""
    pairs = [(t, p) for t, p in zip(truth_entries, predicted_entries, strict=False) if t]
    return sum(1 for t, p in pairs if t == p) / len(pairs) if pairs else 0.0


def chosen_entry(parse: dict) -> str | None:
    """The FAQ entry a parse answers with: only when its intent is ``faq``."""
    return selected_entry(parse) if intent_name(parse) == FAQ_INTENT else None


Ranking = list[tuple[str, float]]
SWEEP_WEIGHTS = (0.0, 0.1, 0.2, 0.5)
SWEEP_FALLBACKS = ((0.0, 0.0), (0.25, 0.02), (0.3, 0.05), (0.5, 0.05))


def ranking(parse: dict) -> Ranking:
    """The intents a parse ranks, best first, without the fallback Rasa put on top."""
    return [(entry["name"], entry["confidence"]) for entry in parse.get("intent_ranking") or []
            if entry["name"] != "nlu_fallback"]


def decide(blended: Ranking, threshold: float, ambiguity: float) -> str:
    """What FallbackClassifier would say for this ranking with these thresholds."""
    if not blended or blended[0][1] < threshold:
        return "nlu_fallback"
    if len(blended) > 1 and blended[0][1] - blended[1][1] < ambiguity:
        return "nlu_fallback"
    return blended[0][0]


def sweep(truth: list[str], linear: list[Ranking], diet: list[Ranking]) -> list[tuple[float, float, float, dict]]:
    """Figures for every share of DIET × fallback setting, from the two models' rankings."""
    rows = []
    for weight in SWEEP_WEIGHTS:
        blended = [blend_rankings(dict(ours), dict(theirs), weight) for ours, theirs in zip(linear, diet, strict=False)]
        for threshold, ambiguity in SWEEP_FALLBACKS:
            rows.append((weight, threshold, ambiguity, score(truth, [decide(r, threshold, ambiguity) for r in blended])))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0, help="seed of the fold split")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    os.environ.update(rasa_environment(settings))
    from rasa.model_training import train_nlu

    out = settings.var_dir / "bench" / "nlu-cv"
    out.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((settings.project_root / "config.yml").read_text(encoding="utf-8"))
    config.pop("policies", None)
    data = load_examples(settings)
    results: dict[str, list[dict[str, float]]] = {variant: [] for variant in args.variants}
    rankings: dict[str, list[Ranking]] = {variant: [] for variant in args.variants}
    all_truth: list[str] = []
    for number, (train_examples, test_examples) in enumerate(folds(data, args.folds, args.seed), start=1):
        train_file = write_fold(data, train_examples, out / f"fold-{number}.yml")
        texts = [m.get("text") for m in test_examples]
        truth = [m.get("intent") for m in test_examples]
        truth_entries = [m.get("intent_response_key") for m in test_examples]
        all_truth += truth
        for variant in args.variants:
            config_file = out / f"config-{variant}.yml"
            config_file.write_text(yaml.safe_dump(VARIANTS[variant](config), allow_unicode=True, sort_keys=False), encoding="utf-8")
            started = time.perf_counter()
            model = train_nlu(str(config_file), str(train_file), str(out), fixed_model_name=f"{variant}-{number}")
            trained_in = time.perf_counter() - started
            parses, _ = asyncio.run(parse_texts(model, texts))
            rankings[variant] += [ranking(parse) for parse in parses]
            figures = score(truth, [intent_name(parse) for parse in parses])
            figures["FAQ entry"] = entry_accuracy(truth_entries, [chosen_entry(parse) for parse in parses])
            figures["train s"] = trained_in
            results[variant].append(figures)
            print(f"fold {number} {variant:7s}", "  ".join(f"{k} {v:.3f}" for k, v in figures.items()), flush=True)
    for variant, rows in results.items():
        means = {key: statistics.mean(row[key] for row in rows) for key in rows[0]}
        print(f"mean   {variant:7s}", "  ".join(f"{k} {v:.3f}" for k, v in means.items()))
    swept = []
    if "linear" in rankings and "diet" in rankings:
        print("share of DIET, fallback threshold / ambiguity (all folds pooled, blended offline):")
        for weight, threshold, ambiguity, figures in sweep(all_truth, rankings["linear"], rankings["diet"]):
            swept.append({"diet_weight": weight, "threshold": threshold, "ambiguity": ambiguity, **figures})
            print(f"  {weight:.1f}  {threshold:.2f} / {ambiguity:.2f} ", "  ".join(f"{k} {v:.3f}" for k, v in figures.items()))
    write_json(args.json, {"folds": results, "sweep": swept})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
