"""The benchmark's CSV converter makes valid Rasa data from awkward text."""
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bench.nlu.convert import clean_example, csv_to_rasa, intent_name


def test_labels_become_intent_names():
    assert intent_name("Card Payment Fee Charged") == "card_payment_fee_charged"
    assert intent_name("top_up_by_card?") == "top_up_by_card"


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(st.text(st.characters(blacklist_categories=('Cs',), blacklist_characters='\x00'), min_size=1, max_size=40), min_size=1, max_size=8))
def test_any_text_converts_to_readable_rasa_yaml(tmp_path_factory, texts):
    directory = tmp_path_factory.mktemp("conv")
    source = directory / "data.csv"
    import csv

    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        for n, text in enumerate(texts):
            writer.writerow([text, f"label {n % 2}"])
    csv_to_rasa(source, directory / "out.yml")
    data = RasaYAMLReader().read(directory / "out.yml")
    expected = {(clean_example(t), f"label_{n % 2}") for n, t in enumerate(texts) if clean_example(t)}
    assert {(m.get("text"), m.get("intent")) for m in data.training_examples} == expected


def test_the_benchmark_config_can_leave_components_out(tmp_path):
    from bench.nlu.run import nlu_config
    from bench.nlu_cv import with_neural
    from bot.settings import PROJECT_ROOT

    def names(path):
        return [step["name"] for step in yaml.safe_load(path.read_text(encoding="utf-8"))["pipeline"]]

    # config.yml with DIET and the ResponseSelector put back, as a pipeline that has both
    project = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    neural = tmp_path / "neural.yml"
    neural.write_text(yaml.safe_dump(with_neural(project), allow_unicode=True, sort_keys=False), encoding="utf-8")
    full = names(nlu_config(neural, tmp_path / "a.yml", keep_response_selector=True))
    assert "DIETClassifier" in full and "ResponseSelector" in full
    lean = names(nlu_config(neural, tmp_path / "b.yml", keep_response_selector=False, drop=["DIETClassifier"]))
    assert lean == [name for name in full if name not in ("DIETClassifier", "ResponseSelector")]
    assert names(nlu_config(PROJECT_ROOT / "config.yml", tmp_path / "c.yml", keep_response_selector=True)) == [
        step["name"] for step in project["pipeline"]]
    assert "policies" not in yaml.safe_load((tmp_path / "b.yml").read_text(encoding="utf-8"))
