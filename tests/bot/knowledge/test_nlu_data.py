"""The training data and the held-out test set: sizes, coverage and independence."""
from collections import Counter

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.training import faq_training_data
from bot.language import detect_language
from bot.settings import PROJECT_ROOT

TESTS = PROJECT_ROOT / "tests" / "nlu"


def normalise(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def bigrams(text: str) -> set:
    text = normalise(text)
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


@pytest.fixture(scope="module")
def training_texts():
    texts = [m.get("text") for m in load_data(str(PROJECT_ROOT / "data" / "nlu")).training_examples]
    knowledge = KnowledgeBase.load(PROJECT_ROOT / "data" / "faq")
    for entry in faq_training_data(knowledge)["nlu"]:
        texts += [line[2:] for line in entry["examples"].splitlines() if line.startswith("- ")]
    return texts


@pytest.fixture(scope="module")
def test_examples():
    return {lang: load_data(str(TESTS / f"test_{lang}.yml")).training_examples for lang in ("zh", "en")}


def test_the_held_out_set_is_big_enough_and_covers_every_intent(test_examples):
    knowledge = KnowledgeBase.load(PROJECT_ROOT / "data" / "faq")
    assert len(test_examples["zh"]) >= 300 and len(test_examples["en"]) >= 150
    for language, examples in test_examples.items():
        labels = {m.get("intent_response_key") or m.get("intent") for m in examples}
        assert {f"faq/{faq.faq_id}" for faq in knowledge} <= labels, language
        intents = {m.get("intent") for m in examples}
        assert {"complaint", "suggestion", "report_fault", "request_human", "check_order_status"} <= intents
        assert all(detect_language(m.get("text")) in (language, None) for m in examples if m.get("intent") != "inform")


def test_no_test_example_is_a_copy_or_near_copy_of_a_training_example(training_texts, test_examples):
    trained = {normalise(t) for t in training_texts}
    trained_bigrams = [bigrams(t) for t in training_texts]
    copies, near = [], []
    for examples in test_examples.values():
        for message in examples:
            text = message.get("text")
            if normalise(text) in trained:
                copies.append(text)
                continue
            grams = bigrams(text)
            best = max(len(grams & other) / len(grams | other) for other in trained_bigrams)
            if best >= 0.8 and len(normalise(text)) > 6:
                near.append(text)
    assert copies == [] and near == []


def test_every_faq_has_eight_examples_per_language_and_no_example_is_under_two_intents(training_texts):
    knowledge = KnowledgeBase.load(PROJECT_ROOT / "data" / "faq")
    assert len(knowledge) >= 30
    for faq in knowledge:
        assert len(faq.questions["zh"]) >= 8 and len(faq.questions["en"]) >= 8, faq.faq_id
    repeated = [text for text, count in Counter(normalise(t) for t in training_texts).items() if count > 1]
    assert repeated == []
