"""Training time: ``python -m bench.training`` — from scratch, then after one-FAQ changes.

Copies what the model is trained from (``config.yml``, ``domain.yml``, ``data/``, ``bot/``) into
a temporary project with its own var/, so the project's model and Rasa cache stay untouched,
and times ``bot.knowledge.training`` (what ``make train`` runs) there:

1. from scratch, with an empty Rasa cache;
2. after an editor adds one FAQ entry (questions and answer, Chinese and English);
3. after an editor changes the steps of one answer, nothing else.

Prints the seconds of each step and writes them as JSON with ``--json``.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import yaml

from bench.machine import machine
from bench.output import write_json
from bot.knowledge.training import ensure_model
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


def timed(settings: Settings) -> float:
    """Seconds ``bot.knowledge.training`` takes to bring the model up to date."""
    started = time.perf_counter()
    ensure_model(settings)
    return round(time.perf_counter() - started, 1)


def measure(workdir: Path) -> dict[str, float]:
    """Train from scratch, then after each edit; seconds for each."""
    settings = copy_project(workdir)
    steps: list[tuple[str, Callable[[Path], None]]] = [
        ("from scratch (empty Rasa cache)", lambda _project: None),
        ("after adding one FAQ entry", add_faq_entry),
        ("after changing one answer's steps", change_answer_steps),
    ]
    seconds = {}
    for label, edit in steps:
        edit(settings.project_root)
        seconds[label] = timed(settings)
        print(f"{label}: {seconds[label]} s", file=sys.stderr, flush=True)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-training-") as workdir:
        result = {"machine": machine(), "seconds": measure(Path(workdir))}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
