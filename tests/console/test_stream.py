"""The live stream: handoff events as Server-Sent Events, heartbeats, and the end of a session."""
import asyncio
import json

from bot.handoff.presence import ONLINE
from console.stream import format_event
from console.tokens import token_key
from tests.console.conftest import bearer, login, open_handoff


async def read_until(response, wanted, timeout=5.0):
    """Lines of the stream up to and including the first one that starts with ``wanted``."""
    lines = []

    async def read():
        while True:
            line = (await response.content.readline()).decode().rstrip("\n")
            lines.append(line)
            if line.startswith(wanted):
                return lines

    return await asyncio.wait_for(read(), timeout)


async def test_a_new_handoff_reaches_the_stream(client, handoffs):
    token = await login(client, "alice")
    response = await client.get("/api/stream", params={"token": token})
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/event-stream")
    await read_until(response, ": connected")
    opened = await asyncio.to_thread(open_handoff, handoffs, "live", priority="high")
    lines = await read_until(response, "data: ")
    assert "event: handoff_opened" in lines
    data = json.loads(lines[-1][len("data: "):])
    assert data["handoff_id"] == opened.handoff_id and data["priority"] == "high"
    assert any(line.startswith("id: ") for line in lines)
    response.close()


async def test_the_bearer_header_works_too_and_last_event_id_resumes(client, handoffs, redis_client):
    first = open_handoff(handoffs, "one")
    first_id = redis_client.xrange("cs:events")[-1][0]
    second = open_handoff(handoffs, "two")
    token = await login(client, "alice")
    response = await client.get("/api/stream", headers={**bearer(token), "Last-Event-ID": first_id})
    lines = await read_until(response, "data: ")
    assert json.loads(lines[-1][6:])["handoff_id"] == second.handoff_id != first.handoff_id
    response.close()


async def test_heartbeats_keep_the_agent_online(start_console, redis_client):
    async with start_console(heartbeat_seconds=0.2) as client:
        token = await login(client, "bob")
        redis_client.zrem(ONLINE, "bob")
        response = await client.get("/api/stream", params={"token": token})
        await read_until(response, ": heartbeat")
        assert redis_client.zscore(ONLINE, "bob") is not None
        response.close()


async def test_an_expired_session_ends_the_stream(start_console, redis_client):
    async with start_console(heartbeat_seconds=0.2) as client:
        token = await login(client, "bob")
        response = await client.get("/api/stream", params={"token": token})
        await read_until(response, ": connected")
        redis_client.delete(token_key(token))
        lines = await read_until(response, "event: unauthorized")
        assert lines[-1] == "event: unauthorized"
        assert await asyncio.wait_for(response.content.read(), 5) == b"data: {}\n\n"


async def test_stopping_the_console_ends_open_streams(start_console):
    async with start_console() as client:
        token = await login(client, "bob")
        response = await client.get("/api/stream", params={"token": token})
        await read_until(response, ": connected")
    # leaving the block stopped the server with the stream open; it must not hang


def test_event_names_cannot_break_the_sse_framing():
    raw = format_event("1-0", {"type": "x\nevent: evil", "handoff_id": "h\n1"}).decode()
    assert raw.count("\n\n") == 1 and "event: xeventevil\n" in raw
