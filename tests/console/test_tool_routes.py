"""Suggestions, language rules and the reply check over HTTP."""
import pytest

from bot.datafiles.config_files import ConfigFileError
from bot.handoff.store import Turn
from bot.service.labels import Labels
from bot.wiring import Wiring
from tests.console.conftest import bearer, login, open_handoff


async def test_suggestions_for_a_query(client):
    token = await login(client, "alice")
    body = await (await client.get("/api/suggestions", params={"q": "密码怎么改", "lang": "zh"}, headers=bearer(token))).json()
    top = body["suggestions"][0]
    assert top["faq_id"] == "change_password" and top["text"].startswith(top["conclusion"])
    english = await (await client.get("/api/suggestions", params={"q": "change my password", "lang": "en", "limit": "1"},
                                      headers=bearer(token))).json()
    assert [s["faq_id"] for s in english["suggestions"]] == ["change_password"]


async def test_suggestions_for_a_handoff_use_the_users_last_messages(client, handoffs):
    opened = open_handoff(handoffs, "s", transcript=[Turn("user", "我想换个密码", 1.0)])
    token = await login(client, "alice")
    body = await (await client.get("/api/suggestions", params={"handoff_id": opened.handoff_id}, headers=bearer(token))).json()
    assert body["suggestions"][0]["faq_id"] == "change_password"


@pytest.mark.parametrize("params,status", [
    ({}, 400), ({"q": "x", "lang": "fr"}, 400), ({"q": "x", "limit": "many"}, 400), ({"q": "x", "limit": "99"}, 400),
    ({"handoff_id": "nope"}, 404), ({"handoff_id": "a:b"}, 404), ({"q": "\ud800 密码"}, 200),
])
async def test_bad_suggestion_queries(client, params, status):
    token = await login(client, "alice")
    response = await client.get("/api/suggestions", params=params, headers=bearer(token))
    assert response.status == status


async def test_language_rules_and_the_reply_check(client):
    token = await login(client, "alice")
    rules = await (await client.get("/api/language-rules", headers=bearer(token))).json()
    assert {"phrase": "我不知道", "instead": "我帮您查询一下"} in rules["forbidden_phrases"]
    assert rules["max_emoji_per_message"] == 2
    response = await client.post("/api/check-text", headers=bearer(token), json={"text": "我不知道呢😀😀😀"})
    warnings = (await response.json())["warnings"]
    assert [w["type"] for w in warnings] == ["forbidden_phrase", "too_many_emoji"]
    assert warnings[0]["instead"] == "我帮您查询一下" and warnings[1]["count"] == 3
    clean = await client.post("/api/check-text", headers=bearer(token), json={"text": "我帮您查询一下😀"})
    assert (await clean.json())["warnings"] == []
    assert (await client.post("/api/check-text", headers=bearer(token), data=b"{oops")).status == 400


async def test_the_labels_are_those_of_the_labels_file(client):
    assert (await client.get("/api/labels")).status == 401
    token = await login(client, "alice")
    response = await client.get("/api/labels", headers=bearer(token))
    assert response.status == 200
    body = await response.json()
    assert body == Labels.load().as_dict()  # the same file the weekly report reads
    assert body["reason"]["explicit_request"] == {"zh": "要求人工", "en": "Asked for a person"}
    assert body["tag"]["callback"] == {"zh": "人工回电", "en": "Call-back"}


async def test_a_broken_labels_file_is_a_503_not_a_console_that_does_not_start(start_console, monkeypatch):
    def unreadable(wiring):
        raise ConfigFileError("data/service/labels.yml:3", "category > inquiry needs 'en'")

    monkeypatch.setattr(Wiring, "labels", property(unreadable))
    async with start_console() as client:
        token = await login(client, "alice")
        response = await client.get("/api/labels", headers=bearer(token))
        assert response.status == 503 and "labels" in (await response.json())["error"]
