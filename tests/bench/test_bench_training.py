"""bench.training's edits do what an editor does: one new FAQ retrains NLU, an answer edit does not change it."""
from pathlib import Path

import yaml

from bench.training import (
    NEW_FAQ,
    add_faq_entry,
    change_answer_steps,
    copy_project,
    put_back_neural_components,
    seconds_per_component,
)
from bot.knowledge.training import build_dir, fingerprint, write_derived_data


def derived_nlu(settings):
    return (write_derived_data(settings) / "faq.yml").read_text(encoding="utf-8")


def test_the_edits_change_what_the_model_is_trained_from(tmp_path):
    settings = copy_project(tmp_path)
    assert (tmp_path / "bot" / "nlu").is_dir() and not (tmp_path / "var").exists()
    original_nlu, original_fingerprint = derived_nlu(settings), fingerprint(settings)

    change_answer_steps(tmp_path)
    assert derived_nlu(settings) == original_nlu  # same questions, same conclusions
    assert fingerprint(settings) != original_fingerprint  # but bot.knowledge.training retrains (from the cache)

    add_faq_entry(tmp_path)
    grown = derived_nlu(settings)
    assert f"faq/{NEW_FAQ['id']}" in grown and NEW_FAQ["zh"]["questions"][0] in grown
    assert build_dir(settings).is_relative_to(tmp_path)


def test_component_seconds_run_from_one_node_to_the_next():
    log = [
        "2026-11-29 15:29:40 DEBUG    rasa.engine.graph  - Node 'train_JiebaTokenizer0' running 'JiebaTokenizer.train'.",
        "2026-11-29 15:29:41 INFO     rasa.engine.training.hooks  - Finished training component 'JiebaTokenizer'.",
        "2026-11-29 15:29:46 DEBUG    rasa.engine.graph  - Node 'run_bot.nlu.e5_featurizer.E5Featurizer5' running 'E5Featurizer.process_training_data'.",
        "2026-11-29 15:31:02 DEBUG    rasa.engine.graph  - Node 'train_TEDPolicy9' running 'TEDPolicy.train'.",
        "  a traceback line without a timestamp",
        "2026-11-29 15:31:27 DEBUG    rasa.engine.graph  - Node 'run_JiebaTokenizer0' running 'JiebaTokenizer.process'.",
        "2026-11-29 15:31:30 DEBUG    rasa.engine.storage.local_model_storage  - Model package created.",
    ]
    assert seconds_per_component(log) == {"E5Featurizer": 76.0, "TEDPolicy": 25.0, "JiebaTokenizer": 9.0}
    assert seconds_per_component([]) == {}


def test_the_neural_components_go_back_into_the_copy_only(tmp_path):
    copy_project(tmp_path)
    put_back_neural_components(tmp_path)
    names = [step["name"] for step in yaml.safe_load((tmp_path / "config.yml").read_text(encoding="utf-8"))["pipeline"]]
    assert "DIETClassifier" in names and "ResponseSelector" in names
    project = [step["name"] for step in yaml.safe_load(Path("config.yml").read_text(encoding="utf-8"))["pipeline"]]
    assert "DIETClassifier" not in project
