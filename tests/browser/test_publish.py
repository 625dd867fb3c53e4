"""The publish panel of the inbox tab: scores side by side, a refused model overridden with a note,
then rolled back. Only Redis and the console run; the refused publish is put in Redis as the
publisher leaves it (training and scoring are tested in tests/bot/knowledge/test_publish.py)."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import redis
from playwright.sync_api import expect

from bot.knowledge.models import BASE_ID, ModelRegistry
from bot.knowledge.publish import JOB
from bot.knowledge.training import model_path
from bot.settings import Settings
from console.users import UserStore
from tests.browser.pages import console_errors, log_in_to_console, running_console

pytestmark = pytest.mark.slow

PASSWORD = "password-123"
LIVE = {"intent_accuracy": {"zh": 0.95, "en": 0.93}, "complaint_recall": {"zh": 0.94, "en": 0.92}, "high_recall": 0.97}
WORSE = {"intent_accuracy": {"zh": 0.90, "en": 0.93}, "complaint_recall": {"zh": 0.94, "en": 0.92}, "high_recall": 0.97}


@pytest.fixture
def console(settings: Settings, embedded_redis) -> Iterator[tuple[Settings, redis.Redis]]:
    client = redis.Redis.from_url(embedded_redis.url, decode_responses=True)
    UserStore(client, cost=2 ** 8).add("boss", PASSWORD, "supervisor", "主管")
    try:
        with running_console(settings, embedded_redis.url):
            yield settings, client
    finally:
        client.close()


def test_a_supervisor_sees_why_a_model_was_refused_publishes_it_with_a_note_and_rolls_back(console, new_context):
    settings, client = console
    registry = ModelRegistry(client, settings)
    model_path(settings).parent.mkdir(parents=True, exist_ok=True)
    model_path(settings).write_bytes(b"base")
    registry.candidates_dir.mkdir(parents=True)
    registry.path_of("m-2").write_bytes(b"candidate")
    client.hset(JOB, mapping={
        "id": "m-2", "state": "refused", "phase": "done", "started_by": "ed", "started_at": "1", "finished_at": "2",
        "live_model": BASE_ID, "live_scores": json.dumps(LIVE), "candidate_scores": json.dumps(WORSE),
        "problems": json.dumps(["intent accuracy (zh) down 5.0 points: 0.950 → 0.900"]),
    })

    page = log_in_to_console(new_context, settings.console_port, "boss", PASSWORD)
    page.locator("#tab-inbox").click()
    expect(page.locator("[data-testid=publish-state]")).to_contain_text("m-2")
    expect(page.locator("[data-testid=publish-state]")).to_contain_text("Refused")
    expect(page.locator("[data-testid=publish-scores]")).to_contain_text("0.950")
    expect(page.locator("[data-testid=publish-scores]")).to_contain_text("0.900")
    expect(page.locator("[data-testid=publish-problems]")).to_contain_text("intent accuracy (zh) down")

    page.locator("#publish-override").click()  # no note: refused, nothing changes
    expect(page.locator("#message-bar")).to_contain_text("note")
    assert registry.live_id() == BASE_ID
    page.locator("#publish-note").fill("zh test set being relabelled")
    page.locator("#publish-override").click()
    expect(page.locator("[data-testid=publish-state]")).to_contain_text("Live model: m-2")
    assert registry.live_id() == "m-2"

    page.locator("#publish-rollback").click()
    expect(page.locator("[data-testid=publish-state]")).to_contain_text(f"Live model: {BASE_ID}")
    assert [(e.action, e.who) for e in registry.audit()] == [("rollback", "boss"), ("override", "boss")]
    assert registry.audit()[1].note == "zh test set being relabelled"
    assert [error for error in console_errors(page) if "note" not in error] == []  # only the refused override
