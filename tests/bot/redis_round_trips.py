"""Count the round trips a client makes to Redis, to pin down that bulk reads stay batched."""
from __future__ import annotations

from typing import Any

import pytest
import redis


class RoundTrips:
    """Each command sent on its own, and each pipeline, is one round trip."""

    def __init__(self, client: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        command = client.execute_command
        execute = redis.client.Pipeline.execute

        def counted_command(*args: Any, **options: Any) -> Any:
            self.count += 1
            return command(*args, **options)

        def counted_execute(pipe: redis.client.Pipeline, *args: Any, **options: Any) -> Any:
            self.count += 1
            return execute(pipe, *args, **options)

        monkeypatch.setattr(client, "execute_command", counted_command)
        monkeypatch.setattr(redis.client.Pipeline, "execute", counted_execute)
