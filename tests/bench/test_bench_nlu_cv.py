"""bench.nlu_cv: fixed folds over the real training data, fold files Rasa reads back, scoring."""
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bench.nlu_cv import (
    LINEAR,
    NEURAL,
    SWEEP_FALLBACKS,
    SWEEP_WEIGHTS,
    VARIANTS,
    chosen_entry,
    decide,
    entry_accuracy,
    folds,
    label,
    load_examples,
    ranking,
    score,
    sweep,
    write_fold,
)
from bot.settings import Settings


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    settings = Settings.from_env()
    return load_examples(settings)


def test_the_training_data_includes_every_faq_entry(data):
    labels = {label(m) for m in data.intent_examples}
    assert any(name.startswith("faq/") for name in labels)
    assert "complaint" in labels and "greet" in labels


def test_folds_are_fixed_disjoint_and_cover_everything(data):
    first, again = folds(data, 3, seed=0), folds(data, 3, seed=0)
    texts = lambda part: [m.get("text") for m in part]  # noqa: E731
    assert [texts(test) for _, test in first] == [texts(test) for _, test in again]
    tested = [m for _, test in first for m in test]
    assert sorted(map(id, tested)) == sorted(map(id, data.intent_examples))
    for train, test in first:
        assert not {id(m) for m in train} & {id(m) for m in test}
        assert {label(m) for m in test} <= {label(m) for m in train}
    assert [texts(test) for _, test in folds(data, 3, seed=1)] != [texts(test) for _, test in first]


def test_a_fold_file_keeps_faq_entries_responses_and_regexes(data, tmp_path):
    train, _ = folds(data, 3, seed=0)[0]
    loaded = load_data(str(write_fold(data, train, tmp_path / "fold.yml")))
    assert len(loaded.intent_examples) == len(train)
    assert {label(m) for m in loaded.intent_examples} == {label(m) for m in train}
    assert loaded.responses.keys() == data.responses.keys()
    assert len(loaded.regex_features) == len(data.regex_features)


def test_scores_count_complaints_both_ways():
    truth = ["complaint", "complaint", "faq", "greet"]
    predicted = ["complaint", "faq", "complaint", "nlu_fallback"]
    assert score(truth, predicted) == {"accuracy": 0.25, "complaint P": 0.5, "complaint R": 0.5, "fallback": 0.25,
                                       "in-scope loss": 0.25}
    assert score(["greet"], ["greet"])["complaint P"] == 0.0


def test_the_in_scope_loss_counts_only_in_scope_examples_sent_away():
    truth = ["out_of_scope", "out_of_scope", "faq", "greet", "faq"]
    predicted = ["out_of_scope", "faq", "out_of_scope", "nlu_fallback", "faq"]
    assert score(truth, predicted)["in-scope loss"] == 2 / 3


def test_variants_change_only_the_classifiers():
    config = yaml.safe_load(Path("config.yml").read_text(encoding="utf-8"))
    names = lambda c: [step["name"] for step in c["pipeline"]]  # noqa: E731
    assert LINEAR in names(config) and not set(NEURAL) & set(names(config))
    assert VARIANTS["linear"](config) == config
    blend = VARIANTS["blend"](config)
    at = names(config).index(LINEAR)
    assert names(blend) == [*names(config)[:at], *NEURAL, LINEAR, *names(config)[at + 1:]]
    linear = next(s for s in blend["pipeline"] if s["name"] == LINEAR)
    assert linear["diet_weight"] == linear["selector_weight"] == 0.1
    assert names(VARIANTS["diet"](config)) == [n for n in names(blend) if n != LINEAR]
    assert VARIANTS["blend"](blend) == blend  # putting them back twice adds nothing


def test_faq_entries_are_scored_on_faq_questions_only():
    assert entry_accuracy(["faq/a", None, "faq/b", "faq/c"], ["faq/a", "faq/x", None, "faq/b"]) == pytest.approx(1 / 3)
    assert entry_accuracy([None], ["faq/a"]) == 0.0
    parse = {"intent": {"name": "faq"}, "response_selector": {"faq": {"response": {"intent_response_key": "faq/a"}}}}
    assert chosen_entry(parse) == "faq/a"
    assert chosen_entry({**parse, "intent": {"name": "greet"}}) is None


def test_fallback_decisions_follow_rasas_two_thresholds():
    assert decide([("faq", 0.3), ("greet", 0.2)], 0.25, 0.02) == "faq"
    assert decide([("faq", 0.2), ("greet", 0.1)], 0.25, 0.02) == "nlu_fallback"  # too unsure
    assert decide([("faq", 0.41), ("greet", 0.40)], 0.25, 0.02) == "nlu_fallback"  # too close to call
    assert decide([], 0.0, 0.0) == "nlu_fallback"


def test_the_fallback_rasa_put_on_top_is_left_out_of_a_ranking():
    parse = {"intent_ranking": [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "faq", "confidence": 0.3}]}
    assert ranking(parse) == [("faq", 0.3)]


def test_the_sweep_blends_the_two_rankings_per_weight():
    truth = ["complaint", "faq"]
    linear = [[("faq", 0.6), ("complaint", 0.4)], [("faq", 0.9)]]
    diet = [[("complaint", 1.0)], [("faq", 1.0)]]
    rows = {(w, t, a): figures for w, t, a, figures in sweep(truth, linear, diet)}
    assert rows[(0.0, 0.0, 0.0)]["accuracy"] == 0.5  # the linear model alone misses the complaint
    assert rows[(0.5, 0.0, 0.0)]["accuracy"] == 1.0  # half DIET: complaint 0.7 against faq 0.3
    assert len(rows) == len(SWEEP_WEIGHTS) * len(SWEEP_FALLBACKS)
