"""Group the inbox's messages by meaning: e5 vectors, greedy clustering by cosine similarity."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.knowledge.inbox import InboxItem

# e5 scores are compressed towards the top: measured with the bundled model, "怎么改密码" and
# "密码怎么修改" score 0.98, unrelated short questions ("退款多久到账", "优惠券怎么用",
# "我的快递在哪") 0.82-0.85, and the same question in zh and en 0.89. 0.9 groups paraphrases
# and keeps different questions (and languages, which go to different examples) apart.
SIMILARITY = 0.9
_CACHE_SIZE = 20000

Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Group:
    """Messages that ask the same thing: the first (newest) one stands for them."""

    items: tuple[InboxItem, ...]

    def as_dict(self) -> dict:
        """The JSON form: the representative text, counts by kind, the conversations, the items."""
        return {
            "text": self.items[0].text,
            "count": len(self.items),
            "kinds": dict(Counter(item.kind for item in self.items)),
            "conversations": sorted({item.conversation_id for item in self.items}),
            "items": [item.as_dict() for item in self.items],
        }


class InboxGrouper:
    """Groups items; keeps each item's vector (by id), so a refresh encodes only new messages."""

    def __init__(self, encode: Encode, similarity: float = SIMILARITY) -> None:
        self._encode = encode
        self._similarity = similarity
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def vectors(self, items: Sequence[InboxItem]) -> np.ndarray:
        """One L2-normalised row per item."""
        with self._lock:
            missing = [item for item in items if item.item_id not in self._vectors]
        if missing:
            encoded = self._encode([item.text for item in missing])
            with self._lock:
                if len(self._vectors) + len(missing) > _CACHE_SIZE:
                    self._vectors.clear()
                for item, vector in zip(missing, encoded, strict=True):
                    self._vectors[item.item_id] = np.asarray(vector, dtype=np.float32)
        with self._lock:
            rows = [self._vectors.get(item.item_id) for item in items]
        if any(row is None for row in rows):  # cleared meanwhile by another refresh
            return np.atleast_2d(np.asarray(self._encode([item.text for item in items]), dtype=np.float32))
        return np.vstack([row for row in rows if row is not None]) if rows else np.zeros((0, 1), np.float32)

    def group(self, items: Sequence[InboxItem]) -> list[Group]:
        """Greedy: each item joins the first group whose representative is similar enough, else starts one.

        Biggest groups first (ties: the newest first).
        """
        if not items:
            return []
        vectors = self.vectors(items)
        heads: list[int] = []
        members: list[list[InboxItem]] = []
        for index, item in enumerate(items):
            if heads:
                scores = vectors[heads] @ vectors[index]
                best = int(np.argmax(scores))
                if scores[best] >= self._similarity:
                    members[best].append(item)
                    continue
            heads.append(index)
            members.append([item])
        groups = [Group(tuple(found)) for found in members]
        return sorted(groups, key=lambda g: (-len(g.items), -g.items[0].at))
