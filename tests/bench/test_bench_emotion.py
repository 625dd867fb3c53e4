"""The emotion bench's folds and figures (the model itself is tested in tests/bot/nlu)."""
from bench.emotion import angry_figures, at_thresholds, by_language, folds
from bot.nlu.emotion_data import EmotionExample


def test_folds_are_stratified_disjoint_and_cover_everything():
    examples = [EmotionExample(f"t{n}", label, language)
                for n, (label, language) in enumerate([("angry", "zh")] * 6 + [("neutral", "en")] * 3)]
    parts = folds(examples, 3)
    assert sorted(i for part in parts for i in part) == list(range(len(examples)))
    for part in parts:
        assert sum(1 for i in part if examples[i].label == "angry") == 2
        assert sum(1 for i in part if examples[i].label == "neutral") == 1


def test_angry_figures_and_the_minimum_score():
    scored = [("angry", "angry", 0.9), ("angry", "angry", 0.45), ("neutral", "angry", 0.55), ("angry", "neutral", 0.7)]
    assert angry_figures([(t, p) for t, p, _ in scored]) == {
        "angry_precision": 0.667, "angry_recall": 0.667, "accuracy": 0.5, "n": 4}
    cut = at_thresholds(scored)
    assert cut["0.5"]["angry_precision"] == 0.5 and cut["0.5"]["angry_recall"] == 0.333
    assert cut["0.6"] == {"angry_precision": 1.0, "angry_recall": 0.333, "accuracy": 0.25, "n": 4}


def test_cross_validation_figures_by_language_follow_the_fold_order():
    examples = [EmotionExample(f"t{n}", label, language)
                for n, (label, language) in enumerate([("angry", "zh")] * 4 + [("neutral", "en")] * 2)]
    order = [i for part in folds(examples, 2) for i in part]
    # Every Chinese message predicted right, every English one taken for angry.
    scored = [(examples[i].label, "angry", 0.9) for i in order]
    figures = by_language(examples, scored, 2)
    assert figures["zh"] == {"angry_precision": 1.0, "angry_recall": 1.0, "accuracy": 1.0, "n": 4}
    assert figures["en"] == {"angry_precision": 0.0, "angry_recall": 0.0, "accuracy": 0.0, "n": 2}
