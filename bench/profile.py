"""Where the time of one message goes: ``python -m bench.profile``.

Starts an embedded Redis and an action server (a real process, as ``make run`` does), loads the
trained model in this process with Rasa's ``Agent`` and the project's ``endpoints.yml`` (Redis
tracker and lock stores, the action endpoint), warms up, then sends ``--conversations``
scripted conversations one message at a time, twice. Each conversation is ``bench.compare``'s
script with its two FAQ questions replaced by held-out ones from ``tests/nlu/`` (a different
zh and en question per conversation), so the e5 featurizer meets texts it has not cached, as
it does with real customers. Rasa runs with ``bot.ops.rasa_server``'s two fixes, as the launcher
starts it; ``--without schema`` / ``--without openmp`` (or ``--rasa-as-is``, both) leave them
out, for before and after.

1. timed: every stage is wrapped with a wall clock — each NLU component and policy (Rasa's
   graph nodes), the action-server call (HTTP round trip, the action server's work included),
   the Redis tracker and lock stores, the response templates — and the breakdown is printed
   in ms per message and share of the whole ``Agent.handle_message``;
2. profiled: the same under cProfile (this process, and the action server in a second run
   under ``bench.profiled``), printing the top functions by cumulative time and the time by
   package.

What our channels add in front of Rasa (gate, inbox, health check) is not in this path; see
``bench.compare`` for that.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import io
import json
import logging
import os
import pstats
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.compare import SCRIPT
from bench.handoff import free_port, percentile
from bench.machine import machine
from bench.output import write_json
from bench.texts import held_out_questions
from bot.knowledge.training import ensure_model
from bot.ops.rasa_server import install, limit_openmp_threads
from bot.ops.redis_client import start_redis
from bot.ops.stack import Service, service_environment
from bot.settings import PROJECT_ROOT, Settings

TOTAL = "total"
FIXES = ("schema", "openmp")  # bot.ops.rasa_server's fixes, as --without names them


@dataclass
class StageClock:
    """Wall time per stage, summed over the measured messages."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    latencies: list[float] = field(default_factory=list)
    action_calls: list[dict[str, Any]] = field(default_factory=list)
    excluded: float = 0.0  # the bench's own measuring inside a message, taken out of its latency
    recording: bool = False

    def add(self, stage: str, seconds: float) -> None:
        """Count ``seconds`` for ``stage`` while recording."""
        if self.recording:
            self.seconds[stage] += seconds
            self.calls[stage] += 1

    def breakdown(self) -> list[dict[str, Any]]:
        """Rows of stage, ms per message, share of the total; groups first, then their parts."""
        messages = max(1, len(self.latencies))
        total = sum(self.latencies)
        groups: dict[str, float] = defaultdict(float)
        for stage, seconds in self.seconds.items():
            groups[stage.split(" · ")[0]] += seconds
        groups["rest of Rasa (processor, events, trackers in memory)"] = total - sum(self.seconds.values())
        rows = []
        for group, seconds in sorted(groups.items(), key=lambda item: -item[1]):
            rows.append(_row(group, seconds, messages, total, calls=None))
            parts = [(s, v) for s, v in self.seconds.items() if s.split(" · ")[0] == group and " · " in s]
            for stage, part in sorted(parts, key=lambda item: -item[1]):
                rows.append(_row("  " + stage.split(" · ", 1)[1], part, messages, total, self.calls[stage]))
        rows.append(_row(TOTAL, total, messages, total, calls=None))
        return rows


def _row(name: str, seconds: float, messages: int, total: float, calls: int | None) -> dict[str, Any]:
    return {
        "stage": name,
        "ms_per_message": round(seconds / messages * 1000, 2),
        "share": round(seconds / total, 4) if total else 0.0,
        "calls_per_message": round(calls / messages, 2) if calls is not None else None,
    }


def _graph_stage(node: Any, *_inputs: Any) -> str:
    """Name a Rasa graph node by what it is: an NLU component, a policy, or graph plumbing."""
    module = node._component_class.__module__
    name = node._node_name.removeprefix("run_")
    if module.startswith(("rasa.nlu.", "bot.nlu.")):
        return f"NLU · {name}"
    if module.startswith("rasa.core.policies.") and not module.endswith(".ensemble"):
        return f"policies · {name}"
    return f"graph plumbing · {name}"


def _timed(clock: StageClock, stage: Callable[..., str], fn: Callable) -> Callable:
    """``fn`` (sync or async) with its wall time added to ``stage(*args)``."""
    if asyncio.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def async_wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                clock.add(stage(*args), time.perf_counter() - started)
        return async_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            clock.add(stage(*args), time.perf_counter() - started)
    return wrapper


