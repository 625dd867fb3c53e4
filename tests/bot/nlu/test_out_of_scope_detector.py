"""OutOfScopeDetector trained on real e5 sentence vectors, then FallbackClassifier after it."""
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.e5_featurizer import E5Featurizer
from bot.nlu.embeddings import SentenceEncoder
from bot.nlu.out_of_scope_detector import (
    PARSE_KEY,
    OutOfScopeDetector,
    is_out_of_scope,
    nearest,
    out_of_scope_ranking,
)

EXAMPLES = {
    "faq": ["怎么开发票", "发票在哪里申请", "how do I get an invoice", "can you issue an invoice",
            "忘记密码怎么办", "how do I reset my password"],
    "check_order_status": ["我的快递到哪了", "查一下物流", "where is my parcel", "has my order shipped"],
    "out_of_scope": ["滴滴打车怎么开发票", "how do I reset my gmail password", "股票明天会涨吗", "tell me a joke"],
}


@pytest.fixture(scope="module")
def context():
    return ExecutionContext(GraphSchema({}), "test-model")


@pytest.fixture(scope="module")
def encoder():
    return E5Featurizer(E5Featurizer.get_default_config(), "e5", SentenceEncoder(cache_size=256))


def featurized(encoder, texts, intent=None):
    messages = [Message(data={TEXT: text, **({INTENT: intent} if intent else {})}) for text in texts]
    encoder.process(messages)
    return messages


@pytest.fixture(scope="module")
def trained(tmp_path_factory, context, encoder):
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("oos")
    examples = [m for intent, texts in EXAMPLES.items() for m in featurized(encoder, texts, intent)]
    OutOfScopeDetector.create({}, storage, resource, context).train(TrainingData(examples))
    return storage, resource


def classified(encoder, text, intent, confidence=0.8):
    message = featurized(encoder, [text])[0]
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}, {"name": "out_of_scope", "confidence": 0.1},
                                   {"name": "greet", "confidence": 0.1}])
    return message


def test_a_message_near_an_out_of_scope_example_gets_out_of_scope_and_the_fallback_keeps_it(trained, context, encoder):
    detector = OutOfScopeDetector.load({"threshold": 0.5, "margin": 0.0}, *trained, context)
    fallback = FallbackClassifier({"threshold": 0.25, "ambiguity_threshold": 0.02})
    message = classified(encoder, "滴滴出行的发票怎么开", "faq")
    fallback.process(detector.process([message]))
    assert message.get(INTENT) == {"name": "out_of_scope", "confidence": 0.9}
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["out_of_scope", "faq", "greet"]
    assert ranking[1]["confidence"] == pytest.approx(0.1 * 0.8 / 0.9) and sum(r["confidence"] for r in ranking) <= 1.0 + 1e-9
    check = message.get(PARSE_KEY)
    assert check["detected"] and check["nearest_out_of_scope"] > check["nearest_in_scope"]


def test_an_in_scope_message_keeps_its_intent(trained, context, encoder):
    detector = OutOfScopeDetector.load({"threshold": 0.5, "margin": 0.0}, *trained, context)
    message = classified(encoder, "发票怎么申请", "faq")
    detector.process([message])
    assert message.get(INTENT)["name"] == "faq" and not message.get(PARSE_KEY)["detected"]


def test_below_the_threshold_nothing_is_in_scope(trained, context, encoder):
    detector = OutOfScopeDetector.load({"threshold": 0.999, "margin": None}, *trained, context)
    message = classified(encoder, "发票怎么申请", "faq")
    detector.process([message])
    assert message.get(INTENT)["name"] == "out_of_scope"


def test_untrained_it_changes_nothing(tmp_path, context, encoder):
    detector = OutOfScopeDetector.load({}, LocalModelStorage(tmp_path), Resource("none"), context)
    message = classified(encoder, "股票涨了吗", "faq")
    detector.process([message])
    assert message.get(INTENT)["name"] == "faq" and message.get(PARSE_KEY) is None


def test_the_rule_and_the_ranking():
    rows = np.eye(3, dtype=np.float32)
    assert nearest(rows[:2], rows[2:], np.array([0.6, 0.8, 0.0], np.float32)) == (pytest.approx(0.8), 0.0)
    assert nearest(rows, rows[:0], rows[0]) == (1.0, -1.0)
    assert is_out_of_scope(0.80, 0.5, threshold=0.85, margin=None)
    assert not is_out_of_scope(0.90, 0.905, threshold=0.85, margin=0.01)
    assert is_out_of_scope(0.90, 0.92, threshold=0.85, margin=0.01)
    ranking = out_of_scope_ranking([{"name": "faq", "confidence": 0.6}, {"name": "out_of_scope", "confidence": 0.3},
                                    {"name": "greet", "confidence": 0.1}], 0.9)
    assert [r["name"] for r in ranking] == ["out_of_scope", "faq", "greet"]
    assert [round(r["confidence"], 3) for r in ranking] == [0.9, 0.086, 0.014]
    assert out_of_scope_ranking([], 0.9) == [{"name": "out_of_scope", "confidence": 0.9}]


COMPANIES = [{"name": "other_company", "elements": ["微博", "paypal"]}, {"name": "city", "elements": ["上海"]}]


@pytest.fixture(scope="module")
def trained_with_companies(tmp_path_factory, context, encoder):
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("oos-companies")
    examples = [m for intent, texts in EXAMPLES.items() for m in featurized(encoder, texts, intent)]
    OutOfScopeDetector.create({}, storage, resource, context).train(TrainingData(examples, lookup_tables=COMPANIES))
    return storage, resource


def answered_from_the_faq(message):
    message.set("response_selector", {"all_retrieval_intents": ["faq"], "faq": {"response": {}}})
    return message


@pytest.mark.parametrize("text", ["微博密码忘了怎么办", "how do I close my PayPal account"])
def test_an_faq_answer_to_a_message_about_another_company_is_held_back(trained_with_companies, context, encoder, text):
    detector = OutOfScopeDetector.load({"threshold": 0.0, "margin": None}, *trained_with_companies, context)
    message = answered_from_the_faq(classified(encoder, text, "faq"))
    detector.process([message])
    assert message.get(INTENT)["name"] == "out_of_scope"
    assert message.get(PARSE_KEY)["other_company"].lower() in {"微博", "paypal"} and message.get(PARSE_KEY)["detected"]


def test_other_intents_and_unlisted_names_are_left_alone(trained_with_companies, context, encoder):
    detector = OutOfScopeDetector.load({"threshold": 0.0, "margin": None}, *trained_with_companies, context)
    suggestion = answered_from_the_faq(classified(encoder, "建议支持paypal付款", "suggestion"))
    city = answered_from_the_faq(classified(encoder, "上海能送货吗", "faq"))
    detector.process([suggestion, city])
    assert suggestion.get(INTENT)["name"] == "suggestion" and suggestion.get(PARSE_KEY)["other_company"] == "paypal"
    assert city.get(INTENT)["name"] == "faq" and city.get(PARSE_KEY)["other_company"] is None


def test_a_model_trained_without_the_table_holds_nothing_back(trained, context, encoder):
    detector = OutOfScopeDetector.load({"threshold": 0.0, "margin": None}, *trained, context)
    message = answered_from_the_faq(classified(encoder, "微博密码忘了怎么办", "faq"))
    detector.process([message])
    assert message.get(INTENT)["name"] == "faq" and message.get(PARSE_KEY)["other_company"] is None
