"""The inbox in the console: grouped misunderstood messages, annotated into a temporary copy of data/."""
import shutil
import time
from dataclasses import replace

import pytest

from bot.handoff.store import Turn
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.inbox import Inbox
from bot.settings import PROJECT_ROOT
from tests.console.conftest import PASSWORD, bearer, login, open_handoff

NEW_ENTRY = {
    "id": "gift_wrap",
    "zh_questions": ["可以礼品包装吗", "能不能包成礼物", "有礼品包装服务吗", "送人的话能包装一下吗",
                     "礼品包装怎么选", "包装成礼物要钱吗", "可以帮忙包装礼盒吗", "下单能选礼品包装吗"],
    "en_questions": ["can you gift wrap my order", "do you offer gift wrapping", "is gift wrap available",
                     "can I get it wrapped as a present", "how do I choose gift wrap", "does gift wrapping cost extra",
                     "can the order come in a gift box", "gift wrap option at checkout"],
    "zh_conclusion": "可以,下单时选择礼品包装即可。",
    "en_conclusion": "Yes, choose gift wrapping when you order.",
    "zh_reasoning": "礼品包装在结算页提供,由仓库在发货前完成。",
    "en_reasoning": "Gift wrapping is offered at checkout and done by the warehouse before shipping.",
    "zh_steps": ["在结算页勾选【礼品包装】", "提交订单"],
    "en_steps": ["Tick Gift wrap at checkout", "Place the order"],
}