def _fixed(name: str) -> Callable[..., str]:
    return lambda *_args: name


def instrument(clock: StageClock) -> Callable[[], None]:
    """Wrap Rasa's stages with ``clock``; return a function that undoes it."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.lock_store import RedisLockStore
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.core.tracker_store import RedisTrackerStore
    from rasa.engine.graph import GraphNode
    from rasa.utils.endpoints import EndpointConfig

    def action_call_format(original: Callable) -> Callable:
        @functools.wraps(original)
        def wrapper(self, tracker, domain):
            started = time.perf_counter()
            body = original(self, tracker, domain)
            clock.add("action server · tracker and domain to a request", time.perf_counter() - started)
            if clock.recording:  # sizes are measured outside every timed stage
                measuring = time.perf_counter()
                clock.action_calls.append({
                    "action": body["next_action"],
                    "events": len(body["tracker"]["events"]),
                    "request_bytes": len(json.dumps(body)),
                    "domain_bytes": len(json.dumps(body["domain"])) if "domain" in body else 0,
                })
                clock.excluded += time.perf_counter() - measuring
            return body
        return wrapper

    def stage(name: str) -> Callable[[Callable], Callable]:
        return lambda fn: _timed(clock, _fixed(name), fn)

    patches: list[tuple[type, str, Callable]] = [
        (GraphNode, "__call__", lambda fn: _timed(clock, _graph_stage, fn)),
        (EndpointConfig, "request", stage("action server · HTTP round trip (incl. the action server's work)")),
        (RemoteAction, "_action_call_format", action_call_format),
        (RemoteAction, "_validate_action_result", stage("action server · reply checked against Rasa's schema")),
        (RedisTrackerStore, "retrieve", stage("tracker store (Redis) · read")),
        (RedisTrackerStore, "retrieve_full_tracker", stage("tracker store (Redis) · read all sessions")),
        (RedisTrackerStore, "save", stage("tracker store (Redis) · write")),
        (RedisLockStore, "get_lock", stage("lock store (Redis) · get")),
        (RedisLockStore, "save_lock", stage("lock store (Redis) · save")),
        (RedisLockStore, "delete_lock", stage("lock store (Redis) · delete")),
        (TemplatedNaturalLanguageGenerator, "generate", stage("responses (templates)")),
    ]
    originals = []
    for owner, name, wrap in patches:
        original = owner.__dict__[name]
        originals.append((owner, name, original))
        setattr(owner, name, wrap(original))

    def undo() -> None:
        for owner, name, original in originals:
            setattr(owner, name, original)

    return undo


def conversation(n: int, zh: list[str], en: list[str]) -> list[str]:
    """The script with the ``n``-th held-out zh and en questions instead of its two FAQ questions."""
    turns = list(SCRIPT)
    turns[SCRIPT.index("退款多久到账")] = zh[n % len(zh)]
    turns[SCRIPT.index("how do I change my password")] = en[n % len(en)]
    return turns


async def converse(agent: Any, tag: str, numbers: range, clock: StageClock | None = None) -> None:
    """One conversation per number, one message at a time; unnumbered ones keep the script's texts."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    zh, en = held_out_questions("zh"), held_out_questions("en")
    for n in numbers:
        for text in conversation(n, zh, en) if n >= 0 else SCRIPT:
            excluded = clock.excluded if clock is not None else 0.0
            started = time.perf_counter()
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), f"{tag}-{n}"))
            if clock is not None and clock.recording:
                clock.latencies.append(time.perf_counter() - started - (clock.excluded - excluded))


def _short_path(path: str) -> str:
    """A file of a profile without this machine's directories."""
    for marker in ("site-packages/", "lib/python3.10/"):
        if marker in path:
            return path.split(marker, 1)[1]
    root = str(PROJECT_ROOT) + os.sep
    return path[len(root):] if path.startswith(root) else path


def _package(path: str, function: str) -> str:
    """Which package a profiled function belongs to (rasa and ours split by subpackage)."""
    if path == "~":  # a C function: its name says where it comes from
        if "select.epoll" in function:
            return "waiting for I/O (epoll)"
        if "_socket.socket" in function:
            return "socket calls"
        text = function.strip("<>{}").replace("built-in method ", "").replace("method ", "")
        owner = text.split(" of ")[-1].strip("'") if " of " in text else text
        return "C: " + owner.split(".")[0].split(" ")[0]
    parts = _short_path(path).split("/")
    if parts[0] in ("rasa", "rasa_sdk", "bot", "actions", "channels") and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0].removesuffix(".py")


