"""Handoff latency on loopback: ``python -m bench.handoff --runs 300``.

Starts the real stack (embedded Redis, action server, Rasa server, console) on free ports with
a private var/, logs in to the console, follows its live stream, and for each run:

1. a web user (a real socket.io client) writes "转人工"; we time until the console's live
   stream shows ``handoff_opened`` for it (escalation → visible in the console);
2. the agent claims it and replies through the console API; we time until the user's socket
   receives the reply (agent reply → user);
3. the agent resolves it.

Prints p50 / p95 / p99 / max of both and writes them as JSON with ``--json``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

import aiohttp
import socketio

from bench.machine import machine
from bench.output import write_json
from bot.knowledge.training import ensure_model
from bot.ops import ports
from bot.ops.stack import Stack
from bot.settings import Settings


def free_port() -> int:
    """A free TCP port on loopback, outside the ephemeral range."""
    return ports.free_port()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max in milliseconds."""
    return {
        "runs": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1),
    }


_closing: list[asyncio.Future] = []


class ConsoleEvents:
    """Follows the console's SSE stream and wakes whoever waits for a handoff to appear."""

    def __init__(self) -> None:
        self.opened: dict[str, float] = {}
        self._changed = asyncio.Event()

    async def follow(self, session: aiohttp.ClientSession, url: str) -> None:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
            kind = ""
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "handoff_opened":
                    self.opened[json.loads(line[6:])["handoff_id"]] = time.perf_counter()
                    self._changed.set()

    async def wait_for_new(self, known: set, timeout: float = 30.0) -> str:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            fresh = set(self.opened) - known
            if fresh:
                return fresh.pop()
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=deadline - time.perf_counter())
            except asyncio.TimeoutError:
                break
        raise TimeoutError("the handoff did not appear in the console")


async def one_run(http: aiohttp.ClientSession, events: ConsoleEvents, rasa: str, console: str, token: str) -> tuple:
    """Escalate as a web user, reply as the agent; return both latencies in seconds."""
    user = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    user.on("session_confirm", lambda _sid: confirmed.set())
    user.on("bot_uttered", lambda message: replies.put_nowait((time.perf_counter(), message)))
    # Long-polling: the websocket transport of this python-engineio needs a newer aiohttp than Rasa allows.
    await user.connect(rasa, transports=["polling"], socketio_path="/socket.io")
    session_id = uuid.uuid4().hex
    await user.emit("session_request", {"session_id": session_id})
    await asyncio.wait_for(confirmed.wait(), 10)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        known = set(events.opened)
        started = time.perf_counter()
        await user.emit("user_uttered", {"message": "转人工", "session_id": session_id, "message_id": uuid.uuid4().hex})
        handoff_id = await events.wait_for_new(known)
        escalation = events.opened[handoff_id] - started
        async with http.post(f"{console}/api/handoffs/{handoff_id}/claim", headers=headers) as response:
            assert response.status == 200, await response.text()
        while not replies.empty():
            replies.get_nowait()
        sent = time.perf_counter()
        async with http.post(f"{console}/api/handoffs/{handoff_id}/messages", headers=headers, json={"text": "您好,我来帮您处理"}) as response:
            assert response.status in (200, 201), await response.text()
        while True:
            at, message = await asyncio.wait_for(replies.get(), 10)
            if (message.get("metadata") or {}).get("from") == "agent":
                break
        reply = at - sent
        async with http.post(f"{console}/api/handoffs/{handoff_id}/resolve", headers=headers, json={"outcome": "resolved"}) as response:
            assert response.status == 200, await response.text()
        return escalation, reply
    finally:
        # A long-polling client's disconnect waits for its pending poll (up to ~25 s): let it
        # finish in the background instead of between runs.
        _closing.append(asyncio.ensure_future(user.disconnect()))


async def measure(settings: Settings, runs: int, warmup: int = 3) -> dict[str, dict[str, float]]:
    """Log in, follow the console stream, do ``warmup`` handoffs unmeasured, then ``runs`` measured."""
    rasa = f"http://127.0.0.1:{settings.rasa_port}"
    console = f"http://127.0.0.1:{settings.console_port}"
    password = settings.resolved_console_admin_password().reveal()
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{console}/api/login", json={"username": "admin", "password": password}) as response:
            token = (await response.json())["token"]
        events = ConsoleEvents()
        follower = asyncio.ensure_future(events.follow(http, f"{console}/api/stream?token={token}"))
        await asyncio.sleep(0.5)
        for _ in range(warmup):  # the first messages load TensorFlow's graphs: not what we measure
            await one_run(http, events, rasa, console, token)
        escalations, replies = [], []
        for n in range(runs):
            escalation, reply = await one_run(http, events, rasa, console, token)
            escalations.append(escalation)
            replies.append(reply)
            if (n + 1) % 50 == 0:
                print(f"  {n + 1}/{runs} runs", file=sys.stderr, flush=True)
        follower.cancel()
        await asyncio.gather(*_closing, return_exceptions=True)
    return {"escalation_to_console": summary(escalations), "agent_reply_to_user": summary(replies)}


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.handoff", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--model", type=Path, help="a trained model (default: the project's, trained if stale)")
    args = parser.parse_args(argv)
    os.environ["SERVICE_HOURS"] = "00:00-24:00"  # agents on duty whatever the hour of the run
    model = args.model or ensure_model(Settings.from_env())
    started_on = machine()
    with tempfile.TemporaryDirectory() as var_dir:
        settings = replace(
            Settings.from_env(), var_dir=Path(var_dir), redis_embedded_port=free_port(),
            rasa_port=free_port(), actions_port=free_port(), console_port=free_port(),
        )
        stack = Stack(settings, model=model)
        stack.start()
        try:
            figures = {"machine": started_on, **asyncio.run(measure(settings, args.runs))}
        finally:
            stack.stop()
    print(json.dumps(figures, indent=2))
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
