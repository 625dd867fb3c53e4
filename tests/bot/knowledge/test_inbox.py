"""The inbox store: masked, capped, kept for a while; what counts as misunderstood; grouping by meaning."""
import datetime as dt

from bot.knowledge import inbox as inbox_module
from bot.knowledge.inbox import ITEMS, Inbox, item_key, last_request, misunderstanding, previous_bot_action
from bot.knowledge.inbox_groups import InboxGrouper
from bot.nlu.embeddings import SentenceEncoder


def test_items_are_masked_kept_newest_first_and_capped(redis_client, monkeypatch):
    monkeypatch.setattr(inbox_module, "MAX_ITEMS", 3)
    times = iter(dt.datetime(2026, 11, 29, 10, minute, tzinfo=dt.timezone.utc) for minute in range(10))
    inbox = Inbox(redis_client, clock=lambda: next(times))
    ids = [inbox.record("c1", f"第{n}个 身份证110101199003071234", "fallback") for n in range(5)]
    assert inbox.record("c1", "   ", "fallback") is None and inbox.record("c1", "x", "no_such_kind") is None
    kept = inbox.recent()
    assert [i.item_id for i in kept] == ids[:1:-1]  # the three newest
    assert all("110101199003071234" not in i.text for i in kept)
    assert redis_client.ttl(item_key(ids[-1])) > 80 * 86400
    inbox.mark_handled([ids[-1]], "ed", "intent:greet")
    assert [i.item_id for i in inbox.recent()] == ids[3:1:-1]
    assert inbox.recent(include_handled=True)[0].handled_by == "ed"
    assert redis_client.zcard(ITEMS) == 3


def test_what_counts_as_misunderstood():
    faq = {"name": "faq", "confidence": 0.9}
    assert misunderstanding({"intent": {"name": "nlu_fallback", "confidence": 0.2}}, None) == ("fallback", 0.2)
    assert misunderstanding({"intent": {"name": "deny"}}, "utter_ask_resolved") == ("not_solved", None)
    assert misunderstanding({"intent": {"name": "deny"}}, "utter_ask_handoff") is None
    weak = {"intent": faq, "response_selector": {"faq": {"response": {"confidence": 0.3}}}}
    strong = {"intent": faq, "response_selector": {"faq": {"response": {"confidence": 0.8}}}}
    assert misunderstanding(weak, None) == ("low_confidence", 0.3)
    assert misunderstanding(strong, None) is None


def test_the_request_before_a_no_and_the_action_before_the_message():
    events = [{"event": "user", "text": "发票怎么开", "parse_data": {"intent": {"name": "faq"}}},
              {"event": "action", "name": "action_answer_faq"}, {"event": "action", "name": "utter_ask_resolved"},
              {"event": "action", "name": "action_listen"},
              {"event": "user", "text": "没有", "parse_data": {"intent": {"name": "deny"}}}]
    assert last_request(events, skip_latest=True) == ("发票怎么开", "faq")
    assert previous_bot_action(events) == "utter_ask_resolved"
    assert previous_bot_action(events[-1:]) is None


def test_paraphrases_group_together_and_vectors_are_encoded_once(redis_client):
    inbox = Inbox(redis_client)
    for conversation, text in (("a", "怎么改密码"), ("b", "退款多久到账"), ("c", "密码怎么修改"), ("d", "优惠券怎么用")):
        inbox.record(conversation, text, "fallback")
    encoder, calls = SentenceEncoder(), []

    def encode(texts):
        calls.append(list(texts))
        return encoder.encode(texts)

    grouper = InboxGrouper(encode)
    groups = grouper.group(inbox.recent())
    assert sorted(i.text for i in groups[0].items) == ["密码怎么修改", "怎么改密码"]
    assert sorted(len(g.items) for g in groups) == [1, 1, 2]
    inbox.record("e", "密码如何更改", "not_solved")
    groups = grouper.group(inbox.recent())
    assert calls[-1] == ["密码如何更改"]  # only the new message is encoded
    assert groups[0].as_dict()["count"] == 3 and groups[0].as_dict()["conversations"] == ["a", "c", "e"]
