"""bench.training's edits do what an editor does: one new FAQ retrains NLU, an answer edit does not change it."""
from bench.training import NEW_FAQ, add_faq_entry, change_answer_steps, copy_project
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
