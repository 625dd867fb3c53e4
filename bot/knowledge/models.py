"""Which trained model is live, in Redis: the model server's answer, rollback and the audit log.

Keys (all ``cs:models:*``): ``live`` and ``previous`` hold model ids; ``audit`` is a stream of
who put which model live (or rolled back) when, with its scores and note. A published model is
``var/models/candidates/<id>.tar.gz`` with the knowledge base it was trained from beside it
(``<id>.faq/``), so a rollback brings back the answers that belong to the model. Before the first
publish the live model is the one ``make train`` writes (id ``base``).
"""
from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from bot.knowledge.base import Faq, KnowledgeBase, KnowledgeBaseError
from bot.knowledge.training import model_path
from bot.redis_text import as_text
from bot.settings import Settings

logger = logging.getLogger(__name__)

LIVE = "cs:models:live"
PREVIOUS = "cs:models:previous"
AUDIT = "cs:models:audit"
BASE_ID = "base"
_AUDIT_LENGTH = 10_000


def base_etag(model_file: Path) -> str:
    """The ETag of the model ``make train`` wrote at ``model_file``: ``base-`` and its training fingerprint."""
    stamp = model_file.with_suffix("").with_suffix(".fingerprint")
    return f"{BASE_ID}-{stamp.read_text().strip()[:16]}" if stamp.is_file() else BASE_ID


class NoPreviousModel(Exception):
    """A rollback with nothing to roll back to."""


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    at: float
    who: str
    action: str  # publish | override | rollback | refused
    model: str
    previous: str
    scores: dict[str, Any]
    note: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the console."""
        return {"at": self.at, "who": self.who, "action": self.action, "model": self.model,
                "previous": self.previous, "scores": self.scores, "note": self.note}


class ModelRegistry:
    """The live and previous model ids, the files behind them and the audit log."""

    def __init__(self, client: redis.Redis, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._settings = settings
        self._clock = clock

    @property
    def candidates_dir(self) -> Path:
        """Where published and candidate models are kept."""
        return self._settings.models_dir / "candidates"

    def path_of(self, model_id: str) -> Path:
        """The model file of ``model_id``."""
        if model_id == BASE_ID:
            return model_path(self._settings)
        return self.candidates_dir / f"{model_id}.tar.gz"

    def etag_of(self, model_id: str) -> str:
        """What the model server sends as ETag: the id, plus the training fingerprint for the base model
        (``make train`` rewrites that file in place)."""
        return model_id if model_id != BASE_ID else base_etag(model_path(self._settings))

    def knowledge_dir_of(self, model_id: str) -> Path:
        """The knowledge base ``model_id`` was trained from (data/faq for the base model)."""
        snapshot = self.candidates_dir / f"{model_id}.faq"
        if model_id != BASE_ID and snapshot.is_dir():
            return snapshot
        return self._settings.project_root / "data" / "faq"

    def snapshot_knowledge(self, model_id: str) -> Path:
        """Copy data/faq beside the candidate's model file, as it was trained."""
        target = self.candidates_dir / f"{model_id}.faq"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self._settings.project_root / "data" / "faq", target)
        return target

    def live_id(self) -> str:
        """The id of the model every Rasa server should run."""
        value = self._redis.get(LIVE)
        return as_text(value) if value else BASE_ID

    def previous_id(self) -> str | None:
        """The model that was live before, if any."""
        value = self._redis.get(PREVIOUS)
        return as_text(value) if value else None

    def go_live(self, model_id: str, who: str, action: str, scores: dict[str, Any], note: str = "") -> AuditEntry:
        """Make ``model_id`` live (its file must exist) and log it."""
        if not self.path_of(model_id).is_file():
            raise FileNotFoundError(f"no model file for {model_id}")
        current = self.live_id()
        pipe = self._redis.pipeline()
        pipe.set(PREVIOUS, current)
        pipe.set(LIVE, model_id)
        pipe.execute()
        return self.log(who, action, model_id, current, scores, note)

    def rollback(self, who: str, note: str = "") -> AuditEntry:
        """Put the previous model live again (the current one becomes the previous)."""
        previous = self.previous_id()
        if previous is None or previous == self.live_id():
            raise NoPreviousModel("there is no previous model to roll back to")
        return self.go_live(previous, who, "rollback", {}, note)

    def log(self, who: str, action: str, model_id: str, previous: str, scores: dict[str, Any], note: str = "") -> AuditEntry:
        """Append one entry to the audit log."""
        entry = AuditEntry(self._clock(), who, action, model_id, previous, scores, note)
        self._redis.xadd(
            AUDIT,
            {"at": str(entry.at), "who": who, "action": action, "model": model_id, "previous": previous,
             "scores": json.dumps(scores), "note": note},
            maxlen=_AUDIT_LENGTH, approximate=True,
        )
        return entry

    def audit(self, limit: int = 100) -> list[AuditEntry]:
        """The latest entries, newest first."""
        entries = []
        for _, fields in self._redis.xrevrange(AUDIT, count=limit):
            row = {as_text(k): as_text(v) for k, v in fields.items()}
            entries.append(AuditEntry(float(row["at"]), row["who"], row["action"], row["model"],
                                      row.get("previous", ""), json.loads(row.get("scores") or "{}"), row.get("note", "")))
        return entries


class LiveKnowledge:
    """The knowledge base of the live model, re-read when another model goes live.

    Looks at the live id in Redis at most every ``check_seconds``: one GET every few seconds,
    not one per message. Redis down: keeps answering from what it has.
    """

    def __init__(self, registry: ModelRegistry, check_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._registry = registry
        self._check_seconds = check_seconds
        self._clock = clock
        self._checked_at = float("-inf")
        self._model_id: str | None = None
        self._knowledge: KnowledgeBase | None = None

    def current(self) -> KnowledgeBase:
        """The knowledge base to answer from now."""
        now = self._clock()
        if self._knowledge is None or now - self._checked_at >= self._check_seconds:
            self._checked_at = now
            try:
                model_id = self._registry.live_id()
            except redis.RedisError:
                model_id = self._model_id or BASE_ID
            if model_id != self._model_id or self._knowledge is None:
                directory = self._registry.knowledge_dir_of(model_id)
                try:
                    self._knowledge = KnowledgeBase.load(directory)
                    self._model_id = model_id
                except KnowledgeBaseError as error:
                    if self._knowledge is None:
                        raise
                    logger.error("kept the knowledge base of %s: %s does not read: %s", self._model_id, directory, error)
        return self._knowledge

    def by_response_key(self, intent_response_key: str) -> Faq | None:
        """The entry for ``faq/<id>`` in the live knowledge base."""
        return self.current().by_response_key(intent_response_key)
