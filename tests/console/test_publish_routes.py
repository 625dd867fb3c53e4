"""/api/publish…, /api/models… and the model server /models/current, on the test's real Redis; the
publisher's training and scoring are stand-ins (the gate itself: tests/bot/knowledge/test_publish.py)."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.knowledge.models import BASE_ID, ModelRegistry
from bot.knowledge.publish import Publisher, Scores
from bot.knowledge.training import model_path
from tests.console.conftest import PASSWORD, bearer, login

GOOD = Scores({"zh": 0.9, "en": 0.9}, {"zh": 0.9, "en": 0.9}, 0.95)
WORSE = Scores({"zh": 0.8, "en": 0.9}, {"zh": 0.9, "en": 0.9}, 0.95)


class StandIn:
    """Training that waits for the test to let it finish; scores the test chooses."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.candidate = GOOD

    def train(self, settings, out_dir: Path, name: str) -> Path:
        self.release.wait(10)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{name}.tar.gz"
        path.write_bytes(f"model {name}".encode())
        return path

    def evaluate(self, model: Path) -> Scores:
        return GOOD if model.name == "assistant.tar.gz" else self.candidate


@pytest.fixture
def stand_in() -> StandIn:
    return StandIn()


@pytest.fixture
async def publish_client(start_console, console_settings, user_store, redis_client, stand_in):
    user_store.add("ed", PASSWORD, "editor")
    base = model_path(console_settings)
    base.parent.mkdir(parents=True, exist_ok=True)
    base.write_bytes(b"the base model")
    base.with_suffix("").with_suffix(".fingerprint").write_text("f" * 64)
    registry = ModelRegistry(redis_client, console_settings)
    publisher = Publisher(redis_client, console_settings, registry, train=stand_in.train, evaluate=stand_in.evaluate)
    async with start_console(publisher=publisher) as running:
        yield running


async def finished(client, headers) -> dict:
    for _ in range(200):
        body = await (await client.get("/api/publish", headers=headers)).json()
        if not body["running"] and body["job"]["state"] != "running":
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the publish did not finish")


async def test_agents_may_not_publish_editors_may_not_roll_back(publish_client):
    agent = bearer(await login(publish_client, "alice"))
    editor = bearer(await login(publish_client, "ed"))
    assert (await publish_client.post("/api/publish", headers=agent)).status == 403
    assert (await publish_client.get("/api/models/audit", headers=agent)).status == 403
    assert (await publish_client.post("/api/models/rollback", headers=editor)).status == 403
    assert (await publish_client.post("/api/publish/override", headers=editor, json={"note": "x"})).status == 403


async def test_publish_shows_progress_refuses_a_second_one_then_goes_live(publish_client, stand_in):
    editor = bearer(await login(publish_client, "ed"))
    started = await publish_client.post("/api/publish", headers=editor)
    assert started.status == 202
    model_id = (await started.json())["id"]
    again = await publish_client.post("/api/publish", headers=editor)
    assert again.status == 409 and "already running" in (await again.json())["error"]
    progress = await (await publish_client.get("/api/publish", headers=editor)).json()
    assert progress["running"] and progress["job"]["phase"] == "training" and progress["job"]["id"] == model_id
    stand_in.release.set()
    done = await finished(publish_client, editor)
    assert done["job"]["state"] == "live" and done["live"] == model_id
    assert done["job"]["live_scores"] == done["job"]["candidate_scores"]
    audit = await (await publish_client.get("/api/models/audit", headers=editor)).json()
    assert [(e["action"], e["who"], e["model"]) for e in audit["entries"]] == [("publish", "ed", model_id)]


async def test_a_refused_model_goes_live_only_by_a_supervisors_override_with_a_note(publish_client, stand_in):
    stand_in.candidate, stand_in.release = WORSE, threading.Event()
    stand_in.release.set()
    editor = bearer(await login(publish_client, "ed"))
    boss = bearer(await login(publish_client, "boss"))
    await publish_client.post("/api/publish", headers=editor)
    done = await finished(publish_client, editor)
    assert done["job"]["state"] == "refused" and done["live"] == BASE_ID
    assert "intent accuracy (zh) down 10.0 points" in done["job"]["problems"][0]
    no_note = await publish_client.post("/api/publish/override", headers=boss, json={})
    assert no_note.status == 400 and "note" in (await no_note.json())["error"]
    bad = await publish_client.post("/api/publish/override", headers=boss, json={"note": 5})
    assert bad.status == 400
    overridden = await publish_client.post("/api/publish/override", headers=boss, json={"note": "zh set relabelled"})
    assert overridden.status == 200 and (await overridden.json())["live"] == done["job"]["id"]


async def test_rollback_in_one_step_and_a_clear_409_when_there_is_nothing_to_roll_back(publish_client, stand_in):
    boss = bearer(await login(publish_client, "boss"))
    nothing = await publish_client.post("/api/models/rollback", headers=boss)
    assert nothing.status == 409 and "no previous model" in (await nothing.json())["error"]
    stand_in.release.set()
    await publish_client.post("/api/publish", headers=boss)
    published = (await finished(publish_client, boss))["live"]
    rolled = await publish_client.post("/api/models/rollback", headers=boss, json={"note": "wrong answers"})
    assert rolled.status == 200
    assert (await rolled.json())["model"] == BASE_ID and (await rolled.json())["previous"] == published
    status = await (await publish_client.get("/api/publish", headers=boss)).json()
    assert (status["live"], status["previous"]) == (BASE_ID, published)


async def test_the_model_server_sends_the_live_model_with_its_etag_and_304_when_unchanged(
        publish_client, console_settings, stand_in):
    token = console_settings.resolved_rasa_api_token().reveal()
    rasa = {"Authorization": f"Bearer {token}"}
    assert (await publish_client.get("/models/current")).status == 401
    assert (await publish_client.get("/models/current", headers={"Authorization": "Bearer nope"})).status == 401
    first = await publish_client.get("/models/current", headers=rasa)
    assert first.status == 200 and await first.read() == b"the base model"
    etag = first.headers["ETag"]
    assert etag == "base-" + "f" * 16
    same = await publish_client.get("/models/current", headers={**rasa, "If-None-Match": etag})
    assert same.status == 304
    stand_in.release.set()
    boss = bearer(await login(publish_client, "boss"))
    await publish_client.post("/api/publish", headers=boss)
    model_id = (await finished(publish_client, boss))["live"]
    changed = await publish_client.get("/models/current", params={"token": token}, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] == model_id
    assert await changed.read() == f"model {model_id}".encode()
