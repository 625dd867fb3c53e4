"""The NLU scoring: per-intent F1, the confusion matrix and its image."""
from bot.knowledge.nlu_eval import confusion_matrix, per_intent_scores, plot_confusion_matrix, score

PNG = b"\x89PNG\r\n\x1a\n"


def test_per_intent_f1_and_the_matrix():
    pairs = [("faq", "faq"), ("faq", "complaint"), ("complaint", "complaint"), ("greet", "greet")]
    scores = per_intent_scores(pairs)
    assert scores["complaint"] == {"precision": 0.5, "recall": 1.0, "f1": 0.667, "support": 1}
    assert scores["faq"]["recall"] == 0.5 and scores["greet"]["f1"] == 1.0
    labels, counts = confusion_matrix(pairs)
    assert labels == ["complaint", "faq", "greet"]
    assert counts == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]


def test_score_carries_them_and_the_image_is_written(tmp_path):
    rows = [("a", "faq", "faq/x", "faq", "faq/x"), ("b", "complaint", None, "faq", "faq/y")]
    result = score(rows)
    assert result.per_intent["complaint"]["recall"] == 0.0
    assert result.matrix_labels == ["complaint", "faq"]
    image = plot_confusion_matrix(result.matrix_labels, result.matrix, "test", tmp_path / "m.png")
    assert image.read_bytes().startswith(PNG)
