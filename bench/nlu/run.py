"""Train the project's NLU pipeline on a training file and score a test file."""
from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass
class BenchResult:
    """What one benchmark run measured."""

    train_examples: int
    test_examples: int
    intents: int
    accuracy: float
    macro_f1: float
    fallback_rate: float
    train_seconds: float
    ms_per_message_mean: float
    ms_per_message_p95: float


def nlu_config(project_config: Path, target: Path, keep_response_selector: bool, drop: Sequence[str] = ()) -> Path:
    """The project's pipeline, without ResponseSelector for data that has no retrieval intents
    and without the components named in ``drop`` (by their ``name`` in config.yml)."""
    config = yaml.safe_load(project_config.read_text(encoding="utf-8"))
    dropped = set(drop) | (set() if keep_response_selector else {"ResponseSelector"})
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] not in dropped]
    config.pop("policies", None)
    target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _examples(path: Path) -> list[tuple]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [(m.get("text"), m.get("intent")) for m in load_data(str(path)).training_examples]


async def parse_texts(model: str, texts: list[str]) -> tuple:
    """Rasa's parse of each text, and milliseconds per text (after a warm-up)."""
    import logging

    import structlog
    from rasa.core.agent import Agent

    logging.getLogger("rasa").setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(model)
    await agent.parse_message(texts[0])  # warm-up: the first parse builds TensorFlow graphs
    parses, timings = [], []
    for text in texts:
        started = time.perf_counter()
        parses.append(await agent.parse_message(text))
        timings.append((time.perf_counter() - started) * 1000)
    return parses, timings


def intent_name(parse: dict) -> str | None:
    """The intent of one parse (None if there is none)."""
    return (parse.get("intent") or {}).get("name")


def run(train: Path, test: Path, project_config: Path, out: Path, fixed_model_name: str = "bench",
        drop: Sequence[str] = ()) -> BenchResult:
    """Train on ``train`` with the project's pipeline (less ``drop``), then score ``test``."""
    from rasa.model_training import train_nlu
    from sklearn.metrics import f1_score

    out.mkdir(parents=True, exist_ok=True)
    train_examples = _examples(train)
    has_retrieval = any("/" in (intent or "") for _, intent in train_examples)
    config = nlu_config(project_config, out / "config.yml", keep_response_selector=has_retrieval, drop=drop)
    started = time.monotonic()
    model = train_nlu(str(config), str(train), str(out), fixed_model_name=fixed_model_name)
    train_seconds = time.monotonic() - started
    test_examples = _examples(test)
    texts = [t for t, _ in test_examples]
    truth = [i for _, i in test_examples]
    parses, timings = asyncio.run(parse_texts(model, texts))
    predicted = [intent_name(parse) for parse in parses]
    correct = sum(1 for t, p in zip(truth, predicted, strict=False) if t == p)
    timings_sorted = sorted(timings)
    return BenchResult(
        train_examples=len(train_examples),
        test_examples=len(test_examples),
        intents=len({i for _, i in train_examples}),
        accuracy=correct / len(truth),
        macro_f1=float(f1_score(truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0)),
        fallback_rate=sum(1 for p in predicted if p == "nlu_fallback") / len(predicted),
        train_seconds=train_seconds,
        ms_per_message_mean=statistics.fmean(timings),
        ms_per_message_p95=timings_sorted[int(0.95 * (len(timings_sorted) - 1))],
    )
