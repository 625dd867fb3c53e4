"""Train, evaluate, publish: ``python -m bot.knowledge.publish`` (``make publish``) or the console.

A publish trains a candidate into var/models/candidates/<id>.tar.gz (the live model is not
touched), scores it and the live model on the held-out sets (tests/nlu: intent accuracy and
complaint recall per language; tests/nlu/triage.yml: high-priority recall), and puts it live
only if it is not worse: intent accuracy down more than 0.5 point in a language, or any drop in
complaint or high-priority recall, refuses it until a supervisor overrides with a note. One
publish at a time (a lease in Redis); its progress is the hash ``cs:models:job``.
"""
from __future__ import annotations

import argparse
import json
import logging
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import redis

from bot.knowledge.models import ModelRegistry, NoPreviousModel
from bot.knowledge.training import run_rasa_train
from bot.redis_lease import Lease
from bot.redis_text import as_text
from bot.settings import Settings

logger = logging.getLogger(__name__)

JOB = "cs:models:job"
LEASE = "cs:models:publishing"
SCORES = "cs:models:scores:"  # + the model's ETag (its id): the held-out figures, computed once per model
# The running publish renews its lease; one whose process died (a console killed mid-training)
# stops renewing, and the next publish may start within LEASE_SECONDS instead of hours later.
LEASE_SECONDS = 120
_RENEW_EVERY = 0.25  # of the lease
MAX_INTENT_DROP = 0.005  # half a point of accuracy
_SAME = 1e-9


