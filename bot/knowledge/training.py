"""Derive Rasa's training data from the knowledge base and train only when something changed.

Run as ``python -m bot.knowledge.training`` (what ``make train`` does); ``--force`` retrains anyway.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

from bot.knowledge.base import FAQ_INTENT, KnowledgeBase
from bot.settings import Settings

logger = logging.getLogger(__name__)

MODEL_NAME = "assistant"
# What a trained model depends on: a change in any of these retrains.
_MODEL_INPUTS = ("config.yml", "domain.yml", "data", "bot/nlu")
# Read at run time by the action server, never by training: an edit to these rules or to the demo
# backends' records goes live without a new model. The emotion classifier does read the escalation
# word lists (as features), so that one file stays an input.
_RUN_TIME_ONLY = ("data/service", "data/demo")
_READ_BY_TRAINING = ("data/service/escalation.yml",)


def build_dir(settings: Settings) -> Path:
    """Where derived training data is written (under var/, never committed)."""
    return settings.var_dir / "build" / "data"


def training_data_paths(settings: Settings) -> list[Path]:
    """The data paths every Rasa command needs: the editors' data/ plus what is derived from it."""
    return [settings.project_root / "data", build_dir(settings)]


class _LiteralDumper(yaml.SafeDumper):
    """Dump multi-line strings as YAML block literals, the form Rasa's NLU files use."""


_LiteralDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    ),
)


def faq_training_data(knowledge: KnowledgeBase) -> dict[str, object]:
    """Rasa NLU data for the FAQ retrieval intent: examples and one response per entry."""
    nlu = []
    responses = {}
    for faq in knowledge:
        examples = [question for language in sorted(faq.questions) for question in faq.questions[language]]
        nlu.append({"intent": faq.intent_response_key, "examples": "".join(f"- {q}\n" for q in examples)})
        # The rendered three-part answer comes from action_answer_faq; this response only
        # names the entry so that Rasa's ResponseSelector and validator know it exists.
        responses[f"utter_{faq.intent_response_key}"] = [{"text": faq.answer(None).conclusion}]
    return {"version": "3.1", "nlu": nlu, "responses": responses}


def write_derived_data(settings: Settings) -> Path:
    """Write the derived training data under var/build/data and return that directory."""
    knowledge = KnowledgeBase.load(settings.project_root / "data" / "faq")
    target = build_dir(settings)
    target.mkdir(parents=True, exist_ok=True)
    content = yaml.dump(
        faq_training_data(knowledge), Dumper=_LiteralDumper, allow_unicode=True, sort_keys=False
    )
    path = target / f"{FAQ_INTENT}.yml"
    if not path.exists() or path.read_text(encoding="utf-8") != content:
        path.write_text(content, encoding="utf-8")
    return target


def _files(root: Path, names: Iterable[str]) -> list[Path]:
    found: list[Path] = []
    for name in names:
        path = root / name
        if path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        elif path.is_file():
            found.append(path)
    return sorted(found)


def _trained_from(root: Path, path: Path) -> bool:
    relative = path.relative_to(root).as_posix()
    if relative in _READ_BY_TRAINING:
        return True
    return not any(relative.startswith(prefix + "/") for prefix in _RUN_TIME_ONLY)


def fingerprint(settings: Settings) -> str:
    """A hash of everything the model is trained from."""
    digest = hashlib.sha256()
    root = settings.project_root
    for path in (p for p in _files(root, _MODEL_INPUTS) if _trained_from(root, p)):
        digest.update(str(path.relative_to(settings.project_root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def model_path(settings: Settings) -> Path:
    """The trained model file `make run` serves."""
    return settings.models_dir / f"{MODEL_NAME}.tar.gz"


def rasa_environment(settings: Settings) -> dict[str, str]:
    """Environment for Rasa subprocesses: no telemetry, quiet TensorFlow, our cache under var/."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "RASA_CACHE_DIRECTORY": str(settings.var_dir / "rasa-cache"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(settings.project_root), env.get("PYTHONPATH")])),
        }
    )
    return env


def ensure_model(settings: Settings, force: bool = False) -> Path:
    """Train the model unless one trained from exactly the current inputs exists; return its path.

    One training at a time per var/: a second caller waits for the first and then finds the
    model up to date, instead of training the same model twice into the same file.
    """
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.models_dir / ".training.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure_model_locked(settings, force)


def _ensure_model_locked(settings: Settings, force: bool) -> Path:
    write_derived_data(settings)
    current = fingerprint(settings)
    target = model_path(settings)
    stamp = target.with_suffix("").with_suffix(".fingerprint")
    if not force and target.exists() and stamp.exists() and stamp.read_text().strip() == current:
        logger.info("model is up to date (%s)", target)
        return target
    logger.info("training the model (inputs changed)")
    run_rasa_train(settings, settings.models_dir, MODEL_NAME)
    stamp.write_text(current)
    return target


def run_rasa_train(settings: Settings, out_dir: Path, name: str, debug_log: Path | None = None) -> Path:
    """``rasa train`` on the current data into ``out_dir/name.tar.gz`` (derived data written first).

    With ``debug_log``, Rasa logs at debug level into that file (what ``bench.training`` reads
    the time of each component from).
    """
    write_derived_data(settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(settings.project_root / "config.yml"),
        "--domain", str(settings.project_root / "domain.yml"),
        "--data", *[str(p) for p in training_data_paths(settings)],
        "--out", str(out_dir),
        "--fixed-model-name", name,
    ]
    if debug_log is None:
        subprocess.run(command, check=True, cwd=settings.project_root, env=rasa_environment(settings))
    else:
        with debug_log.open("ab") as log:
            subprocess.run([*command, "--debug"], check=True, cwd=settings.project_root, env=rasa_environment(settings),
                           stdout=log, stderr=subprocess.STDOUT)
    return out_dir / f"{name}.tar.gz"


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m bot.knowledge.training [--force] [--derive-only]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="retrain even if nothing changed")
    parser.add_argument("--derive-only", action="store_true", help="only write the derived training data")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings.from_env()
    if args.derive_only:
        print(write_derived_data(settings))
        return 0
    print(ensure_model(settings, force=args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
