"""Our stack against a bare ``rasa run``, side by side in one run: ``python -m bench.compare``.

(a) ours: the REST channel behind the handoff gate, Redis tracker and lock stores, our action
    server — what ``make run`` starts;
(b) bare: ``rasa run`` with Rasa's built-in REST channel and in-memory stores, the same model
    and an action server of its own (the actions need Redis for tickets, so it gets one).

For each N in ``--users`` (default 1, 10, 50) N simulated users each hold ``--conversations``
conversations of the same scripted turns against (a), then against (b); we print messages
per second, p50 / p95 / p99 latency, and the ratios ours / bare. Everything is on loopback and
every loop is bounded.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import yaml

from bench.handoff import free_port, percentile
from bench.machine import machine
from bench.output import write_json
from bot.knowledge.training import ensure_model
from bot.ops.redis_client import rasa_store_env
from bot.ops.stack import Service, Stack, service_environment
from bot.settings import Settings

SCRIPT = ["你好", "退款多久到账", "解决了", "5", "how do I change my password", "yes", "4", "谢谢"]


def post(port: int, sender: str, text: str) -> float:
    """Send one message over REST; return the latency in seconds (raises on an error)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        json.loads(response.read())
    return time.perf_counter() - started


class Latencies:
    """Latencies of REST messages sent from several threads, and how many failed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds: list[float] = []
        self.errors = 0

    def send(self, port: int, sender: str, text: str) -> None:
        """Send one message and record its latency, or count it as an error."""
        try:
            took = post(port, sender, text)
        except Exception:  # noqa: BLE001 - counted: any error is a result here
            with self._lock:
                self.errors += 1
            return
        with self._lock:
            self.seconds.append(took)

    def figures(self, elapsed: float) -> dict[str, float]:
        """Messages, errors, throughput over ``elapsed`` seconds, and p50 / p95 / p99 in ms."""
        return {
            "messages": len(self.seconds) + self.errors,
            "errors": self.errors,
            "msg_per_s": round(len(self.seconds) / elapsed, 2),
            "p50_ms": round(percentile(self.seconds, 50) * 1000, 1),
            "p95_ms": round(percentile(self.seconds, 95) * 1000, 1),
            "p99_ms": round(percentile(self.seconds, 99) * 1000, 1),
        }


def load(port: int, users: int, conversations: int, tag: str) -> dict[str, float]:
    """``users`` threads, each holding ``conversations`` scripted conversations; the figures."""
    latencies = Latencies()

    def user(n: int) -> None:
        for c in range(conversations):
            for text in SCRIPT:
                latencies.send(port, f"{tag}-{n}-{c}", text)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(user, range(users)))
    return latencies.figures(time.perf_counter() - started)


def bare_rasa(settings: Settings, model: Path, redis_url: str, work: Path) -> list[Service]:
    """An action server and ``rasa run`` with Rasa's REST channel and in-memory stores."""
    import sys as _sys

    endpoints = work / "bare-endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"action_endpoint": {"url": f"http://127.0.0.1:{settings.actions_port}/webhook"}}))
    credentials = work / "bare-credentials.yml"
    credentials.write_text("rest:\n")
    logs = work / "bare-logs"
    return [
        Service("bare action server", [_sys.executable, "-m", "actions.server", "--port", str(settings.actions_port)],
                f"http://127.0.0.1:{settings.actions_port}/health", logs / "actions.log"),
        Service("bare Rasa server", [_sys.executable, "-m", "rasa", "run", "--model", str(model), "--endpoints", str(endpoints),
                                     "--credentials", str(credentials), "--port", str(settings.rasa_port), "--interface", "127.0.0.1"],
                f"http://127.0.0.1:{settings.rasa_port}/", logs / "rasa.log"),
    ]


def nlu_only(port: int, token: str, rounds: int = 5) -> dict[str, float]:
    """Latency of NLU alone (Rasa's /model/parse) on the script's texts: the floor of a message."""
    latencies = []
    for _ in range(rounds):
        for text in SCRIPT:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/model/parse?token={token}",
                data=json.dumps({"text": text}).encode(),
                headers={"Content-Type": "application/json"},
            )
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
            latencies.append(time.perf_counter() - started)
    return {"p50_ms": round(percentile(latencies, 50) * 1000, 1), "p95_ms": round(percentile(latencies, 95) * 1000, 1)}


def warm(port: int, tag: str) -> None:
    """A few messages first: TensorFlow builds its graphs on the first predictions."""
    for text in SCRIPT:
        post(port, f"{tag}-warmup", text)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--conversations", type=int, default=2, help="conversations per user")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    model = args.model or ensure_model(Settings.from_env())
    results: dict[str, dict] = {"machine": machine()}
    print(f"machine: {json.dumps(results['machine'])}", flush=True)
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        ours = replace(Settings.from_env(), var_dir=work / "var", redis_embedded_port=free_port(), rasa_port=free_port(),
                       actions_port=free_port(), console_port=free_port())
        stack = Stack(ours, model=model)
        stack.start()
        bare_settings = replace(ours, rasa_port=free_port(), actions_port=free_port())
        bare = bare_rasa(bare_settings, model, stack.redis_url, work)
        try:
            env = service_environment(bare_settings, stack.redis_url)
            env.update(rasa_store_env(stack.redis_url))
            for service in bare:
                service.start(env, ours.project_root)
                service.wait_healthy(timeout=180, stop_event=threading.Event())
            warm(ours.rasa_port, "ours")
            warm(bare_settings.rasa_port, "bare")
            results["nlu_only"] = nlu_only(ours.rasa_port, ours.resolved_rasa_api_token().reveal())
            results["one_user_one_message"] = load(ours.rasa_port, 1, 3, "single")
            print(f"NLU alone: {json.dumps(results['nlu_only'])}; a whole message, one user: "
                  f"{json.dumps(results['one_user_one_message'])}", flush=True)
            for users in args.users:
                figures = {
                    "ours": load(ours.rasa_port, users, args.conversations, f"ours{users}"),
                    "bare": load(bare_settings.rasa_port, users, args.conversations, f"bare{users}"),
                }
                figures["throughput_ratio"] = round(figures["ours"]["msg_per_s"] / figures["bare"]["msg_per_s"], 3)
                figures["p99_ratio"] = round(figures["ours"]["p99_ms"] / figures["bare"]["p99_ms"], 3)
                results[f"users={users}"] = figures
                print(f"N={users}: {json.dumps(figures)}", flush=True)
        finally:
            for service in reversed(bare):
                service.stop()
            stack.stop()
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
