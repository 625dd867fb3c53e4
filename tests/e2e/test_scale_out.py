"""Two Rasa servers and two action servers on one Redis behave as one assistant."""
from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
import redis
import socketio

from bot.handoff.outbox import Outbox, OutboxMessage
from bot.handoff.presence import AgentPresence
from bot.handoff.store import HandoffStore
from bot.ops.credentials import write_credentials
from bot.ops.stack import Service, build_services, service_environment
from bot.settings import Settings
from tests.conftest import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def two_instances(settings, trained_model, embedded_redis, monkeypatch) -> Iterator[list[Settings]]:
    """Rasa server A with action server A, and B with B, all on the test's one Redis."""
    monkeypatch.setenv("SERVICE_HOURS", "00:00-24:00")
    instances = [replace(settings, rasa_port=free_port(), actions_port=free_port()) for _ in range(2)]
    token = settings.resolved_rasa_api_token().reveal()
    credentials = write_credentials(settings)
    started: list[Service] = []
    stop = threading.Event()
    try:
        for instance in instances:
            env = service_environment(instance, embedded_redis.url)
            for service in build_services(instance, token, trained_model, credentials)[:2]:  # actions, Rasa
                service.log_path = service.log_path.with_name(f"{instance.rasa_port}-{service.log_path.name}")
                service.start(env, instance.project_root)
                started.append(service)
        for service in started:
            service.wait_healthy(timeout=180, stop_event=stop)
        yield instances
    finally:
        for service in reversed(started):
            service.stop()


def say(instance: Settings, sender: str, message: str) -> list[str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{instance.rasa_port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return [reply.get("text", "") for reply in json.loads(response.read())]


def test_a_conversation_alternating_between_servers_keeps_its_state_and_order(two_instances):
    a, b = two_instances
    messages = [(a, "快递一周了还没到"), (b, "对"), (a, "DD2026110500123")]
    replies = [say(instance, "alternating", text) for instance, text in messages]
    assert "对吗" in replies[0][-1]                      # restated on A
    assert "订单号" in replies[1][-1]                    # the form started on B after A's question
    assert "1." in "\n".join(replies[2]) or len(replies[2]) > 1   # remedies offered on A, form state intact
    token = a.resolved_rasa_api_token().reveal()
    url = f"http://127.0.0.1:{b.rasa_port}/conversations/alternating/tracker?token={token}"
    events = json.loads(urllib.request.urlopen(url, timeout=30).read())["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [text for _, text in messages]
    assert any(e["event"] == "slot" and e["name"] == "order_number" and e["value"] == "DD2026110500123" for e in events)


async def _agent_reply_reaches_socket_on_b(a: Settings, b: Settings, redis_url: str) -> dict:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    AgentPresence(client).touch("alice")
    session_id = uuid.uuid4().hex
    received: asyncio.Queue = asyncio.Queue()

    async def connect(instance: Settings) -> socketio.AsyncClient:
        user = socketio.AsyncClient(reconnection=False)
        confirmed = asyncio.Event()
        user.on("session_confirm", lambda _sid: confirmed.set())
        user.on("bot_uttered", lambda message: received.put_nowait((instance.rasa_port, message)))
        # Long-polling: the websocket transport of this python-engineio needs a newer aiohttp than Rasa allows.
        await user.connect(f"http://127.0.0.1:{instance.rasa_port}", transports=["polling"], socketio_path="/socket.io")
        await user.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 10)
        return user

    on_a = await connect(a)
    await on_a.emit("user_uttered", {"message": "转人工", "session_id": session_id})
    port, queued = await asyncio.wait_for(received.get(), 60)
    assert port == a.rasa_port and "您目前排在第" in queued["text"]
    await on_a.disconnect()

    on_b = await connect(b)  # the user comes back through the other server
    store = HandoffStore(client)
    handoff_id = store.active_handoff(session_id)
    assert store.get(handoff_id).channel == "socketio"
    store.claim(handoff_id, "alice")
    Outbox(client).publish(OutboxMessage(channel="socketio", conversation_id=session_id, text="您好,我是alice", agent="alice", handoff_id=handoff_id))
    while True:
        port, message = await asyncio.wait_for(received.get(), 30)
        if (message.get("metadata") or {}).get("from") == "agent":
            break
    await on_b.disconnect()
    return {"port": port, "message": message}


def test_a_handoff_opened_on_one_server_reaches_the_user_on_the_other(two_instances, embedded_redis):
    a, b = two_instances
    result = asyncio.run(_agent_reply_reaches_socket_on_b(a, b, embedded_redis.url))
    assert result["port"] == b.rasa_port
    assert result["message"]["text"] == "您好,我是alice"
    assert result["message"]["metadata"]["agent"] == "alice"