@pytest.fixture
def project(tmp_path):
    """A copy of the project's data/ and domain.yml: the tests write here, never into data/."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    shutil.copy2(PROJECT_ROOT / "domain.yml", root / "domain.yml")
    return root


@pytest.fixture
async def inbox_client(start_console, console_settings, user_store, project):
    user_store.add("ed", PASSWORD, "editor", "编辑小李")
    async with start_console(replace(console_settings, project_root=project)) as running:
        yield running


async def test_agents_may_not_see_the_inbox_editors_and_supervisors_may(inbox_client):
    for name, status in (("alice", 403), ("ed", 200), ("boss", 200)):
        response = await inbox_client.get("/api/inbox", headers=bearer(await login(inbox_client, name)))
        assert response.status == status, name
    assert (await inbox_client.get("/api/inbox")).status == 401


async def test_similar_messages_come_as_one_group_with_counts_and_conversations(inbox_client, redis_client):
    inbox = Inbox(redis_client)
    inbox.record("c1", "怎么改密码", "fallback")
    inbox.record("c2", "密码怎么修改", "not_solved")
    inbox.record("c3", "退款多久到账,电话13812345678", "low_confidence", "faq", 0.3)
    token = await login(inbox_client, "ed")
    body = await (await inbox_client.get("/api/inbox", headers=bearer(token))).json()
    assert body["items"] == 3
    first, second = body["groups"]
    assert first["count"] == 2 and first["kinds"] == {"fallback": 1, "not_solved": 1}
    assert first["conversations"] == ["c1", "c2"]
    assert second["count"] == 1 and "138****5678" in second["text"]


async def test_assigning_to_an_intent_writes_one_line_and_marks_the_item(inbox_client, redis_client, project):
    inbox = Inbox(redis_client)
    item_id = inbox.record("c1", "哈喽客服在线吗", "fallback")
    other = inbox.record("c2", "哈喽客服在线不", "fallback")
    before = (project / "data" / "nlu" / "chitchat.yml").read_text(encoding="utf-8").splitlines()
    token = await login(inbox_client, "ed")
    response = await inbox_client.post(f"/api/inbox/{item_id}/annotate", headers=bearer(token),
                                       json={"action": "intent", "intent": "greet", "text": "哈喽客服在线吗", "also": [other]})
    assert response.status == 200, await response.text()
    change = await response.json()
    after = (project / "data" / "nlu" / "chitchat.yml").read_text(encoding="utf-8").splitlines()
    assert change["path"] == "data/nlu/chitchat.yml" and after[change["line"] - 1].strip() == "- 哈喽客服在线吗"
    assert after[:change["line"] - 1] + after[change["line"]:] == before  # only that line is new
    handled = {i.item_id: i for i in inbox.recent(include_handled=True)}
    assert handled[item_id].handled_by == "ed" and handled[item_id].handled_as == "intent:greet"
    assert handled[other].handled_at is not None
    assert (await (await inbox_client.get("/api/inbox", headers=bearer(token))).json())["items"] == 0


async def test_an_unknown_intent_or_a_bad_entry_changes_nothing(inbox_client, redis_client, project):
    item_id = Inbox(redis_client).record("c1", "这是什么", "fallback")
    snapshot = {p: p.read_text(encoding="utf-8") for p in (project / "data").rglob("*.yml")}
    token = await login(inbox_client, "ed")
    unknown = await inbox_client.post(f"/api/inbox/{item_id}/annotate", headers=bearer(token),
                                      json={"action": "intent", "intent": "no_such_intent", "text": "这是什么"})
    assert unknown.status == 422 and "no intent 'no_such_intent'" in (await unknown.json())["error"]
    broken = await inbox_client.post(f"/api/inbox/{item_id}/annotate", headers=bearer(token),
                                     json={"action": "intent", "intent": "greet", "text": "第一行\n- 第二行: [x"})
    assert broken.status == 422 and "one line" in (await broken.json())["error"]
    too_few = {**NEW_ENTRY, "zh_questions": ["可以礼品包装吗"]}
    refused = await inbox_client.post(f"/api/inbox/{item_id}/annotate", headers=bearer(token),
                                      json={"action": "new_faq", "entry": too_few})
    problems = (await refused.json())["problems"]
    assert refused.status == 422 and problems[0]["where"].startswith("data/faq/inbox.yml:")
    assert "at least 8" in problems[0]["message"]
    assert {p: p.read_text(encoding="utf-8") for p in (project / "data").rglob("*.yml")} == snapshot
    assert Inbox(redis_client).get(item_id).handled_at is None


async def test_a_new_entry_prefilled_from_the_agents_reply_is_written_and_reads_back(
        inbox_client, redis_client, handoffs, project):
    record = open_handoff(handoffs, "c9", reason="repeated_fallback", transcript=[
        Turn("user", "礼物能包起来吗", time.time() - 60),
        Turn("agent", "可以的,结算时选礼品包装,客服电话13812345678", time.time() - 30, agent="alice"),
    ])
    item_id = Inbox(redis_client).record("c9", "礼物能包起来吗", "handoff", handoff_id=record.handoff_id)
    token = await login(inbox_client, "boss")
    detail = await (await inbox_client.get(f"/api/inbox/{item_id}", headers=bearer(token))).json()
    assert detail["prefill"] == "可以的,结算时选礼品包装,客服电话138****5678"
    entry = {**NEW_ENTRY, "zh_conclusion": 'He said: "yes" # 可以: 选礼品包装'}  # quotes, colon and '#' are data
    response = await inbox_client.post(f"/api/inbox/{item_id}/annotate", headers=bearer(token),
                                       json={"action": "new_faq", "entry": entry})
    assert response.status == 200, await response.text()
    faq = KnowledgeBase.load(project / "data" / "faq").get("gift_wrap")
    assert faq is not None and faq.answer("zh").conclusion == 'He said: "yes" # 可以: 选礼品包装'
    targets = await (await inbox_client.get("/api/inbox/targets", headers=bearer(token))).json()
    assert "greet" in targets["intents"] and "gift_wrap" in [f["id"] for f in targets["faqs"]]


async def test_a_question_added_to_an_faq_entry(inbox_client, redis_client, project):
    item_id = Inbox(redis_client).record("c1", "密码咋整成新的", "low_confidence", "faq", 0.4)
    token = await login(inbox_client, "ed")
    response = await inbox_client.post(f"/api/inbox/{item_id}/annotate", headers=bearer(token), json={
        "action": "faq_question", "faq_id": "change_password", "language": "zh", "text": "密码咋整成新的"})
    assert response.status == 200, await response.text()
    assert "密码咋整成新的" in KnowledgeBase.load(project / "data" / "faq").get("change_password").questions["zh"]
    missing = await inbox_client.post(f"/api/inbox/{item_id}/annotate", headers=bearer(token), json={
        "action": "faq_question", "faq_id": "no_such_faq", "language": "zh", "text": "x"})
    assert missing.status == 422
    assert (await inbox_client.get("/api/inbox/not-an-id", headers=bearer(token))).status == 404
