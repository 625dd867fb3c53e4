"""Train the project's NLU pipeline on a training file and score a test file."""
from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

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


def nlu_config(project_config: Path, target: Path, keep_response_selector: bool) -> Path:
    """The project's pipeline, without ResponseSelector for data that has no retrieval intents."""
    config = yaml.safe_load(project_config.read_text(encoding="utf-8"))
    if not keep_response_selector:
        config["pipeline"] = [c for c in config["pipeline"] if c["name"] != "ResponseSelector"]
    config.pop("policies", None)
    target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _examples(path: Path) -> List[tuple]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [(m.get("text"), m.get("intent")) for m in load_data(str(path)).training_examples]


async def _predict(model: str, texts: List[str]) -> tuple:
    import logging

    import structlog
    from rasa.core.agent import Agent

    logging.getLogger("rasa").setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(model)
    await agent.parse_message(texts[0])  # warm-up: the first parse builds TensorFlow graphs
    predictions, timings = [], []
    for text in texts:
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        timings.append((time.perf_counter() - started) * 1000)
        predictions.append((parsed.get("intent") or {}).get("name"))
    return predictions, timings


def run(train: Path, test: Path, project_config: Path, out: Path, fixed_model_name: str = "bench") -> BenchResult:
    """Train on ``train`` with the project's pipeline, then score ``test``."""
    from rasa.model_training import train_nlu
    from sklearn.metrics import f1_score

    out.mkdir(parents=True, exist_ok=True)
    train_examples = _examples(train)
    has_retrieval = any("/" in (intent or "") for _, intent in train_examples)
    config = nlu_config(project_config, out / "config.yml", keep_response_selector=has_retrieval)
    started = time.monotonic()
    model = train_nlu(str(config), str(train), str(out), fixed_model_name=fixed_model_name)
    train_seconds = time.monotonic() - started
    test_examples = _examples(test)
    texts = [t for t, _ in test_examples]
    truth = [i for _, i in test_examples]
    predicted, timings = asyncio.run(_predict(model, texts))
    correct = sum(1 for t, p in zip(truth, predicted) if t == p)
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
