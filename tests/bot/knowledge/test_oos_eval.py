"""The out-of-scope scoring, by hand and on the trained model with the held-out sets."""
import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.knowledge import nlu_eval, oos_eval
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.oos_eval import BLIND, DEVELOPMENT, HELD_OUT, in_scope_loss, load_messages, score
from bot.knowledge.training import ensure_model, faq_training_data
from bot.settings import PROJECT_ROOT, Settings


def bigrams(text):
    text = "".join(ch for ch in text.lower() if ch.isalnum())
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def test_the_sets_are_big_enough_and_apart_from_each_other():
    sets = {name: load_messages(path) for name, path in {**HELD_OUT, "dev": DEVELOPMENT, "blind": BLIND}.items()}
    assert len(sets["zh"]["zh"]) >= 200 and len(sets["en"]["en"]) >= 100
    assert len(sets["dev"]["zh"]) >= 100 and len(sets["dev"]["en"]) >= 50
    assert len(sets["blind"]["zh"]) >= 150 and len(sets["blind"]["en"]) >= 100
    held_out = set(sets["zh"]["zh"]) | set(sets["en"]["en"])
    development = set(sets["dev"]["zh"]) | set(sets["dev"]["en"])
    blind = set(sets["blind"]["zh"]) | set(sets["blind"]["en"])
    assert not held_out & development and not blind & development  # the older sets share common questions
    assert all(isinstance(text, str) and text.strip() for texts in sets["blind"].values() for text in texts)


def test_no_message_is_a_copy_or_near_copy_of_a_training_example():
    texts = [m.get("text") for m in load_data(str(PROJECT_ROOT / "data" / "nlu")).training_examples]
    for entry in faq_training_data(KnowledgeBase.load(PROJECT_ROOT / "data" / "faq"))["nlu"]:
        texts += [line[2:] for line in entry["examples"].splitlines() if line.startswith("- ")]
    trained = [bigrams(text) for text in texts]
    near = [message for path in (*HELD_OUT.values(), DEVELOPMENT, BLIND) for messages in load_messages(path).values()
            for message in messages
            if any(len(bigrams(message) & other) / len(bigrams(message) | other) >= 0.8 for other in trained)]
    assert near == []


def test_recall_faq_answers_and_in_scope_loss():
    in_scope = nlu_eval.score([
        ("a", "faq", "faq/x", "faq", "faq/x"),
        ("b", "greet", None, "out_of_scope", None),
        ("c", "complaint", None, "nlu_fallback", None),
        ("d", "out_of_scope", None, "nlu_fallback", None),  # labelled out of scope: no loss
        ("e", "thank", None, "thank", None),
    ])
    assert in_scope_loss(in_scope.matrix_labels, in_scope.matrix) == (2, 4)
    rows = [("今天股市", "out_of_scope", None), ("滴滴发票", "faq", "faq/invoice_request"),
            ("asdf", "nlu_fallback", None), ("hi", "greet", None)]
    result = score(rows, in_scope)
    assert (result.messages, result.recall, result.faq_answers) == (4, 0.5, 1)
    assert result.predicted == {"out_of_scope": 1, "faq": 1, "nlu_fallback": 1, "greet": 1}
    assert result.misses == [("滴滴发票", "faq/invoice_request"), ("hi", "greet")]
    assert (result.in_scope_lost, result.in_scope_messages, result.in_scope_loss) == (2, 4, 0.5)
    assert [text for text, _, _ in result.lost] == ["b", "c"]
    lines = oos_eval.report({"zh": result}, errors=True)
    assert "  zh: 4 messages  recall 0.500  FAQ answers 1  in-scope loss 0.500 (2/4)" in lines
    assert "      '滴滴发票': got faq/invoice_request" in lines


def test_without_the_in_scope_set_there_is_no_loss():
    result = score([("x", "out_of_scope", None)])
    assert (result.recall, result.in_scope_messages, result.lost) == (1.0, 0, [])
    assert "in-scope loss" not in oos_eval.report({"en": result})[1]


@pytest.mark.slow
def test_the_trained_model_sends_out_of_scope_messages_to_a_person():
    """What `make test-nlu` reports; the floors are the figures measured (docs/nlu.md), never loosened."""
    model = ensure_model(Settings.from_env({}))
    in_scope = nlu_eval.evaluate(model)
    results = oos_eval.evaluate(model, in_scope)
    assert set(results) == {"zh", "en"}
    # Measured 2026-11-29 (docs/nlu.md, section 5): recall, FAQ answers, in-scope messages lost. The
    # English training questions added that evening traded held-out recall (0.913 -> 0.887, FAQ
    # answers 8 -> 11) for the in-scope loss (4 -> 0 of 150), the blind set unchanged: a trade
    # taken on purpose and written down there, so the English floors moved with it. The calm
    # complaints added next, chosen on the triage development set (category 0.833 -> 0.917), cost
    # one Chinese FAQ answer here (12 -> 13), written down there too.
    measured = {"zh": (0.90, 13, 5), "en": (0.88, 11, 0)}
    for language, result in results.items():
        assert result.in_scope_messages == sum(1 for _, intent, _ in nlu_eval.load_examples(nlu_eval.TEST_FILES[language])
                                               if intent != "out_of_scope")
        recall, faq_answers, lost = measured[language]
        assert result.recall >= recall and result.faq_answers <= faq_answers, language
        assert result.in_scope_lost <= lost, language
    blind = oos_eval.evaluate(model, files={"blind": oos_eval.BLIND})
    for language, (recall, faq_answers) in {"zh": (0.91, 2), "en": (0.90, 5)}.items():
        assert blind[language].recall >= recall and blind[language].faq_answers <= faq_answers, language
