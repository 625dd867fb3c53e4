"""Memory after 1,000 conversations: ``python -m bench.memory``.

Starts the real stack as ``make run`` does (embedded Redis, action server, Rasa server, agent
console) on free ports with a private var/, then runs ``--conversations`` short conversations
through the REST channel, ``--concurrency`` at a time: a held-out FAQ question from
``tests/nlu/`` (zh and en in turn), "solved", a rating of 5. Prints for each process,
children included: resident memory after start-up, after the run, and its peak (the kernel's
VmHWM); the peak of all processes together (sampled every ``--sample`` seconds); Redis's own
``used_memory`` and the size of one conversation's tracker.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import redis

from bench.compare import Latencies
from bench.handoff import free_port
from bench.machine import machine
from bench.output import write_json
from bench.procmem import ProcessMemory, tree_memory
from bench.texts import held_out_questions
from bot.analytics.history import TRACKER_PREFIX
from bot.knowledge.training import ensure_model
from bot.ops.stack import Stack
from bot.settings import Settings

FOLLOW_UPS = {"zh": ["解决了", "5"], "en": ["yes", "5"]}


def processes(stack: Stack) -> dict[str, int]:
    """Name → pid of every process of the stack, Redis included."""
    assert stack.redis_url is not None
    client = redis.Redis.from_url(stack.redis_url)
    try:
        found = {"Redis": int(client.info("server")["process_id"])}
    finally:
        client.close()
    for service in stack.services:
        assert service.process is not None
        found[service.name] = service.process.pid
    return found


def snapshot(pids: dict[str, int]) -> dict[str, list[ProcessMemory]]:
    """Every process tree's memory now."""
    return {name: tree_memory(pid) for name, pid in pids.items()}


class Sampler(threading.Thread):
    """Reads every process's memory each ``interval`` seconds: the largest sum, and a timeline."""

    def __init__(self, pids: dict[str, int], interval: float) -> None:
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.peak_total_mib = 0.0
        self.timeline: list[dict[str, float]] = []
        self.done = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.done.wait(self.interval):
            trees = {name: round(sum(m.rss_mib for m in tree), 1) for name, tree in snapshot(self.pids).items()}
            self.peak_total_mib = max(self.peak_total_mib, sum(trees.values()))
            self.timeline.append({"s": round(time.monotonic() - started, 1), **trees})

    def thinned(self, points: int = 10) -> list[dict[str, float]]:
        """About ``points`` samples spread over the run, the last one included."""
        step = max(1, len(self.timeline) // points)
        picked = self.timeline[step - 1::step]
        if self.timeline and (not picked or picked[-1] is not self.timeline[-1]):
            picked.append(self.timeline[-1])
        return picked


def run_conversations(port: int, conversations: int, concurrency: int) -> dict[str, Any]:
    """The short conversations, ``concurrency`` at a time; latency and error counts."""
    questions = {"zh": held_out_questions("zh"), "en": held_out_questions("en")}
    latencies = Latencies()
    started = time.perf_counter()

    def one(n: int) -> None:
        language = "zh" if n % 2 == 0 else "en"
        pool = questions[language]
        for text in [pool[(n // 2) % len(pool)], *FOLLOW_UPS[language]]:
            latencies.send(port, f"memory-{n}", text)
        if (n + 1) % 100 == 0:
            print(f"  {n + 1}/{conversations} conversations, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(conversations)))
    elapsed = time.perf_counter() - started
    return {"conversations": conversations, "seconds": round(elapsed, 1), **latencies.figures(elapsed)}


def redis_figures(url: str) -> dict[str, Any]:
    """Redis's own memory, its keys, and the average size of a conversation's tracker."""
    client = redis.Redis.from_url(url)
    try:
        info = client.info("memory")
        trackers = [key for key, _ in zip(client.scan_iter(match=f"{TRACKER_PREFIX}memory-*", count=500), range(50), strict=False)]
        sizes = [client.memory_usage(key) or 0 for key in trackers]
        return {
            "used_memory_mib": round(info["used_memory"] / 2**20, 1),
            "used_memory_peak_mib": round(info["used_memory_peak"] / 2**20, 1),
            "keys": client.dbsize(),
            "tracker_kib_mean": round(sum(sizes) / len(sizes) / 1024, 1) if sizes else None,
        }
    finally:
        client.close()


def table(before: dict[str, list[ProcessMemory]], after: dict[str, list[ProcessMemory]]) -> list[dict[str, Any]]:
    """One row per process tree: RSS after start, RSS after the run, peak; sums of the tree."""
    rows = []
    for name, tree in after.items():
        rows.append({
            "process": name,
            "processes_in_tree": len(tree),
            "rss_after_start_mib": round(sum(m.rss_mib for m in before.get(name, [])), 1),
            "rss_after_run_mib": round(sum(m.rss_mib for m in tree), 1),
            "peak_vmhwm_mib": round(sum(m.peak_mib for m in tree), 1),
        })
    return rows


def measure(settings: Settings, model: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Start the stack, run the conversations, read the memory; stop the stack."""
    stack = Stack(settings, model=model)
    stack.start()
    try:
        pids = processes(stack)
        time.sleep(args.settle)
        before = snapshot(pids)
        sampler = Sampler(pids, args.sample)
        sampler.start()
        load = run_conversations(settings.rasa_port, args.conversations, args.concurrency)
        time.sleep(args.settle)  # the outbox deliverers and the console finish what they were doing
        sampler.done.set()
        sampler.join()
        after = snapshot(pids)
        assert stack.redis_url is not None
        rows = table(before, after)
        return {
            "load": load,
            "processes": rows,
            "total_rss_after_run_mib": round(sum(r["rss_after_run_mib"] for r in rows), 1),
            "total_rss_peak_sampled_mib": round(sampler.peak_total_mib, 1),
            "rss_timeline_mib": sampler.thinned(),
            "redis": redis_figures(stack.redis_url),
        }
    finally:
        stack.stop()


def print_report(results: dict[str, Any]) -> None:
    """The figures as a table."""
    print(f"\nmachine: {json.dumps(results['machine'])}")
    print(f"load: {json.dumps(results['load'])}\n")
    print(f"{'process':<16} {'procs':>5} {'RSS after start':>16} {'RSS after run':>14} {'peak (VmHWM)':>13}")
    for row in results["processes"]:
        print(f"{row['process']:<16} {row['processes_in_tree']:>5} {row['rss_after_start_mib']:>12.1f} MiB "
              f"{row['rss_after_run_mib']:>10.1f} MiB {row['peak_vmhwm_mib']:>9.1f} MiB")
    print(f"all processes: {results['total_rss_after_run_mib']} MiB after the run, "
          f"{results['total_rss_peak_sampled_mib']} MiB at the sampled peak")
    print(f"redis: {json.dumps(results['redis'])}")
    print("RSS during the run (MiB):")
    for point in results["rss_timeline_mib"]:
        print("  " + ", ".join(f"{key} {value}" for key, value in point.items()))


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4, help="conversations at a time")
    parser.add_argument("--sample", type=float, default=2.0, help="seconds between memory samples")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait before each reading")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    os.environ["SERVICE_HOURS"] = "00:00-24:00"  # the same behaviour whatever the hour of the run
    model = args.model or ensure_model(Settings.from_env())
    results: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory() as var_dir:
        settings = replace(
            Settings.from_env(), var_dir=Path(var_dir), redis_embedded_port=free_port(),
            rasa_port=free_port(), actions_port=free_port(), console_port=free_port(),
        )
        results.update(measure(settings, model, args))
    print_report(results)
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
