from pathlib import Path

import pytest

from bot.knowledge.base import KnowledgeBase, KnowledgeBaseError
from bot.settings import PROJECT_ROOT

ENTRY = """
faqs:
  - id: {faq_id}
    zh:
      questions: [怎么开发票]
      conclusion: 您可以在订单详情中申请发票。
      reasoning: 发票由商家开具。
      steps: [打开订单, 点击申请发票]
    en:
      questions: [how do I get an invoice]
      conclusion: You can request an invoice on the order page.
      reasoning: The merchant issues invoices.
      steps: [Open the order, Tap Request invoice]
"""


def write(directory: Path, name: str, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")


def test_the_shipped_knowledge_base_loads_with_both_languages():
    knowledge = KnowledgeBase.load(PROJECT_ROOT / "data" / "faq")
    assert len(knowledge) >= 2
    for faq in knowledge:
        for language in ("zh", "en"):
            answer = faq.answers[language]
            assert answer.conclusion and answer.reasoning and answer.steps
            assert faq.questions[language]


def test_answers_render_numbered_steps_and_fall_back_to_chinese(tmp_path):
    write(tmp_path, "a.yml", ENTRY.format(faq_id="invoice"))
    faq = KnowledgeBase.load(tmp_path).by_response_key("faq/invoice")
    assert faq is not None
    assert faq.answer("en").numbered_steps() == "1. Open the order\n2. Tap Request invoice"
    assert faq.answer("fr").conclusion.startswith("您可以")
    assert faq.answer(None).conclusion.startswith("您可以")


def test_unknown_labels_find_nothing(tmp_path):
    write(tmp_path, "a.yml", ENTRY.format(faq_id="invoice"))
    knowledge = KnowledgeBase.load(tmp_path)
    assert knowledge.by_response_key("faq/nothing") is None
    assert knowledge.by_response_key("greet") is None


def test_a_duplicate_id_names_both_files(tmp_path):
    write(tmp_path, "a.yml", ENTRY.format(faq_id="invoice"))
    write(tmp_path, "b.yml", ENTRY.format(faq_id="invoice"))
    with pytest.raises(KnowledgeBaseError) as raised:
        KnowledgeBase.load(tmp_path)
    assert str(raised.value) == f"{tmp_path}/b.yml:3: FAQ id 'invoice' is already used in {tmp_path}/a.yml:3"


@pytest.mark.parametrize(
    "broken, message",
    [
        (ENTRY.format(faq_id="x").replace("      reasoning: The merchant issues invoices.\n", ""),
         "broken.yml:9: faqs > x > en needs 'reasoning'"),
        (ENTRY.format(faq_id="Bad-Id"), "broken.yml:3: FAQ id 'Bad-Id' must be lower-case"),
        ("faqs: {}", "broken.yml:1: faqs must be a list, not a mapping"),
        (ENTRY.format(faq_id="x").replace("steps: [打开订单, 点击申请发票]", "steps: 打开订单"),
         "broken.yml:8: faqs > x > zh > steps must be a list, not text"),
        (ENTRY.format(faq_id="x").replace("conclusion: 您可以在订单详情中申请发票。", "conclusion:"),
         "broken.yml:6: faqs > x > zh > conclusion is empty"),
        (ENTRY.format(faq_id="x").replace("steps: [打开订单, 点击申请发票]", "steps: [打开订单, 点击申请发票"),
         "broken.yml:9: not valid YAML: expected ',' or ']', but got ':'"),
    ],
)
def test_malformed_entries_say_what_and_where(tmp_path, broken, message):
    write(tmp_path, "broken.yml", broken)
    with pytest.raises(KnowledgeBaseError) as raised:
        KnowledgeBase.load(tmp_path)
    assert str(raised.value).startswith(f"{tmp_path}/{message}"), str(raised.value)
