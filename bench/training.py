"""Training time: ``python -m bench.training`` — from scratch, then after one-FAQ changes.

Copies what the model is trained from (``config.yml``, ``domain.yml``, ``data/``, ``bot/``) into
a temporary project with its own var/, so the project's model and Rasa cache stay untouched,
and times ``rasa train`` as ``make train`` runs it there:

1. from scratch, with an empty Rasa cache;
2. after an editor adds one FAQ entry (questions and answer, Chinese and English);
3. after an editor changes the steps of one answer, nothing else.

Each step is split into the seconds each component of the pipeline took (from Rasa's debug log:
a graph node runs until the next one starts), so the cost of every component shows.
``--neural`` puts DIETClassifier and the ResponseSelector back into the copy's config.yml, as
they were until 2026-11-29 (``bench.nlu_cv.with_neural``), to measure what they cost.

Prints the seconds of each step and writes them as JSON with ``--json``.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import yaml

from bench.machine import machine
from bench.nlu_cv import with_neural
from bench.output import write_json
from bot.knowledge.training import MODEL_NAME, run_rasa_train
from bot.settings import PROJECT_ROOT, Settings

COPIED = ("config.yml", "domain.yml", "data", "bot")
NEW_FAQ = {
    "id": "bench_gift_wrap",
    "zh": {
        "questions": ["可以包装成礼物吗", "有礼品包装吗", "送人的话能不能包一下", "礼盒包装怎么选"],
        "conclusion": "可以,结算时勾选礼品包装即可。",
        "reasoning": "礼品包装由仓库统一打包,不显示价格。",
        "steps": ["在结算页找到【礼品包装】", "勾选并填写贺卡内容", "提交订单"],
    },
    "en": {
        "questions": ["can you gift wrap it", "do you offer gift wrapping", "wrap it as a present", "gift box option"],
        "conclusion": "Yes: tick gift wrapping at checkout.",
        "reasoning": "The warehouse wraps gifts and leaves the price off.",
        "steps": ["Find Gift wrapping on the checkout page", "Tick it and write the card", "Place the order"],
    },
}


def copy_project(target: Path) -> Settings:
    """A private copy of the model's inputs, with settings pointing at it."""
    for name in COPIED:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return replace(Settings.from_env({}), project_root=target, var_dir=target / "var")


def edit_faq_file(project: Path, edit: Callable[[list[dict]], None]) -> None:
    """Load ``data/faq/orders.yml`` of the copy, let ``edit`` change its entries, write it back."""
    path = project / "data" / "faq" / "orders.yml"
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(content["faqs"])
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")


def add_faq_entry(project: Path) -> None:
    """What an editor does to teach the bot a new question: one more entry in a FAQ file."""
    edit_faq_file(project, lambda entries: entries.append(NEW_FAQ))


def change_answer_steps(project: Path) -> None:
    """What an editor does to correct an answer: reword one step, questions unchanged."""

    def add_step(entries: list[dict]) -> None:
        entries[0]["zh"]["steps"] = [*list(entries[0]["zh"]["steps"]), "如仍有疑问,可随时联系在线客服"]

    edit_faq_file(project, add_step)


def put_back_neural_components(project: Path) -> None:
    """The copy's config.yml with DIET and the ResponseSelector as they were until 2026-11-29."""
    path = project / "config.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump(with_neural(config), allow_unicode=True, sort_keys=False), encoding="utf-8")


_NODE_STARTED = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\S* DEBUG\s+rasa\.engine\.graph\s+- Node '[^']+' running '(\w+)\.(\w+)'")
_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")


def seconds_per_component(log_lines: list[str]) -> dict[str, float]:
    """Seconds of each component class in a ``rasa train --debug`` log, largest first.

    The graph runs one node at a time, so a node's time is up to the next node's start (the last
    one's up to the log's last line). Rasa's timestamps are whole seconds: so are these.
    """
    from datetime import datetime

    starts: list[tuple[datetime, str]] = []
    last = None
    for line in log_lines:
        stamp = _TIMESTAMP.match(line)
        if stamp:
            last = datetime.fromisoformat(stamp.group(1))
        node = _NODE_STARTED.match(line)
        if node:
            starts.append((datetime.fromisoformat(node.group(1)), node.group(2)))
    totals: dict[str, float] = {}
    for (started, component), (ended, _) in zip(starts, [*starts[1:], (last, "")], strict=False):
        if ended is not None:
            totals[component] = totals.get(component, 0.0) + (ended - started).total_seconds()
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def timed(settings: Settings) -> dict[str, object]:
    """Seconds ``rasa train`` takes to bring the model up to date, in all and per component."""
    log = settings.var_dir / "train-debug.log"
    log.unlink(missing_ok=True)
    started = time.perf_counter()
    run_rasa_train(settings, settings.models_dir, MODEL_NAME, debug_log=log)
    total = round(time.perf_counter() - started, 1)
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return {"seconds": total, "components": seconds_per_component(lines)}


def measure(workdir: Path, neural: bool = False) -> dict[str, dict[str, object]]:
    """Train from scratch, then after each edit; seconds for each."""
    settings = copy_project(workdir)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if neural:
        put_back_neural_components(settings.project_root)
    steps: list[tuple[str, Callable[[Path], None]]] = [
        ("from scratch (empty Rasa cache)", lambda _project: None),
        ("after adding one FAQ entry", add_faq_entry),
        ("after changing one answer's steps", change_answer_steps),
    ]
    figures = {}
    for label, edit in steps:
        edit(settings.project_root)
        figures[label] = timed(settings)
        print(f"{label}: {figures[label]['seconds']} s  {figures[label]['components']}", file=sys.stderr, flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--neural", action="store_true", help="with DIETClassifier and the ResponseSelector put back")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-training-") as workdir:
        result = {"machine": machine(), "neural": args.neural, "steps": measure(Path(workdir), args.neural)}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
