"""A real stack on loopback: embedded Redis, action server, Rasa server, console."""
from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.knowledge.training import ensure_model
from bot.ops.stack import Stack
from bot.settings import Settings


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The project's model, trained now unless one from exactly the current data exists."""
    return ensure_model(Settings.from_env({}))


@pytest.fixture
def stack(settings, trained_model, monkeypatch) -> Iterator[Stack]:
    """A running stack on free ports with a private var/ (stopped after the test).

    Agents count as on duty around the clock, so handoff tests do not depend on the hour.
    """
    monkeypatch.setenv("SERVICE_HOURS", "00:00-24:00")
    running = Stack(settings, model=trained_model)
    running.start()
    yield running
    running.stop()


def say(settings: Settings, sender: str, message: str) -> list[str]:
    """Send ``message`` through the REST webhook; return the texts the bot answered."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return [reply.get("text", "") for reply in json.loads(response.read())]


def tracker(settings: Settings, sender: str) -> dict:
    """The conversation's tracker from Rasa's HTTP API (token-protected)."""
    token = settings.resolved_rasa_api_token().reveal()
    url = f"http://127.0.0.1:{settings.rasa_port}/conversations/{sender}/tracker?token={token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())
