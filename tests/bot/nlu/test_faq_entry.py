"""The linear classifier's FAQ entry goes where the ResponseSelector writes its choice, in its format."""
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.faq_entry import entries_of, select_entries
from bot.nlu.linear_intent_classifier import blend_rankings


def selector_output(key="faq/refund_time", ranking=(("faq/refund_time", 0.7), ("faq/invoice", 0.3))):
    return {
        "all_retrieval_intents": ["faq"],
        "faq": {
            "response": {"responses": [{"text": "refund answer"}], "confidence": ranking[0][1],
                         "intent_response_key": key, "utter_action": f"utter_{key}"},
            "ranking": [{"id": 1, "confidence": c, "intent_response_key": k} for k, c in ranking],
        },
    }


def message_with(selector):
    message = Message(data={TEXT: "发票怎么开"})
    if selector is not None:
        message.set("response_selector", selector, add_to_output=True)
    return message


LABELS = {"faq/invoice": 0.54, "faq/refund_time": 0.06, "greet": 0.3, "complaint": 0.1}


def test_entries_are_the_retrieval_intents_labels_renormalised():
    assert entries_of("faq", LABELS) == pytest.approx({"faq/invoice": 0.9, "faq/refund_time": 0.1})
    assert entries_of("faq", {"greet": 1.0}) == {}


def test_our_entry_replaces_the_selectors_with_its_share_blended_in():
    message = message_with(selector_output())
    assert select_entries(message, LABELS, 0.1, blend_rankings) == "faq/invoice"
    response = message.get("response_selector")["faq"]["response"]
    # 0.9 × 0.9 + 0.1 × 0.3 for the invoice entry; the refund entry 0.9 × 0.1 + 0.1 × 0.7
    assert response["intent_response_key"] == "faq/invoice" and response["utter_action"] == "utter_faq/invoice"
    assert response["confidence"] == pytest.approx(0.84)
    assert response["responses"] is None  # the selector's texts were for another entry
    ranking = message.get("response_selector")["faq"]["ranking"]
    assert [entry["intent_response_key"] for entry in ranking] == ["faq/invoice", "faq/refund_time"]
    assert ranking[1]["confidence"] == pytest.approx(0.16)
    assert message.as_dict_nlu()["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/invoice"


def test_the_selectors_texts_stay_when_both_choose_the_same_entry():
    message = message_with(selector_output("faq/invoice", (("faq/invoice", 0.8), ("faq/refund_time", 0.2))))
    select_entries(message, LABELS, 0.1, blend_rankings)
    assert message.get("response_selector")["faq"]["response"]["responses"] == [{"text": "refund answer"}]


def test_a_strong_enough_selector_share_can_overrule_us():
    message = message_with(selector_output("faq/refund_time", (("faq/refund_time", 1.0),)))
    assert select_entries(message, LABELS, 0.9, blend_rankings) == "faq/refund_time"


def test_without_a_response_selector_our_ranking_is_the_selection():
    bare = message_with(None)
    assert select_entries(bare, LABELS, 0.1, blend_rankings) == "faq/invoice"
    selector = bare.as_dict_nlu()["response_selector"]
    assert selector["all_retrieval_intents"] == ["faq"]
    response = selector["faq"]["response"]
    assert response["intent_response_key"] == "faq/invoice" and response["utter_action"] == "utter_faq/invoice"
    assert response["confidence"] == pytest.approx(0.9) and response["responses"] is None
    assert [entry["intent_response_key"] for entry in selector["faq"]["ranking"]] == ["faq/invoice", "faq/refund_time"]


def test_nothing_to_choose_without_entries():
    bare = message_with(None)
    assert select_entries(bare, {"greet": 1.0}, 0.1, blend_rankings) is None and bare.get("response_selector") is None
    message = message_with(selector_output())
    assert select_entries(message, {"greet": 1.0}, 0.1, blend_rankings) is None
    assert message.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/refund_time"
