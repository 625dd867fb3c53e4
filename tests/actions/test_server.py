"""The action server's HTTP API on a real Sanic server: rasa_sdk's routes, our actions, a health check."""
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sanic import Sanic

from actions.registry import build_actions
from actions.server import create_app
from bot.wiring import Wiring
from tests.conftest import serving

Sanic.test_mode = True


@pytest.fixture
async def base(settings, redis_client) -> AsyncIterator[str]:
    app = create_app(build_actions(Wiring(settings, redis_client)), redis_client=redis_client)
    async with serving(app) as port:
        yield f"http://127.0.0.1:{port}"


def tracker(sender: str = "u1") -> dict:
    return {"sender_id": sender, "slots": {"language": "zh"}, "latest_message": {}, "events": [], "paused": False,
            "followup_action": None, "active_loop": {}, "latest_action_name": None}


async def test_health_lists_and_runs_actions(base):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/health") as health:
            assert health.status == 200
        async with session.get(f"{base}/actions") as listed:
            assert {"name": "action_answer_faq"} in await listed.json()
        call = {"next_action": "action_handback", "sender_id": "u1", "version": "3.6.2", "domain": {}, "tracker": tracker()}
        async with session.post(f"{base}/webhook", json=call) as ran:
            assert ran.status == 200
            assert (await ran.json())["responses"][0]["response"] == "utter_handback"


@pytest.mark.parametrize("body", [b"", b"{", b"[1]", b"null"])
async def test_a_bad_body_is_400_not_500(base, body):
    async with aiohttp.ClientSession() as session, session.post(
        f"{base}/webhook", data=body, headers={"content-type": "application/json"}
    ) as answered:
        assert answered.status == 400


async def test_an_unknown_action_is_404(base):
    call = {"next_action": "action_nope", "sender_id": "u1", "version": "3.6.2", "domain": {}, "tracker": tracker()}
    async with aiohttp.ClientSession() as session, session.post(f"{base}/webhook", json=call) as answered:
        assert answered.status == 404


async def test_healthz_says_degraded_when_redis_is_down(base, embedded_redis):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/healthz") as up:
            assert up.status == 200 and await up.json() == {"status": "ok", "redis": True}
        embedded_redis.stop()
        async with session.get(f"{base}/healthz") as down:
            assert down.status == 200 and await down.json() == {"status": "degraded", "redis": False}
