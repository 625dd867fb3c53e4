"""Parsing in batches gives what Rasa's one-message parse gives, on the trained model; the publish gate's
scoring loads it once and scores both languages and the triage set."""
import asyncio

import pytest

from bot.knowledge import nlu_eval
from bot.knowledge.batch_parse import parse_all
from bot.knowledge.publish import evaluate_model
from bot.knowledge.training import ensure_model
from bot.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model():
    return ensure_model(Settings.from_env({}))


def reading(parsed: dict) -> tuple:
    selector = (parsed.get("response_selector") or {}).get("faq") or {}
    return (parsed["text"], parsed["intent"]["name"], round(parsed["intent"]["confidence"], 5),
            [entry["name"] for entry in parsed.get("intent_ranking", [])][:3],
            (selector.get("response") or {}).get("intent_response_key"), parsed.get("emotion"),
            [(e["entity"], e["value"]) for e in parsed["entities"]])


def test_a_batch_parses_as_one_message_at_a_time(model):
    from rasa.core.agent import Agent

    texts = [text for path in nlu_eval.TEST_FILES.values() for text, _, _ in nlu_eval.load_examples(path)[:40]]
    texts += ["我的订单123456789012到哪了", "太过分了!!!第三次了", "hello"]
    agent = Agent.load(str(model))

    async def one_by_one() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    expected = asyncio.run(one_by_one())
    batched = parse_all(agent, texts, batch=16)  # batches of several sizes, the last one short
    assert len(batched) == len(texts)
    assert [reading(p) for p in batched] == [reading(p) for p in expected]
    assert len({p["intent"]["name"] for p in batched}) >= 5  # a real parse, not one answer for everything


def test_the_gate_scores_a_model_on_both_languages_and_the_triage_set(model):
    scores = evaluate_model(model)
    assert set(scores.intent_accuracy) == set(scores.complaint_recall) == {"zh", "en"}
    assert all(0.8 < value <= 1.0 for value in scores.intent_accuracy.values())  # a trained model, not chance
    assert 0.0 < scores.high_recall <= 1.0
