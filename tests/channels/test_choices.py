"""A typed number and the choices the bot offered: the rule, the Redis store, and the pipeline using them.

The pipeline runs on real Redis with Rasa's own response generator and an in-memory tracker
store over the project's domain.yml; the bot's turn itself is a stand-in that offers buttons.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.outbox import OutboxMessage
from channels.choices import (
    CHOICES_TTL_SECONDS,
    Choice,
    OfferedChoices,
    bare_number,
    numbered_choices,
)
from channels.handback import hand_back
from channels.pipeline import Pipeline
from tests.channels.conftest import DOMAIN, domain_text, project_domain

ASK_RESOLVED = {"text": "您的问题是否已解决?还有其他需求吗?", "buttons": [
    {"title": "已解决", "payload": "/affirm"}, {"title": "没解决", "payload": "/deny"}]}
# Buttons a custom action makes: their payloads are in no domain.yml response.
REMEDIES = {"text": "请选择", "buttons": [{"title": "退款", "payload": '/inform{"remedy": "refund"}'},
                                         {"title": "换货", "payload": '/inform{"remedy": "exchange"}'}]}
RATING = {"text": "请您打分", "buttons": [{"title": f"{n} 分", "payload": str(n)} for n in (5, 4, 3, 2, 1)]}


def test_the_buttons_of_a_turn_are_numbered_in_order_across_its_messages():
    choices = numbered_choices([{"text": "答案"}, ASK_RESOLVED, {"quick_replies": [{"title": "转人工"}]}])
    assert choices == {"1": Choice("已解决", "/affirm"), "2": Choice("没解决", "/deny"), "3": Choice("转人工", "转人工")}


def test_buttons_that_are_numbers_already_are_not_numbered():
    assert numbered_choices([RATING]) == {}
    assert numbered_choices([{"text": "没有按钮"}]) == {}


@pytest.mark.parametrize("typed, number", [("2", "2"), ("２", "2"), (" 2. ", "2"), ("2、", "2"), ("12", "12")])
def test_a_bare_number_is_read_with_full_width_digits_and_a_trailing_dot(typed, number):
    assert bare_number(typed) == number


@pytest.mark.parametrize("typed", ["2个", "第2个", "DD2026110500123", "1234", "没解决", ""])
def test_anything_else_is_not_a_bare_number(typed):
    assert bare_number(typed) is None


def test_the_store_keeps_a_turns_choices_for_a_session_and_forgets_on_a_turn_without(redis_client):
    store = OfferedChoices(redis_client)
    store.remember("u1", numbered_choices([ASK_RESOLVED]))
    assert store.offered("u1") == {"1": Choice("已解决", "/affirm"), "2": Choice("没解决", "/deny")}
    assert 0 < redis_client.ttl(OfferedChoices.key("u1")) <= CHOICES_TTL_SECONDS
    store.remember("u1", {})
    assert store.offered("u1") == {} and redis_client.exists(OfferedChoices.key("u1")) == 0
    redis_client.set(OfferedChoices.key("u2"), "not json")
    assert store.offered("u2") == {}


def test_choices_outlive_the_question_as_long_as_a_rasa_session():
    session = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["session_config"]["session_expiration_time"]
    assert session * 60 <= CHOICES_TTL_SECONDS


@dataclass
class Agent:
    """What the pipeline reads of Rasa's agent: the domain, its response generator, the tracker store."""

    domain: Any
    nlg: Any
    tracker_store: Any


class OfferingBot:
    """Rasa's turn: "offer" gets the 是否已解决 buttons, "rate" the rating, anything else an echo."""

    def __init__(self) -> None:
        self.heard: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.heard.append(message)
        reply = {"offer": ASK_RESOLVED, "rate": RATING, "remedies": REMEDIES}.get(
            message.text or "", {"text": f"收到:{message.text}"})
        await message.output_channel.send_response(message.sender_id, dict(reply))

    def texts(self) -> list[str]:
        return [m.text or "" for m in self.heard]


@pytest.fixture
def agent() -> Agent:
    domain = project_domain()
    return Agent(domain, TemplatedNaturalLanguageGenerator(domain.responses), InMemoryTrackerStore(domain))


