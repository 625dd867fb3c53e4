"""How much the held-out figures move with the training seed alone: ``python -m bench.nlu_seeds``.

Trains the project's model once per seed (DIET and ResponseSelector seeds changed, everything
else as in config.yml and data/), scores each on tests/nlu with bot.knowledge.nlu_eval, and prints the
figures per seed with their mean and spread. The policies come from Rasa's cache after the first.
Since 2026-11-29 config.yml has neither component (the linear classifier is deterministic), so
every seed gives the same NLU; the bench matters again if a seeded classifier comes back.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

import yaml

from bench.output import write_json
from bot.knowledge.nlu_eval import evaluate
from bot.knowledge.training import rasa_environment, training_data_paths, write_derived_data
from bot.settings import Settings

SEEDED = ("DIETClassifier", "ResponseSelector")


def seeded_config(config: dict, seed: int) -> dict:
    """``config`` with the classifiers' ``random_seed`` set to ``seed``."""
    pipeline = [dict(step, random_seed=seed) if step.get("name") in SEEDED else step for step in config["pipeline"]]
    return {**config, "pipeline": pipeline}


def train(settings: Settings, seed: int, out: Path) -> Path:
    """Train the whole model with ``seed``; return its path."""
    config = yaml.safe_load((settings.project_root / "config.yml").read_text(encoding="utf-8"))
    config_path = out / f"config-{seed}.yml"
    config_path.write_text(yaml.safe_dump(seeded_config(config, seed), allow_unicode=True), encoding="utf-8")
    name = f"seed-{seed}"
    command = [
        sys.executable, "-m", "rasa", "train", "--config", str(config_path),
        "--domain", str(settings.project_root / "domain.yml"),
        "--data", *[str(p) for p in training_data_paths(settings)],
        "--out", str(out), "--fixed-model-name", name,
    ]
    subprocess.run(command, check=True, cwd=settings.project_root, env=rasa_environment(settings),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out / f"{name}.tar.gz"


def figures(model: Path) -> dict[str, float]:
    """Intent accuracy, complaint precision / recall and FAQ entry accuracy per language."""
    row = {}
    for language, result in evaluate(model).items():
        row[f"{language} accuracy"] = result.intent_accuracy
        row[f"{language} complaint P"] = result.complaint_precision
        row[f"{language} complaint R"] = result.complaint_recall
        row[f"{language} FAQ entry"] = result.faq_selection_accuracy
    return row


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2, 3, 4])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    out = settings.var_dir / "bench" / "nlu-seeds"
    out.mkdir(parents=True, exist_ok=True)
    write_derived_data(settings)
    rows = {}
    for seed in args.seeds:
        rows[seed] = figures(train(settings, seed, out))
        print(seed, "  ".join(f"{k} {v:.3f}" for k, v in rows[seed].items()), flush=True)
    keys = list(next(iter(rows.values())))
    for key in keys:
        values = [row[key] for row in rows.values()]
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f"{key}: mean {statistics.mean(values):.3f}  sd {spread:.3f}  min {min(values):.3f}  max {max(values):.3f}")
    write_json(args.json, {str(k): v for k, v in rows.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
