"""The editors' checks on training examples, each on small temporary data, with file:line."""
import textwrap
from pathlib import Path

import pytest

from bot.datafiles.config_files import ConfigFileError
from bot.knowledge.content_checks import check_domain, check_knowledge_base
from bot.knowledge.nlu_checks import (
    ContentRules,
    check_training_examples,
    faq_examples,
    nlu_examples,
    normalized,
    plain_text,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def nlu_file(path: Path, **intents) -> Path:
    """An NLU file with, per intent, (zh count, en count, zh word, en word) generated examples."""
    lines = ['version: "3.1"', "nlu:"]
    for name, (zh, en, zh_word, en_word) in intents.items():
        lines += [f"  - intent: {name}", "    examples: |"]
        lines += [f"      - {zh_word}问题{n}" for n in range(zh)] + [f"      - {en_word} question {n}" for n in range(en)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path):
    """A tiny project: domain, one NLU file, one FAQ file, rules asking for 3 examples per language."""
    write(tmp_path / "domain.yml", """
        version: "3.1"
        intents:
          - greet
          - check_order
          - faq
          - handoff_resolved
        """)
    nlu_file(tmp_path / "nlu" / "requests.yml", greet=(3, 3, "你好", "hello"), check_order=(3, 3, "订单", "order"))
    write(tmp_path / "faq" / "account.yml", """
        faqs:
          - id: change_password
            zh:
              questions: [怎么改密码, 密码怎么改, 修改密码]
            en:
              questions:
                - change password
                - how do I change my password
                - new password
        """)
    write(tmp_path / "rules.yml", "min_examples_per_language: 3\nno_examples_needed: [handoff_resolved]\n")
    return tmp_path


def run(project: Path):
    return [str(p) for p in check_training_examples(project / "nlu", project / "faq", project / "domain.yml",
                                                    ContentRules.load(project / "rules.yml"))]


def test_the_tiny_project_passes(project):
    assert run(project) == []


def test_examples_carry_their_file_line_and_language(project):
    intents, examples = nlu_examples(project / "nlu")
    assert [i.name for i in intents] == ["greet", "check_order"]
    assert intents[1].where.endswith("requests.yml:11")
    first = examples[0]
    assert (first.intent, first.text, first.language) == ("greet", "你好问题0", "zh")
    assert first.where.endswith("requests.yml:5")
    assert (examples[5].text, examples[5].language) == ("hello question 2", "en")
    assert examples[5].where.endswith("requests.yml:10")
    _, questions = faq_examples(project / "faq")
    assert questions[3].where.endswith("account.yml:7") and questions[3].language == "en"


def test_too_few_examples_in_one_language_name_the_intent_and_its_line(project):
    nlu_file(project / "nlu" / "requests.yml", greet=(3, 3, "你好", "hello"), check_order=(3, 2, "订单", "order"))
    [problem] = run(project)
    assert problem.endswith("requests.yml:11: intent 'check_order' has 2 en example(s); "
                            "at least 3 are needed (content_rules.yml)")


def test_an_faq_entry_is_an_intent_too(project):
    write(project / "faq" / "account.yml", """
        faqs:
          - id: change_password
            zh:
              questions: [怎么改密码]
            en:
              questions: [change password, how do I change my password, new password]
        """)
    [problem] = run(project)
    assert "account.yml:2: intent 'faq/change_password' has 1 zh example(s)" in problem


def test_an_intent_of_the_domain_without_examples_is_reported_unless_exempt(project):
    write(project / "domain.yml", 'version: "3.1"\nintents:\n  - greet\n  - check_order\n  - goodbye\n  - handoff_resolved\n')
    problems = run(project)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "intent 'goodbye' has 0 zh example(s); at least 3 are needed (content_rules.yml)",
        "intent 'goodbye' has 0 en example(s); at least 3 are needed (content_rules.yml)",
    ]
    assert problems[0].split(": ")[0].endswith("domain.yml:5")


def test_an_example_under_two_intents_is_reported_where_it_is_repeated(project):
    write(project / "nlu" / "more.yml", """
        version: "3.1"
        nlu:
          - intent: check_order
            examples: |
              - Change  Password?
        """)
    [problem] = run(project)
    more = project / "nlu" / "more.yml"
    assert problem == (f"{project / 'faq' / 'account.yml'}:7: “change password” is an example of 'faq/change_password' "
                       f"and of 'check_order' ({more}:5); keep it under one intent")


def test_annotations_case_spacing_and_final_punctuation_do_not_hide_a_repeat():
    assert plain_text("我的订单[DD2026110500123](order_number)到哪了") == "我的订单DD2026110500123到哪了"
    assert plain_text('where is [my order]{"entity": "x"}') == "where is my order"
    assert normalized("Where  is my ORDER？") == normalized("where is my order")


def test_broken_yaml_is_one_problem_with_its_line(project):
    (project / "nlu" / "requests.yml").write_text('version: "3.1"\nnlu:\n  - intent: greet\n    examples: [unclosed\n')
    [problem] = run(project)
    assert "requests.yml:" in problem and "not valid YAML" in problem


def test_the_rules_file_is_checked(tmp_path):
    with pytest.raises(ConfigFileError):
        ContentRules.load(write(tmp_path / "bad.yml", "min_examples_per_language: none\n"))
    rules = ContentRules.load(write(tmp_path / "ok.yml", "min_examples_per_language: 5\n"))
    assert rules == ContentRules(5, frozenset())


def test_response_and_faq_problems_have_lines(tmp_path):
    domain = write(tmp_path / "domain.yml", """
        version: "3.1"
        responses:
          utter_ok:
            - text: 这个我不知道
            - text: "I don't know"
              condition:
                - type: slot
                  name: language
                  value: en
          utter_only_zh:
            - text: 好的
        """)
    problems = [str(p) for p in check_domain(domain)]
    assert any(p.endswith("domain.yml:4: utter_ok (zh): says “我不知道”; say “我帮您查询一下” instead") for p in problems)
    assert any(p.endswith("domain.yml:11: utter_only_zh: has no en variation") for p in problems)
    write(tmp_path / "faq" / "a.yml", """
        faqs:
          - id: first
            zh: {questions: [问], conclusion: 结论, reasoning: 原因, steps: [一步]}
            en: {questions: [q], conclusion: c, reasoning: r, steps: [s]}
          - id: second
            zh: {questions: [问], conclusion: 结论, reasoning: 原因, steps: [一步]}
            en: {questions: [q], conclusion: "We offer a guaranteed refund", reasoning: r, steps: [s]}
        """)
    [problem] = [str(p) for p in check_knowledge_base(tmp_path / "faq")]
    assert "a.yml:7: second (en)" in problem


def test_the_shipped_examples_pass():
    assert [str(p) for p in check_training_examples()] == []


def test_an_faq_question_naming_a_listed_company_is_reported(project):
    write(project / "nlu" / "other_companies.yml", """\
        version: "3.1"
        nlu:
          - lookup: other_company
            examples: |
              - 微博
              - gmail
        """)
    assert run(project) == []
    faq = next((project / "faq").glob("*.yml"))
    faq.write_text(faq.read_text(encoding="utf-8").replace("- how do I change my password",
                                                           "- how do I change my gmail password"), encoding="utf-8")
    [problem] = run(project)
    assert "names “gmail”" in problem and faq.name in problem