@pytest.fixture
def bot() -> OfferingBot:
    return OfferingBot()


@pytest.fixture
def pipeline(services, agent, bot) -> Pipeline:
    base = services.pipeline
    return Pipeline(base._gate, base._intake, bot, lambda: agent, base.choices)


async def say(pipeline: Pipeline, text: str, sender: str = "u1", channel: str = "rest") -> list[dict[str, Any]]:
    output = CollectingOutputChannel()
    await pipeline.handle(text, sender, channel, output)
    return output.messages


@pytest.mark.parametrize("channel", ["rest", "socketio", "telegram", "wechat"])
async def test_a_typed_number_sends_the_offered_choices_payload_once(pipeline, bot, channel):
    await say(pipeline, "offer", channel=channel)
    assert (await say(pipeline, "2", channel=channel))[0]["text"] == "收到:/deny"
    await say(pipeline, "2", channel=channel)  # the answer to /deny offered nothing: "2" is words again
    assert bot.texts() == ["offer", "/deny", "2"]


async def test_a_choice_made_by_a_custom_action_is_sent_as_the_bot_offered_it(pipeline, bot):
    await say(pipeline, "remedies")
    await say(pipeline, "２")
    await say(pipeline, '/inform{"remedy": "refund"}')  # typed, the same text is only words
    assert bot.texts() == ["remedies", '/inform{"remedy": "exchange"}', 'inform{"remedy": "refund"}']


async def test_a_number_that_is_no_choice_gets_a_request_for_words_in_the_conversations_language(pipeline, bot, agent):
    await say(pipeline, "offer")
    [reply] = await say(pipeline, "3")
    assert reply["text"] == domain_text("utter_ask_in_words", "zh").replace("{options}", "已解决 / 没解决")
    assert bot.texts() == ["offer"]  # not guessed: the bot never heard it
    assert (await say(pipeline, "1"))[0]["text"] == "收到:/affirm"  # the choices still stand

    english = DialogueStateTracker.from_events("u5", [SlotSet("language", "en")], agent.domain.slots)
    await agent.tracker_store.save(english)
    await say(pipeline, "offer", sender="u5")
    [reply] = await say(pipeline, "7", sender="u5")
    assert reply["text"].startswith("Sorry, I can't tell what a number on its own means")
    assert reply["text"].endswith("已解决 / 没解决")


async def test_numbers_are_words_where_the_buttons_are_numbers_or_nothing_was_offered(pipeline, bot):
    await say(pipeline, "rate")
    await say(pipeline, "4")
    await say(pipeline, "2", sender="u9")
    assert bot.texts() == ["rate", "4", "2"]


async def test_typed_intent_syntax_is_still_words_and_channel_payloads_still_trusted(pipeline, bot):
    await say(pipeline, "offer")
    await say(pipeline, "/affirm{\"language\": \"en\"}")
    await pipeline.to_bot(UserMessage("/greet", CollectingOutputChannel(), "u1", input_channel="rest"), trusted=True)
    assert bot.texts()[1:] == ['affirm{"language": "en"}', "/greet"]


class HandingBackAgent:
    """Rasa's agent on ``/handoff_resolved``: welcomes the user back and offers ``offer``."""

    def __init__(self, offer: dict[str, Any]) -> None:
        self.offer = offer

    async def handle_message(self, message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "人工客服已为您处理完毕"})
        await message.output_channel.send_response(message.sender_id, dict(self.offer))


async def test_a_hand_back_replaces_the_choices_offered_before_the_handoff(redis_client):
    store = OfferedChoices(redis_client)
    store.remember("u7", numbered_choices([ASK_RESOLVED]))
    collector = CollectingOutputChannel()
    await hand_back(HandingBackAgent(RATING), OutboxMessage("rest", "u7", kind="handback"), collector, "rest", store)
    assert store.offered("u7") == {}  # "2" now means a rating of 2, not 没解决
    assert [m.get("text") for m in collector.messages] == ["人工客服已为您处理完毕", "请您打分"]
    await hand_back(HandingBackAgent(ASK_RESOLVED), OutboxMessage("rest", "u7", kind="handback"), collector, "rest", store)
    assert store.offered("u7")["2"] == Choice("没解决", "/deny")
