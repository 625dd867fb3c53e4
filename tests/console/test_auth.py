"""Login, logout and the bearer-token wall in front of every /api/ route."""
import asyncio

import pytest

from bot.handoff.presence import ONLINE
from console.app import create_app
from console.tokens import token_key
from tests.console.conftest import ADMIN_PASSWORD, PASSWORD, bearer, login


def api_routes(app):
    """(method, path) of every /api/ route but login, path parameters filled in."""
    routes = []
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter") or ""
        if not path.startswith("/api/") or path == "/api/login":
            continue
        for route in resource:
            if route.method != "HEAD":
                routes.append((route.method, path.replace("{id}", "h1")))
    return routes


async def test_login_returns_a_token_and_the_role(client):
    response = await client.post("/api/login", json={"username": "Alice", "password": PASSWORD})
    assert response.status == 200
    body = await response.json()
    assert body["username"] == "alice" and body["role"] == "agent" and body["display_name"] == "客服小王"
    assert len(body["token"]) >= 40 and body["expires_in"] == 8 * 3600
    me = await client.get("/api/me", headers=bearer(body["token"]))
    assert (await me.json())["username"] == "alice"


@pytest.mark.parametrize("body", [
    {"username": "alice", "password": "wrong-password"},
    {"username": "nobody", "password": PASSWORD},
    {"username": "../../etc", "password": PASSWORD},
])
async def test_a_bad_login_is_401_with_a_json_error(client, body):
    response = await client.post("/api/login", json=body)
    assert response.status == 401
    assert "error" in await response.json()


@pytest.mark.parametrize("raw", [b"", b"{", b"[1,2]", b'{"username": 1, "password": 2}', b'{"username": "alice"}'])
async def test_a_malformed_login_is_400(client, raw):
    response = await client.post("/api/login", data=raw, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "error" in await response.json()


async def test_the_admin_is_bootstrapped_from_the_configured_password(client):
    response = await client.post("/api/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status == 200 and (await response.json())["role"] == "supervisor"


async def test_many_failed_logins_lock_the_name_for_a_while(client, redis_client):
    for _ in range(10):
        assert (await client.post("/api/login", json={"username": "bob", "password": "nope-nope"})).status == 401
    locked = await client.post("/api/login", json={"username": "bob", "password": PASSWORD})
    assert locked.status == 429
    assert 0 < redis_client.ttl("cs:console:login_failures:bob") <= 900
    assert (await client.post("/api/login", json={"username": "alice", "password": PASSWORD})).status == 200


async def test_parallel_guesses_get_no_more_password_checks_than_the_limit(client):
    guesses = [client.post("/api/login", json={"username": "carol", "password": f"guess-{n}"}) for n in range(200)]
    statuses = sorted(response.status for response in await asyncio.gather(*guesses))
    # Each 401 is a password that was checked; every attempt past the limit is refused unchecked.
    assert statuses.count(401) == 10 and statuses.count(429) == 190


async def test_every_api_route_but_login_wants_a_live_token(client, redis_client):
    routes = api_routes(client.app)
    assert len(routes) >= 15
    token = await login(client, "alice")
    redis_client.pexpire(token_key(token), 1)
    await asyncio.sleep(0.05)
    forged = "A" * 43
    for method, path in routes:
        for headers in ({}, bearer(forged), bearer(token), {"Authorization": "Basic YWxpY2U6cHc="}):
            response = await client.request(method, path, headers=headers, json={})
            assert response.status == 401, (method, path, headers)
            assert "error" in await response.json()
    stream = await client.get("/api/stream", params={"token": token})
    assert stream.status == 401


async def test_unknown_api_paths_are_401_then_404_as_json(client):
    assert (await client.get("/api/nothing-here")).status == 401
    token = await login(client, "alice")
    response = await client.get("/api/nothing-here", headers=bearer(token))
    assert response.status == 404 and "error" in await response.json()
    wrong_method = await client.delete("/api/handoffs", headers=bearer(token))
    assert wrong_method.status == 405 and "error" in await wrong_method.json()


async def test_the_query_token_works_only_for_the_stream(client):
    token = await login(client, "alice")
    assert (await client.get("/api/me", params={"token": token})).status == 401


async def test_logout_ends_the_session_and_presence(client, redis_client):
    token = await login(client, "alice")
    assert (await client.get("/api/me", headers=bearer(token))).status == 200
    assert redis_client.zscore(ONLINE, "alice") is not None
    assert (await client.post("/api/logout", headers=bearer(token))).status == 200
    assert (await client.get("/api/me", headers=bearer(token))).status == 401
    assert redis_client.zscore(ONLINE, "alice") is None


async def test_a_removed_user_cannot_use_their_token(client, user_store):
    token = await login(client, "bob")
    user_store.remove("bob")
    assert (await client.get("/api/me", headers=bearer(token))).status == 401


async def test_tokens_are_shared_by_console_processes(start_console, client):
    token = await login(client, "alice")
    async with start_console() as other:
        assert (await other.get("/api/me", headers=bearer(token))).status == 200


async def test_supervisors_are_listed_for_transfers(client):
    token = await login(client, "alice")
    body = await (await client.get("/api/supervisors", headers=bearer(token))).json()
    assert [s["username"] for s in body["supervisors"]] == ["admin", "boss"]


def test_creating_the_app_does_no_io(console_settings):
    create_app(console_settings)  # Redis is touched only when it starts