class PublishError(Exception):
    """A publish request that cannot be done now (the message says why)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Scores:
    """The figures the gate compares."""

    intent_accuracy: dict[str, float]
    complaint_recall: dict[str, float]
    high_recall: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scores:
        """The inverse of ``asdict``."""
        return cls(dict(data["intent_accuracy"]), dict(data["complaint_recall"]), float(data["high_recall"]))


def gate(live: Scores, candidate: Scores) -> list[str]:
    """Why ``candidate`` is worse than ``live`` (empty: it may go live)."""
    problems = []
    for language, before in sorted(live.intent_accuracy.items()):
        after = candidate.intent_accuracy.get(language, 0.0)
        if before - after > MAX_INTENT_DROP + _SAME:
            problems.append(f"intent accuracy ({language}) down {100 * (before - after):.1f} points: {before:.3f} → {after:.3f}")
    for language, before in sorted(live.complaint_recall.items()):
        after = candidate.complaint_recall.get(language, 0.0)
        if after < before - _SAME:
            problems.append(f"complaint recall ({language}) down: {before:.3f} → {after:.3f}")
    if candidate.high_recall < live.high_recall - _SAME:
        problems.append(f"high-priority recall down: {live.high_recall:.3f} → {candidate.high_recall:.3f}")
    return problems


def evaluate_model(model: Path) -> Scores:
    """Score ``model`` on tests/nlu (per language) and the triage set, in this process.

    The model is loaded once for the three sets (``make test-nlu`` loads it for each): a load
    costs as much as parsing a whole set (docs/performance.md, "Publishing").
    """
    import asyncio

    from rasa.core.agent import Agent

    from bot.knowledge import nlu_eval, triage_eval

    nlu_eval._quiet_rasa()
    agent = Agent.load(str(model))

    async def parse_all() -> tuple[dict[str, nlu_eval.LanguageScore], triage_eval.TriageScore]:
        per_language = {language: nlu_eval.score(await nlu_eval.predict(agent, nlu_eval.load_examples(path)))
                        for language, path in nlu_eval.TEST_FILES.items()}
        return per_language, triage_eval.score(await triage_eval.predict(agent, triage_eval.load_cases()))

    per_language, triaged = asyncio.run(parse_all())
    return Scores(
        intent_accuracy={k: round(v.intent_accuracy, 4) for k, v in per_language.items()},
        complaint_recall={k: round(v.complaint_recall, 4) for k, v in per_language.items()},
        high_recall=round(triaged.high_recall, 4),
    )


Trainer = Callable[[Settings, Path, str], Path]
Evaluator = Callable[[Path], Scores]


class Publisher:
    """Runs one publish at a time and keeps its state in Redis for every console instance."""

    def __init__(self, client: redis.Redis, settings: Settings, registry: ModelRegistry,
                 train: Trainer = run_rasa_train, evaluate: Evaluator = evaluate_model,
                 clock: Callable[[], float] = time.time, lease_seconds: int = LEASE_SECONDS) -> None:
        self._redis = client
        self.settings = settings
        self.registry = registry
        self._train = train
        self._evaluate = evaluate
        self._clock = clock
        self._lease_seconds = lease_seconds

    def status(self) -> dict[str, Any]:
        """The latest publish: state, phase, scores side by side, decision; plus what is live."""
        raw = {as_text(k): as_text(v) for k, v in self._redis.hgetall(JOB).items()}
        job: dict[str, Any] | None = None
        if raw:
            job = {k: v for k, v in raw.items() if k not in ("live_scores", "candidate_scores", "problems")}
            for name in ("live_scores", "candidate_scores", "problems"):
                job[name] = json.loads(raw[name]) if raw.get(name) else None
            for name in ("started_at", "finished_at"):
                if name in job:
                    job[name] = float(job[name])
        return {"job": job, "live": self.registry.live_id(), "previous": self.registry.previous_id(),
                "running": bool(self._redis.exists(LEASE))}

    def is_running(self) -> bool:
        """Whether a publish holds the lease now."""
        return bool(self._redis.exists(LEASE))

    def begin(self, who: str) -> str:
        """Take the lease and record a new job; PublishError(409) if one is running or nothing is live."""
        live = self.registry.live_id()
        if not self.registry.path_of(live).is_file():
            raise PublishError(409, f"the live model {live} has no file here ({self.registry.path_of(live)}): run make train first")
        model_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(self._clock())) + "-" + secrets.token_hex(3)
        if not self._lease(model_id).hold():
            running = as_text(self._redis.get(LEASE) or b"")
            raise PublishError(409, f"a publish is already running ({running}); wait for it to finish")
        pipe = self._redis.pipeline()
        pipe.delete(JOB)
        pipe.hset(JOB, mapping={"id": model_id, "state": "running", "phase": "training",
                                "started_by": who, "started_at": str(self._clock())})
        pipe.execute()
        return model_id

    def run(self, model_id: str, who: str) -> dict[str, Any]:
        """Train, score and decide for the job ``begin`` started; renews the lease meanwhile, always releases it."""
        done = threading.Event()
        threading.Thread(target=self._keep_lease, args=(model_id, done), name=f"publish-lease-{model_id}", daemon=True).start()
        try:
            self._phase("training")
            candidate = self._train(self.settings, self.registry.candidates_dir, model_id)
            self.registry.snapshot_knowledge(model_id)
            self._phase("evaluating the candidate")
            candidate_scores = self._evaluate(candidate)
            self._redis.set(SCORES + model_id, json.dumps(asdict(candidate_scores)))
            self._phase("evaluating the live model")
            live_scores = self.live_scores()
            problems = gate(live_scores, candidate_scores)
            fields = {"live_model": self.registry.live_id(), "live_scores": json.dumps(asdict(live_scores)),
                      "candidate_scores": json.dumps(asdict(candidate_scores)), "problems": json.dumps(problems)}
            if problems:
                self.registry.log(who, "refused", model_id, self.registry.live_id(), asdict(candidate_scores), "; ".join(problems))
                self._finish("refused", fields)
            else:
                self.registry.go_live(model_id, who, "publish", asdict(candidate_scores))
                self._finish("live", fields)
        except Exception as error:  # a failed training or evaluation ends the job, never the console
            logger.exception("publish %s failed", model_id)
            self._finish("failed", {"error": f"{type(error).__name__}: {error}"[:500]})
        finally:
            done.set()
            self._lease(model_id).release()
        return self.status()

    def _lease(self, model_id: str) -> Lease:
        return Lease(self._redis, model_id, self._lease_seconds, LEASE)

    def _keep_lease(self, model_id: str, done: threading.Event) -> None:
        lease = self._lease(model_id)
        while not done.wait(self._lease_seconds * _RENEW_EVERY):
            try:
                lease.hold()
            except redis.RedisError as error:  # Redis restarting: the next round tries again
                logger.warning("publish %s: could not renew its lease (%s)", model_id, error)

    def start_in_background(self, who: str) -> str:
        """``begin`` then ``run`` in a thread; returns the candidate's id."""
        model_id = self.begin(who)
        threading.Thread(target=self.run, args=(model_id, who), name=f"publish-{model_id}", daemon=True).start()
        return model_id

    def override(self, who: str, note: str) -> dict[str, Any]:
        """Put the refused candidate live anyway (a supervisor, with a note why)."""
        if not note.strip():
            raise PublishError(400, "an override needs a note saying why")
        if self._redis.exists(LEASE):
            raise PublishError(409, "a publish is running; wait for it to finish")
        job = {as_text(k): as_text(v) for k, v in self._redis.hgetall(JOB).items()}
        if job.get("state") != "refused":
            raise PublishError(409, "there is no refused candidate to override")
        scores = json.loads(job.get("candidate_scores") or "{}")
        self.registry.go_live(job["id"], who, "override", scores, note.strip())
        self._redis.hset(JOB, mapping={"state": "live", "phase": "done", "overridden_by": who, "note": note.strip()})
        return self.status()

    def live_scores(self) -> Scores:
        """The live model's figures: from Redis when it was scored before, else scored now."""
        live = self.registry.live_id()
        key = SCORES + self.registry.etag_of(live)  # the base model's changes with each make train
        cached = self._redis.get(key)
        if cached:
            return Scores.from_dict(json.loads(cached))
        scores = self._evaluate(self.registry.path_of(live))
        self._redis.set(key, json.dumps(asdict(scores)))
        return scores

    def _phase(self, phase: str) -> None:
        self._redis.hset(JOB, "phase", phase)

    def _finish(self, state: str, fields: dict[str, str]) -> None:
        self._redis.hset(JOB, mapping={**fields, "state": state, "phase": "done", "finished_at": str(self._clock())})


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m bot.knowledge.publish [--rollback] [--override NOTE] [--status]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--who", default="terminal", help="the name the audit log records")
    parser.add_argument("--override", metavar="NOTE", help="put the refused candidate live anyway, saying why")
    parser.add_argument("--rollback", action="store_true", help="put the previous model live again")
    parser.add_argument("--status", action="store_true", help="show the latest publish and the live model")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from bot.wiring import Wiring

    settings = Settings.from_env()
    wiring = Wiring(settings)
    publisher = Publisher(wiring.redis, settings, wiring.models)
    try:
        if args.status:
            result = publisher.status()
        elif args.rollback:
            if publisher.is_running():
                raise PublishError(409, "a publish is running; wait for it to finish")
            result = wiring.models.rollback(args.who).as_dict()
        elif args.override is not None:
            result = publisher.override(args.who, args.override)
        else:
            result = publisher.run(publisher.begin(args.who), args.who)
    except PublishError as error:
        print(error.message, file=sys.stderr)
        return 1
    except (NoPreviousModel, FileNotFoundError, redis.RedisError) as error:  # a clear line, not a traceback
        print(str(error), file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=2))
    job = result.get("job") or {}
    return 0 if not job or job.get("state") == "live" else 2


if __name__ == "__main__":
    sys.exit(main())
