"""Save → live for a new FAQ entry, with users talking: ``python -m bench.publish --json var/bench/publish.json``.

What an editor does, on a real stack on loopback (embedded Redis, action server, console and two
Rasa servers polling the console's model server), with a private copy of what the model is
trained from (``config.yml``, ``domain.yml``, ``data/``, ``bot/``, ``tests/nlu``) and its own var/:

1. trains the base model in the copy (not timed as part of the publish: it only warms the
   copy's Rasa cache as ``make train`` warms the project's) and starts the stack on it;
2. starts a bounded load: ``--users`` REST users, each asking an FAQ question, waiting for the
   answer and ``--think`` seconds, continuously;
3. saves a new FAQ entry (Chinese and English) the way the console's inbox does (``DataEditor``),
   then runs ``make publish`` (``python -m bot.knowledge.publish``) in the copy;
4. follows the publish's phase in Redis, each Rasa server's loaded model (``/status``) and asks each
   server the new question every second until it gets the new answer.

Prints and writes (``--json``) the seconds from save to live split into phases (save, training,
scoring the candidate, scoring the live model, go-live → loaded → answering, per server) and
what the users' messages got: sent, answered, failed (HTTP status other than 200, or an error),
lost (no reply, or none within the timeout), with reply latency, during the publish and overall.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
import redis

from bench.handoff import percentile
from bench.machine import machine
from bench.output import write_json
from bench.training import copy_project
from bot.knowledge.annotate import DataEditor, NewFaq
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.publish import JOB
from bot.knowledge.training import ensure_model
from bot.ops import ports
from bot.ops.credentials import write_credentials
from bot.ops.stack import Service, Stack, build_services, service_environment
from bot.settings import PROJECT_ROOT, Settings

NEW_ENTRY = NewFaq(
    faq_id="bench_gift_wrapping",
    zh_questions=("可以帮我把商品包成礼物吗", "有没有礼品包装服务", "礼品包装怎么收费", "送人的东西能包装一下吗",
                  "下单时怎么选礼品包装", "能不能用礼盒包起来", "礼物包装要另外付钱吗", "可以加一张贺卡和礼品包装吗"),
    en_questions=("can you wrap my order as a gift", "do you have a gift wrapping service", "how much is gift wrapping",
                  "can the item be wrapped as a present", "how do I choose gift wrapping at checkout",
                  "can you put it in a gift box", "is gift wrapping extra", "can I add a card and gift wrapping"),
    zh_conclusion="可以在结算页勾选【礼品包装】,每件收费5元。",
    en_conclusion="Yes: tick Gift wrapping on the checkout page; it costs 5 yuan per item.",
    zh_reasoning="礼品包装由仓库统一处理,需要在付款前选择,付款后无法追加。",
    en_reasoning="The warehouse wraps gifts, so it must be chosen before payment and cannot be added afterwards.",
    zh_steps=("在购物车点击【结算】", "勾选【礼品包装】并填写贺卡内容", "确认金额后付款"),
    en_steps=("Tap Checkout in your cart", "Tick Gift wrapping and write the card", "Check the total and pay"),
)
# Asked of each server until it answers with the new entry; neither is one of its examples.
PROBES = {"zh": ("能帮我做个礼品包装吗", NEW_ENTRY.zh_conclusion), "en": ("could you gift wrap this for me", NEW_ENTRY.en_conclusion)}
COPIED_TESTS = Path("tests") / "nlu"
PHASES = ("training", "evaluating the candidate", "evaluating the live model")


# What the users' messages got.

def classify(status: int | None, texts: list[str] | None, error: str | None = None) -> str:
    """``answered``, ``failed`` or ``lost`` for one message.

    ``status`` is the HTTP status (None: no response), ``texts`` the reply texts, ``error`` what
    went wrong without a response: ``"timeout"`` (no reply in time: lost) or anything else (failed).
    """
    if error is not None or status is None:
        return "lost" if error == "timeout" else "failed"
    if status != 200:
        return "failed"
    return "answered" if any(text.strip() for text in texts or []) else "lost"


@dataclass(frozen=True)
class Message:
    """One user message: when it was sent (seconds on the bench's clock), what it got, how long it took."""

    sent_at: float
    outcome: str
    seconds: float
    right: bool = False  # the answer of the entry the question belongs to
    detail: str = ""


@dataclass
class Tally:
    """Every user message, for counts over any window."""

    messages: list[Message] = field(default_factory=list)

    def add(self, message: Message) -> None:
        self.messages.append(message)

    def report(self, start: float = float("-inf"), end: float = float("inf")) -> dict[str, Any]:
        """Counts and reply latency of the messages sent in [start, end]."""
        chosen = [m for m in self.messages if start <= m.sent_at <= end]
        counts = {kind: sum(1 for m in chosen if m.outcome == kind) for kind in ("answered", "failed", "lost")}
        answered = [m.seconds for m in chosen if m.outcome == "answered"]
        latency = {} if not answered else {
            "p50_ms": round(percentile(answered, 50) * 1000), "p95_ms": round(percentile(answered, 95) * 1000),
            "p99_ms": round(percentile(answered, 99) * 1000), "max_ms": round(max(answered) * 1000)}
        problems = [f"{m.outcome}: {m.detail}" for m in chosen if m.outcome != "answered"][:10]
        return {"sent": len(chosen), **counts, "right_answer": sum(1 for m in chosen if m.right),
                "latency": latency, "problems": problems}


# The timeline of one publish.

def phase_seconds(saved: float, saved_done: float, job_phases: dict[str, float], went_live: float,
                  servers: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Seconds of each phase from the moments they began.

    ``job_phases``: when each phase of the publish job was first seen (PHASES; a missing one took
    no time); ``went_live``: when the job was seen live; ``servers``: per Rasa server, when it had
    the new model loaded (``loaded``) and when it first gave the new answer (``answering``).
    """
    marks: list[float | None] = [saved_done, *(job_phases.get(name) for name in PHASES), went_live]
    for index in range(len(marks) - 2, 0, -1):  # a phase not seen took no time: it begins where the next one does
        if marks[index] is None:
            marks[index] = marks[index + 1]
    starts = [moment if moment is not None else went_live for moment in marks]
    result: dict[str, Any] = {"save (checks and write)": round(saved_done - saved, 1),
                              "publish start": round(starts[1] - starts[0], 1)}
    for index, name in enumerate(PHASES):
        result[name] = round(starts[index + 2] - starts[index + 1], 1)
    result["per server"] = {
        name: {"go-live → model loaded": round(moments["loaded"] - went_live, 1),
               "go-live → new answer": round(moments["answering"] - went_live, 1)}
        for name, moments in sorted(servers.items())}
    result["save → live on every server"] = round(max(m["answering"] for m in servers.values()) - saved, 1)
    return result


# The stack, the load and the watchers.

@dataclass(frozen=True)
class RasaServer:
    """One Rasa server of the stack, as the bench talks to it."""

    name: str
    url: str
    token: str

    def model_file(self) -> str:
        import urllib.request

        with urllib.request.urlopen(f"{self.url}/status?token={self.token}", timeout=30) as response:
            return Path(json.loads(response.read())["model_file"]).name


def free_settings(settings: Settings) -> Settings:
    """``settings`` on free ports, the services run from the project itself."""
    return replace(settings, project_root=PROJECT_ROOT, redis_embedded_port=ports.free_port(),
                   rasa_port=ports.free_port(), actions_port=ports.free_port(), console_port=ports.free_port())


@contextmanager
def running_stack(settings: Settings, model: Path, servers: int) -> Iterator[tuple[Stack, list[RasaServer]]]:
    """The stack plus ``servers - 1`` more Rasa servers on the same Redis, action server and console."""
    stack = Stack(settings, model=model)
    stack.start()
    extra: list[Service] = []
    token = settings.resolved_rasa_api_token().reveal()
    found = [RasaServer("rasa-a", f"http://127.0.0.1:{settings.rasa_port}", token)]
    try:
        assert stack.redis_url is not None
        for index in range(1, servers):
            other = replace(settings, rasa_port=ports.free_port())
            service = build_services(other, token, model, write_credentials(settings))[1]
            name = f"rasa-{chr(ord('a') + index)}"
            service.log_path = service.log_path.with_name(f"{name}.log")
            service.start(service_environment(other, stack.redis_url), settings.project_root)
            service.wait_healthy(timeout=300, stop_event=threading.Event())
            extra.append(service)
            found.append(RasaServer(name, f"http://127.0.0.1:{other.rasa_port}", token))
        yield stack, found
    finally:
        for service in extra:
            service.stop()
        stack.stop()


async def ask(http: aiohttp.ClientSession, server: RasaServer, sender: str, text: str,
              timeout: float) -> tuple[int | None, list[str] | None, str | None]:
    """(status, reply texts, error) of one REST message."""
    try:
        async with http.post(f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                             timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            if response.status != 200:
                return response.status, None, None
            return 200, [reply.get("text", "") for reply in await response.json()], None
    except asyncio.TimeoutError:
        return None, None, "timeout"
    except (aiohttp.ClientError, ValueError) as error:
        return None, None, f"{type(error).__name__}: {error}"


async def user(http: aiohttp.ClientSession, number: int, servers: list[RasaServer], questions: list[tuple[str, str]],
               tally: Tally, stop: asyncio.Event, think: float, timeout: float, clock: Any) -> None:
    """One user: an FAQ question, wait for the answer, think, the next; a new conversation every 5 messages."""
    count, sender = 0, ""
    while not stop.is_set():
        server = servers[(number + count) % len(servers)]
        question, conclusion = questions[(number * 7 + count) % len(questions)]
        if count % 5 == 0:
            sender = f"bench-user-{number}-{count // 5}-{uuid.uuid4().hex[:6]}"
        sent = clock()
        status, texts, error = await ask(http, server, sender, question, timeout)
        outcome = classify(status, texts, error)
        detail = f"{server.name} {question!r}: " + (error or (f"HTTP {status}" if status != 200 else repr(texts)))
        right = outcome == "answered" and any(conclusion in text for text in texts or [])
        tally.add(Message(sent, outcome, clock() - sent, right, detail if outcome != "answered" else ""))
        count += 1
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=think)


async def watch_servers(http: aiohttp.ClientSession, servers: list[RasaServer], base_files: dict[str, str],
                        moments: dict[str, dict[str, float]], job_phases: dict[str, float],
                        stop: asyncio.Event, clock: Any) -> None:
    """Record when each server has a model other than the base loaded, and when it gives the new answer.

    The new question is asked (once a second per server) only from go-live on: before, it cannot
    get the new answer, and the probes would be load the users do not make.
    """
    asked = 0
    while not stop.is_set():
        if "state:live" not in job_phases:
            await asyncio.sleep(0.2)
            continue
        for server in servers:
            seen = moments.setdefault(server.name, {})
            if "loaded" not in seen:
                try:
                    loaded = await asyncio.to_thread(server.model_file)
                except OSError:
                    loaded = base_files[server.name]
                if loaded != base_files[server.name]:
                    seen["loaded"] = clock()
            if "answering" not in seen:
                probe, conclusion = PROBES["zh"]
                _, texts, _ = await ask(http, server, f"bench-probe-{asked}-{uuid.uuid4().hex[:6]}", probe, 60)
                asked += 1
                if any(conclusion in text for text in texts or []):
                    seen["answering"] = clock()
        if len(moments) == len(servers) and all(len(seen) == 2 for seen in moments.values()):
            return
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)


def follow_job(client: redis.Redis, phases: dict[str, float], done: threading.Event, clock: Any) -> None:
    """Record when each phase of the publish job (hash cs:models:job) is first seen, until ``done``."""
    while not done.is_set():
        job = {k.decode(): v.decode() for k, v in client.hgetall(JOB).items()}
        phase = job.get("phase", "")
        if phase and phase not in phases:
            phases[phase] = clock()
        if job.get("state") in ("live", "refused", "failed") and "state:" + job["state"] not in phases:
            phases["state:" + job["state"]] = clock()
        time.sleep(0.2)


def load_questions(faq_dir: Path, entries: int = 12) -> list[tuple[str, str]]:
    """(question, the conclusion it should get) from the first entries of the knowledge base, both languages."""
    found = []
    for faq in list(KnowledgeBase.load(faq_dir))[:entries]:
        for language in ("zh", "en"):
            found.append((faq.questions[language][0], faq.answer(language).conclusion))
    return found


def publish_command(copy: Path, var_dir: Path, redis_url: str, *extra: str) -> tuple[list[str], dict[str, str]]:
    """``make publish`` in the copy: the command and its environment."""
    env = dict(os.environ, VAR_DIR=str(var_dir), REDIS_URL=redis_url, PYTHONPATH=str(copy))
    return [sys.executable, "-m", "bot.knowledge.publish", "--who", "bench", *extra], env


async def measure(copy: Path, settings: Settings, stack: Stack, servers: list[RasaServer], users: int,
                  think: float, timeout: float, log: Path) -> dict[str, Any]:
    """Load, save, publish, follow until every server answers with the new entry; the figures."""
    assert stack.redis_url is not None
    clock = time.monotonic
    tally, stop_load, stop_watch = Tally(), asyncio.Event(), asyncio.Event()
    questions = load_questions(copy / "data" / "faq")
    # A server started before the console runs its --model file, one started after got the base from the console.
    base_files = {server.name: server.model_file() for server in servers}
    moments: dict[str, dict[str, float]] = {}
    job_phases: dict[str, float] = {}
    client = redis.Redis.from_url(stack.redis_url)
    async with aiohttp.ClientSession() as http:
        for server in servers:  # the new question is not understood before the publish
            _, texts, _ = await ask(http, server, f"bench-before-{server.name}", PROBES["zh"][0], 60)
            assert not any(PROBES["zh"][1] in text for text in texts or []), "the new answer is live already"
        load_started = clock()
        load = [asyncio.create_task(user(http, n, servers, questions, tally, stop_load, think, timeout, clock))
                for n in range(users)]
        await asyncio.sleep(10)  # the load runs before the save
        saved = clock()
        change = await asyncio.to_thread(DataEditor(copy).add_faq_entry, NEW_ENTRY)
        saved_done = clock()
        done = threading.Event()
        follower = threading.Thread(target=follow_job, args=(client, job_phases, done, clock), daemon=True)
        follower.start()
        watcher = asyncio.create_task(watch_servers(http, servers, base_files, moments, job_phases, stop_watch, clock))
        command, env = publish_command(copy, settings.var_dir, stack.redis_url)
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with log.open("ab") as output:
            publish = await asyncio.create_subprocess_exec(*command, cwd=copy, env=env, stdout=output, stderr=output)
            code = await publish.wait()
        published = clock()
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        overridden = False
        if code == 2:  # refused by the gate: a supervisor's override, as in the console
            command, env = publish_command(copy, settings.var_dir, stack.redis_url, "--override", "bench: measuring the publish")
            with log.open("ab") as output:
                override = await asyncio.create_subprocess_exec(*command, cwd=copy, env=env, stdout=output, stderr=output)
                overridden = await override.wait() == 0
        went_live = clock()
        job = {k.decode(): v.decode() for k, v in client.hgetall(JOB).items()}
        if code not in (0, 2) or (code == 2 and not overridden):
            stop_watch.set()
        try:
            await asyncio.wait_for(watcher, timeout=300)
        except asyncio.TimeoutError:
            stop_watch.set()
        live_everywhere = clock()
        await asyncio.sleep(5)  # the load keeps talking a little after the switch
        stop_load.set()
        await asyncio.gather(*load)
        done.set()
        follower.join(5)
        answered_en = {}
        for server in servers:
            _, texts, _ = await ask(http, server, f"bench-after-{server.name}", PROBES["en"][0], 60)
            answered_en[server.name] = any(PROBES["en"][1] in text for text in texts or [])
    went_live = job_phases.get("state:live", went_live)
    complete = len(moments) == len(servers) and all(len(seen) == 2 for seen in moments.values())
    figures: dict[str, Any] = {
        "change": f"{change.path}:{change.line}",
        "publish": {"exit_code": code, "state": job.get("state"), "overridden": overridden,
                    "problems": json.loads(job.get("problems") or "[]"), "model": job.get("id"),
                    "live_scores": json.loads(job.get("live_scores") or "null"),
                    "candidate_scores": json.loads(job.get("candidate_scores") or "null"),
                    "process_seconds": round(published - saved_done, 1),
                    # What the publish and its training used of the cores, whatever else ran on them.
                    "cpu_seconds": round(cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime, 1)},
        "seconds": phase_seconds(saved, saved_done, job_phases, went_live, moments) if complete else
        {"incomplete": {name: {k: round(v - saved, 1) for k, v in seen.items()} for name, seen in moments.items()}},
        "new answer in English after the switch": answered_en,
        "messages during the publish (save → live everywhere)": tally.report(saved, live_everywhere),
        "messages overall": tally.report(),
        "load": {"users": users, "think_seconds": think, "timeout_seconds": timeout,
                 "seconds": round(clock() - load_started, 1), "servers": [s.name for s in servers]},
    }
    client.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10, help="REST users talking through the publish")
    parser.add_argument("--think", type=float, default=2.0, help="seconds a user waits after each answer")
    parser.add_argument("--timeout", type=float, default=30.0, help="a message with no reply after this is lost")
    parser.add_argument("--servers", type=int, default=2, help="Rasa servers (all poll the console)")
    parser.add_argument("--pull-seconds", type=int, help="MODEL_PULL_SECONDS of the Rasa servers (default: the setting's)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", type=Path, help="keep the work folder here (logs) instead of a temporary one")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-publish-", dir=args.keep)).resolve()
    try:
        copy = workdir / "project"
        copy.mkdir()
        trained_from = copy_project(copy)
        shutil.copytree(PROJECT_ROOT / COPIED_TESTS, copy / COPIED_TESTS)
        print("training the base model in the copy …", file=sys.stderr, flush=True)
        started = time.monotonic()
        model = ensure_model(trained_from)
        base_seconds = round(time.monotonic() - started, 1)
        settings = free_settings(trained_from)
        if args.pull_seconds:
            settings = replace(settings, model_pull_seconds=args.pull_seconds)
        on = machine()
        print("starting the stack …", file=sys.stderr, flush=True)
        with running_stack(settings, model, args.servers) as (stack, servers):
            figures = asyncio.run(measure(copy, settings, stack, servers, args.users, args.think, args.timeout,
                                          workdir / "publish.log"))
        result = {"machine": on, "load_average_after": round(os.getloadavg()[0], 2),
                  "model_pull_seconds": settings.model_pull_seconds,
                  "base model trained from scratch in the copy (seconds)": base_seconds, **figures}
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
