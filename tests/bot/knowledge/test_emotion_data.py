"""The emotion training data (data/emotion) and the held-out set (tests/nlu/emotion_*.yml): sizes and independence."""
from collections import Counter

import pytest

from bot.language import detect_language
from bot.nlu.emotion_data import load_examples
from bot.service.emotion import EMOTIONS
from bot.service.escalation import EscalationRules
from bot.settings import PROJECT_ROOT

TRAIN = PROJECT_ROOT / "data" / "emotion"
HELD_OUT = {language: PROJECT_ROOT / "tests" / "nlu" / f"emotion_{language}.yml" for language in ("zh", "en")}


def normalise(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def bigrams(text: str) -> set:
    text = normalise(text)
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


@pytest.fixture(scope="module")
def training():
    return load_examples(TRAIN)


@pytest.fixture(scope="module")
def held_out():
    return {language: load_examples(path) for language, path in HELD_OUT.items()}


def test_the_held_out_set_is_big_enough_and_has_the_hard_cases(held_out):
    assert len(held_out["zh"]) >= 200 and len(held_out["en"]) >= 100
    rules = EscalationRules.load()
    words = rules.anger_words + rules.insults + rules.threats
    for language, examples in held_out.items():
        labels = Counter(e.label for e in examples)
        assert all(labels[label] >= 20 for label in EMOTIONS), (language, labels)
        assert all(e.language == language for e in examples)
        assert all(detect_language(e.text) in (language, None) for e in examples), language
        angry = [e.text for e in examples if e.label == "angry"]
        calm = [e.text for e in examples if e.label != "angry"]
        # Anger that no word list catches, and calm messages that contain listed words.
        assert sum(1 for t in angry if not any(w in t.lower() for w in words)) >= len(angry) // 2, language
        assert sum(1 for t in calm if any(w in t.lower() for w in words)) >= 10, language


def test_the_training_data_is_larger_and_covers_every_emotion_in_both_languages(training):
    counts = Counter((e.language, e.label) for e in training)
    assert sum(n for (language, _), n in counts.items() if language == "zh") >= 500
    assert sum(n for (language, _), n in counts.items() if language == "en") >= 300
    assert all(counts[(language, label)] >= 50 for language in ("zh", "en") for label in EMOTIONS), counts
    repeated = [text for text, n in Counter(normalise(e.text) for e in training).items() if n > 1 and len(text) > 3]
    assert repeated == []


def test_no_held_out_example_is_a_copy_or_near_copy_of_a_training_example(training, held_out):
    trained = {normalise(e.text) for e in training}
    trained_bigrams = [bigrams(e.text) for e in training]
    copies, near = [], []
    for examples in held_out.values():
        for example in examples:
            if normalise(example.text) in trained:
                copies.append(example.text)
                continue
            grams = bigrams(example.text)
            best = max(len(grams & other) / len(grams | other) for other in trained_bigrams)
            if best >= 0.8 and len(normalise(example.text)) > 6:
                near.append(example.text)
    assert copies == [] and near == []
