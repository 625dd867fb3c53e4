"""The emotion bench's folds and figures (the model itself is tested in tests/bot/nlu)."""
from bench.emotion import angry_figures, at_thresholds, folds
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
