import shutil
from dataclasses import replace

import yaml

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.training import faq_training_data, fingerprint, write_derived_data
from bot.settings import PROJECT_ROOT


def copy_project_inputs(settings, tmp_path):
    root = tmp_path / "project"
    for name in ("config.yml", "domain.yml"):
        root.mkdir(exist_ok=True)
        shutil.copy(PROJECT_ROOT / name, root / name)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    shutil.copytree(PROJECT_ROOT / "bot" / "nlu", root / "bot" / "nlu", ignore=shutil.ignore_patterns("__pycache__"))
    return replace(settings, project_root=root)


def test_every_faq_becomes_a_retrieval_intent_with_both_languages():
    knowledge = KnowledgeBase.load(PROJECT_ROOT / "data" / "faq")
    data = faq_training_data(knowledge)
    intents = {entry["intent"]: entry["examples"] for entry in data["nlu"]}
    assert set(intents) == {f"faq/{faq.faq_id}" for faq in knowledge}
    for faq in knowledge:
        examples = intents[f"faq/{faq.faq_id}"]
        assert all(f"- {q}\n" in examples for q in faq.questions["zh"] + faq.questions["en"])
        assert f"utter_faq/{faq.faq_id}" in data["responses"]


def test_derived_data_is_valid_rasa_yaml(settings):
    target = write_derived_data(replace(settings, project_root=PROJECT_ROOT))
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    training = RasaYAMLReader().read(target / "faq.yml")
    assert any(intent == "faq" for intent in training.intents)
    assert training.responses


def test_the_fingerprint_changes_when_a_faq_changes_and_only_then(settings, tmp_path):
    project = copy_project_inputs(settings, tmp_path)
    before = fingerprint(project)
    assert fingerprint(project) == before
    faq_file = next((project.project_root / "data" / "faq").glob("*.yml"))
    content = yaml.safe_load(faq_file.read_text(encoding="utf-8"))
    content["faqs"][0]["zh"]["questions"].append("新加的一个问法")
    faq_file.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    assert fingerprint(project) != before


def test_rules_read_only_at_run_time_do_not_retrain_but_the_emotion_features_do(settings, tmp_path):
    project = copy_project_inputs(settings, tmp_path)
    before = fingerprint(project)
    service = project.project_root / "data" / "service"
    for name in ("triage.yml", "labels.yml"):
        (service / name).write_text((service / name).read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    demo = project.project_root / "data" / "demo" / "orders.yml"
    demo.write_text(demo.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert fingerprint(project) == before
    escalation = service / "escalation.yml"  # its word lists are features of the emotion classifier
    escalation.write_text(escalation.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert fingerprint(project) != before