# The event loop, dask's scheduling around each graph node, the interpreter's own frames and
# this bench: everything is "inside" them.
_NOT_LISTED = ("asyncio/", "bench/", "threading.py", "runpy.py", "rasa_sdk/__main__.py", "sanic/server/", "dask/")


def _wraps_everything(short: str, function: str) -> bool:
    """Frames around all the work: exec, context runs, the action server's whole lifetime."""
    return ("builtins.exec" in function or "_contextvars" in function
            or (short == "rasa_sdk/endpoint.py" and function == "run"))


def top_functions(stats: pstats.Stats, limit: int, only: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The ``limit`` functions with the most cumulative time, optionally only under ``only``."""
    rows = []
    for (path, line, function), (primitive, _calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        short = _short_path(path)
        if short.startswith(_NOT_LISTED) or function == "<module>" or _wraps_everything(short, function):
            continue
        if only and not short.startswith(only):
            continue
        rows.append({"function": function if path == "~" else f"{short}:{line}({function})",
                     "calls": primitive, "own_s": round(own, 3), "cumulative_s": round(cumulative, 3)})
    rows.sort(key=lambda row: -row["cumulative_s"])
    return rows[:limit]


def webhook_ms(stats: pstats.Stats) -> float | None:
    """Milliseconds per request spent in the action server's webhook handler."""
    for (path, _line, function), (primitive, _calls, _own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if function == "webhook" and _short_path(path) == "rasa_sdk/endpoint.py":
            return round(cumulative / max(1, primitive) * 1000, 2)
    return None


def by_package(stats: pstats.Stats, limit: int) -> list[dict[str, Any]]:
    """Own (exclusive) time summed per package, largest first."""
    totals: dict[str, float] = defaultdict(float)
    for (path, _line, function), (_p, _c, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        totals[_package(path, function)] += own
    whole = sum(totals.values()) or 1.0
    ordered = sorted(totals.items(), key=lambda item: -item[1])[:limit]
    return [{"package": name, "own_s": round(seconds, 3), "share": round(seconds / whole, 4)} for name, seconds in ordered]


def action_server(settings: Settings, log: Path, profile_to: Path | None = None) -> Service:
    """Our action server as ``make run`` starts it, optionally under ``bench.profiled``."""
    runner = [sys.executable, "-m", "bench.profiled", str(profile_to)] if profile_to else [sys.executable, "-m"]
    return Service(
        "action server",
        [*runner, "actions.server", "--port", str(settings.actions_port)],
        f"http://127.0.0.1:{settings.actions_port}/health",
        log,
    )


async def run_agent(model: Path, settings: Settings, args: argparse.Namespace, work: Path,
                    restart_actions: Callable[[Path | None], None]) -> dict[str, Any]:
    """Load the agent, warm up, run the timed pass and the profiled pass; the figures."""
    import cProfile

    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa's debug logging would be most of the time measured: warnings only, as in production.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    if "schema" not in args.without:
        install()  # what `python -m bot.ops.rasa_server run` does before Rasa starts
    endpoints = AvailableEndpoints.read_endpoints(str(settings.project_root / "endpoints.yml"))
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    # TensorFlow builds its graphs on the first predictions; the script's own texts, so the
    # held-out questions below stay unseen by the e5 cache.
    await converse(agent, "warmup", range(-2, 0))

    clock = StageClock()
    undo = instrument(clock)
    clock.recording = True
    await converse(agent, "timed", range(args.conversations), clock)
    clock.recording = False
    undo()
    calls = clock.action_calls
    results: dict[str, Any] = {
        "messages": len(clock.latencies),
        "latency_ms": {"p50": round(percentile(clock.latencies, 50) * 1000, 1),
                       "p95": round(percentile(clock.latencies, 95) * 1000, 1),
                       "mean": round(sum(clock.latencies) / len(clock.latencies) * 1000, 1)},
        "breakdown": clock.breakdown(),
        "action_calls": {
            "per_message": round(len(calls) / len(clock.latencies), 2),
            "by_action": {name: sum(1 for c in calls if c["action"] == name) for name in sorted({c["action"] for c in calls})},
            "request_bytes_p50": percentile([c["request_bytes"] for c in calls], 50),
            "request_bytes_max": max(c["request_bytes"] for c in calls),
            "domain_bytes_p50": percentile([c["domain_bytes"] for c in calls], 50),
            "events_max": max(c["events"] for c in calls),
        },
    }

    action_profile = work / "actions.prof"
    restart_actions(action_profile)
    await converse(agent, "warmup-profiled", range(-1, 0))
    profiler = cProfile.Profile()
    profiler.enable()
    started = time.perf_counter()
    # The next questions of the test set (the English ones wrap around after 64).
    await converse(agent, "profiled", range(args.conversations, 2 * args.conversations))
    elapsed = time.perf_counter() - started
    profiler.disable()
    restart_actions(None)  # back to the plain one: stopping the profiled one writes its stats
    stats = pstats.Stats(profiler, stream=io.StringIO())
    results["profiled"] = {
        "messages": args.conversations * len(SCRIPT),
        "seconds": round(elapsed, 2),
        "top_functions": top_functions(stats, args.top),
        "ours": top_functions(stats, args.top, only=("bot/", "actions/", "channels/")),
        "by_package": by_package(stats, args.top),
    }
    if action_profile.exists():
        action_stats = pstats.Stats(str(action_profile), stream=io.StringIO())
        # Its own time by package would be mostly the idle event loop: the webhook's share instead.
        results["action_server_profiled"] = {
            "webhook_ms_per_call": webhook_ms(action_stats),
            "top_functions": top_functions(action_stats, args.top, only=("rasa_sdk/", "actions/", "bot/", "channels/")),
            "ours": top_functions(action_stats, args.top, only=("actions/", "bot/", "channels/")),
        }
    return results


def print_report(results: dict[str, Any]) -> None:
    """The breakdown and the profiles as plain tables."""
    fixes = [fix for fix in FIXES if fix not in results["without"]]
    print(f"\nmachine: {json.dumps(results['machine'])}; bot.ops.rasa_server's fixes: {', '.join(fixes) or 'none'}")
    print(f"{results['messages']} messages, one at a time; latency {json.dumps(results['latency_ms'])}\n")
    print(f"{'stage':<70} {'ms/msg':>8} {'share':>7} {'calls/msg':>9}")
    for row in results["breakdown"]:
        calls = "" if row["calls_per_message"] is None else f"{row['calls_per_message']:.2f}"
        print(f"{row['stage']:<70} {row['ms_per_message']:>8.2f} {row['share']:>7.1%} {calls:>9}")
    print(f"\naction server calls: {json.dumps(results['action_calls'])}")
    sections = [("Rasa process, top functions by cumulative time", results["profiled"]["top_functions"]),
                ("Rasa process, our code", results["profiled"]["ours"])]
    if "action_server_profiled" in results:
        sections += [("action server, top functions by cumulative time", results["action_server_profiled"]["top_functions"]),
                     ("action server, our code", results["action_server_profiled"]["ours"])]
    for title, rows in sections:
        print(f"\n{title} ({results['profiled']['messages']} messages, {results['profiled']['seconds']} s under cProfile):")
        for row in rows:
            print(f"  {row['cumulative_s']:>8.3f} s cum  {row['own_s']:>8.3f} s own  {row['calls']:>7}  {row['function']}")
    print("\nRasa process, own time by package:")
    for row in results["profiled"]["by_package"]:
        print(f"  {row['own_s']:>8.3f} s  {row['share']:>6.1%}  {row['package']}")
    if "action_server_profiled" in results:
        print(f"\naction server: {results['action_server_profiled']['webhook_ms_per_call']} ms per request in its webhook, under cProfile")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=40, help=f"scripted conversations of {len(SCRIPT)} turns per pass")
    parser.add_argument("--top", type=int, default=25, help="functions and packages to list")
    parser.add_argument("--without", action="append", choices=FIXES, default=[], help="leave one of bot.ops.rasa_server's fixes out")
    parser.add_argument("--rasa-as-is", action="store_true", help="leave both fixes out")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.rasa_as_is:
        args.without = list(FIXES)
    model = args.model or ensure_model(Settings.from_env())
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        settings = replace(Settings.from_env(), var_dir=work / "var", redis_embedded_port=free_port(), actions_port=free_port())
        redis_url, embedded = start_redis(settings)
        current: list[Service] = []

        def restart_actions(profile_to: Path | None) -> None:
            for service in current:
                service.stop()
            current.clear()
            service = action_server(settings, work / "actions.log", profile_to)
            service.start(env, settings.project_root)
            current.append(service)
            service.wait_healthy(timeout=120, stop_event=threading.Event())

        try:
            env = service_environment(settings, redis_url)
            os.environ.update(env)  # endpoints.yml reads REDIS_* and ACTIONS_PORT; quiet TensorFlow
            if "openmp" not in args.without:
                limit_openmp_threads()  # in this process only, where the featurizer runs
            restart_actions(None)
            results = {"machine": machine(), "without": sorted(args.without), **asyncio.run(run_agent(model, settings, args, work, restart_actions))}
        finally:
            for service in current:
                service.stop()
            if embedded is not None:
                embedded.stop()
    print_report(results)
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
