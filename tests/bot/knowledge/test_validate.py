"""`make validate` on a copy of the project's data with broken files: every problem is file:line, the
exit code is 1, and no broken file ends in a traceback."""
import copy
import re
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.datafiles.yaml_lines import YamlError, YamlLines
from bot.knowledge import validate
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.validate import SERVICE_FILES, content_problems
from bot.settings import PROJECT_ROOT
from console.checks import LanguageRules


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of data/ and domain.yml, to break."""
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    shutil.copyfile(PROJECT_ROOT / "domain.yml", tmp_path / "domain.yml")
    return tmp_path


def write(project: Path, relative: str, text: str) -> Path:
    path = project / relative
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(project: Path) -> list[str]:
    return [str(p) for p in content_problems(project)]


def test_the_copy_passes(project):
    assert problems(project) == []


# (file, content, line, message): one problem, at that line of that file.
SERVICE_CASES = [
    ("incidents.yml", """
        incidents:
          - id: sms-delay
            keywords: {zh: [验证码], en: [sms]
            zh: {impact: 短信延迟, recovery: 今天恢复, workaround: 语音验证码}
        """, 4, "not valid YAML: expected ',' or '}', but got '<scalar>' "
                "(while parsing a flow mapping that starts on line 3)"),
    ("incidents.yml", """
        incidents:
          - id: sms-delay
            keywords: 验证码
        """, 3, "incidents > sms-delay > keywords must be a mapping, not text"),
    ("incidents.yml", """
        incidents:
          - id: sms-delay
            keywords: {zh: [验证码], en: [sms]}
            zh: {impact: 短信延迟, recovery: 今天恢复, workaround: 语音验证码}
        """, 2, "active incident 'sms-delay' needs what customers are told in en: "
                "impact, recovery, workaround"),
    ("incidents.yml", """
        incidents:
          - just a line of text
        """, 2, "incidents > item 1 must be a mapping, not text"),
    ("escalation.yml", """
        anger:
          words:
            zh: [气死]
          punctuation_run: three
        """, 4, "anger > punctuation_run must be a whole number, not text"),
    ("escalation.yml", """
        service_hours:
          timezone: Asia/Shanghai
          open: 9:00
          close: "21:00"
        """, 3, "service_hours > open must be text in quotes, not a number (9:00); put it in quotes"),
    ("escalation.yml", """
        service_hours:
          timezone: Asia/Beijing
        """, 2, "unknown time zone 'Asia/Beijing'; write it like Asia/Shanghai"),
    ("escalation.yml", """
        fallbacks_in_a_row: 2
        fallbacks_in_a_row: 3
        """, 2, "the file: 'fallbacks_in_a_row' is given twice (first on line 1); "
                "the second would replace the first"),
    ("triage.yml", """
        categories:
          faq: inquiry
          complaint: rant
        """, 3, "'complaint' has unknown category 'rant'; use one of inquiry, complaint, suggestion, fault"),
    ("triage.yml", """
        categories:
          - faq
          - complaint
        """, 1, "categories must be a mapping, not a list"),
    ("triage.yml", """
        priority:
          default: urgent
        """, 2, "unknown priority 'urgent'; use one of low, normal, high"),
    ("triage.yml", "categories:\n\tfaq: inquiry\n", 2,
     "not valid YAML: found character '\\t' that cannot start any token"),
    ("content_rules.yml", """
        # how many examples
        min_examples_per_language: eight
        """, 2, "min_examples_per_language must be a whole number, not text"),
    ("content_rules.yml", "min_examples_per_language: 0\n", 1,
     "min_examples_per_language must be at least 1"),
    ("content_rules.yml", "no_examples_needed: handoff_resolved\n", 1,
     "no_examples_needed must be a list, not text"),
    ("content_rules.yml", "- min_examples_per_language: 8\n", 1, "the file must be a mapping, not a list"),
    ("complaints.yml", """
        remedies:
          refund:
            zh: {title: 退款, detail: 办理退款, risk: 1–3个工作日}
            en: {title: Refund, detail: We refund, risk: 1–3 days}
        types:
          - id: general
            topic: {zh: 问题, en: the problem}
            remedies: [refund, coupon]
        """, 8, "type 'general' needs 2–3 remedies listed under 'remedies:', got ['refund', 'coupon']; "
                "unknown: ['coupon']"),
    ("complaints.yml", """
        remedies:
          refund:
            zh: {title: 退款, detail: 办理退款}
        """, 3, "remedies > refund > zh needs 'risk'"),
    ("suggestions.yml", """
        default_department: sales
        departments:
          product:
            name: {zh: 产品部, en: the product team}
        """, 1, "default_department 'sales' is not one of the departments: product"),
    ("suggestions.yml", """
        departments:
          product:
            name: {zh: 产品部, en: the product team}
            keywords: [app, yes]
        """, 4, "departments > product > keywords > item 2 must be text, "
                "not true or false (yes without quotes); put it in quotes"),
    ("language_rules.yml", """
        forbidden_phrases:
          - phrase: 我不知道
          - phrase: 保证退款
            instead: 我们会尽力协调
        """, 2, "forbidden_phrases > item 1 needs 'instead'"),
    ("suggestions.yml", 'tag: "user_need\ndefault_department: product\n', 1,
     "not valid YAML: found unexpected end of stream (while scanning a quoted scalar that starts on this line)"),
    ("language_rules.yml", "", 1, "the file must be a mapping, not empty"),
    ("labels.yml", """
        category:
          inquiry: {zh: 咨询}
        """, 2, "category > inquiry needs 'en'"),
    ("labels.yml", """
        reason:
          anger: {zh: 情绪激动, en: }
        """, 2, "reason > anger > en is empty"),
]


@pytest.mark.parametrize("name, content, line, message", SERVICE_CASES)
def test_a_broken_service_file_is_one_problem_at_its_line(project, name, content, line, message):
    path = write(project, f"data/service/{name}", content)
    assert problems(project) == [f"{path}:{line}: {message}"]


def test_an_identifier_without_a_label_is_a_problem_in_the_labels_file(project):
    suggestions = project / "data" / "service" / "suggestions.yml"
    suggestions.write_text(suggestions.read_text(encoding="utf-8") + "  sales:\n    keywords: [bulk order]\n",
                           encoding="utf-8")
    labels = project / "data" / "service" / "labels.yml"
    text = labels.read_text(encoding="utf-8")
    labels.write_text(text.replace("  technical_failure: {zh: 系统故障, en: Technical failure}\n", ""), encoding="utf-8")
    lines = YamlLines(labels)
    assert problems(project) == [
        f"{labels}:{lines.line('department')}: department 'sales' has no label; add it with zh and en",
        f"{labels}:{lines.line('reason')}: reason 'technical_failure' has no label; add it with zh and en",
    ]


FAQ_ENTRY = """
faqs:
  - id: gift_wrapping
    zh:
      questions: [可以礼品包装吗]
      conclusion: 您可以在下单时选择礼品包装。
      reasoning: 礼品包装需要在付款前选择。
      steps: [在购物车点击结算, 勾选礼品包装]
    en:
      questions: [can you gift wrap it]
      conclusion: You can choose gift wrapping when you order.
      reasoning: It must be chosen before payment.
      steps: [Tap Checkout, Tick Gift wrapping]
"""

FAQ_CASES = [
    (FAQ_ENTRY.replace("conclusion: 您可以在下单时选择礼品包装。", "conclusion: 注意: 您可以选择礼品包装"), 5,
     "not valid YAML: mapping values are not allowed here"),
    (FAQ_ENTRY.replace("steps: [Tap Checkout, Tick Gift wrapping]", "steps: Tap Checkout"), 12,
     "faqs > gift_wrapping > en > steps must be a list, not text"),
    (FAQ_ENTRY.replace("      reasoning: It must be chosen before payment.\n", ""), 8,
     "faqs > gift_wrapping > en needs 'reasoning'"),
    (FAQ_ENTRY.replace("questions: [可以礼品包装吗]", "questions: []"), 4,
     "faqs > gift_wrapping > zh > questions is empty"),
    (FAQ_ENTRY.replace("gift_wrapping", "Gift-Wrapping"), 2,
     "FAQ id 'Gift-Wrapping' must be lower-case letters, digits and _"),
    (FAQ_ENTRY.replace("  - id: gift_wrapping\n", "  - zh: {}\n    id: gift_wrapping\n"), 4,
     "faqs > gift_wrapping: 'zh' is given twice (first on line 2); the second would replace the first"),
    ("faqs:\n  gift_wrapping: {}\n", 1, "faqs must be a list, not a mapping"),
]


@pytest.mark.parametrize("content, line, message", FAQ_CASES)
def test_a_broken_knowledge_base_file_is_one_problem_at_its_line(project, content, line, message):
    path = write(project, "data/faq/zz_gifts.yml", content)
    assert problems(project) == [f"{path}:{line}: {message}"]


def test_a_line_broken_in_a_shipped_faq_file_is_found_there(project):
    path = project / "data" / "faq" / "account.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines) if line.lstrip().startswith("conclusion:"))
    lines[number] = lines[number].replace("conclusion:", "conclusion: 注意:", 1)
    path.write_text("".join(lines), encoding="utf-8")
    assert problems(project) == [f"{path}:{number + 1}: not valid YAML: mapping values are not allowed here"]


def test_a_repeated_faq_id_names_both_places(project):
    first = next(iter(KnowledgeBase.load(project / "data" / "faq")))
    path = write(project, "data/faq/zz_gifts.yml", FAQ_ENTRY.replace("gift_wrapping", first.faq_id))
    assert problems(project) == [f"{path}:2: FAQ id '{first.faq_id}' is already used in {first.where}"]


def test_a_broken_domain_is_reported_once(project):
    domain = project / "domain.yml"
    text = domain.read_text(encoding="utf-8").rstrip("\n") + "\n"
    domain.write_text(text + "session_config: expire: 60\n", encoding="utf-8")
    line = text.count("\n") + 1
    assert problems(project) == [f"{domain}:{line}: not valid YAML: mapping values are not allowed here"]


def test_an_unknown_emotion_in_the_emotion_examples_is_a_problem_at_its_line(project):
    path = write(project, "data/emotion/extra.yml", """
        language: zh
        examples:
          angry: [气死了]
          furious:
            - 气炸了
    """)
    assert problems(project) == [f"{path}:5: unknown emotion 'furious': use one of angry, anxious, neutral, satisfied"]


def test_validate_exits_1_and_prints_file_line_problems(project, monkeypatch, capsys):
    path = write(project, "data/service/incidents.yml", "incidents:\n  - id: x\n    keywords: 验证码\n")
    monkeypatch.setattr(validate, "content_problems", lambda: content_problems(project))
    assert validate.main() == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{path}:3: incidents > x > keywords must be a mapping, not text",
                   "1 problem(s) in the content; fix them and run `make validate` again."]


# ---- no shape of a file ends in a traceback --------------------------------------------------

Keys = tuple[Any, ...]


def node_paths(data: Any, path: Keys = ()) -> Iterator[Keys]:
    """The path of every value in ``data``; of a list, only the first item's (the others have its shape)."""
    yield path
    items = data.items() if isinstance(data, dict) else enumerate(data[:1]) if isinstance(data, list) else []
    for key, value in items:
        yield from node_paths(value, (*path, key))


def replaced(data: Any, path: Keys, value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(data)
    parent = changed
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return changed


def eval_path(data: Any, path: Keys) -> Any:
    for key in path:
        data = data[key]
    return data


def wrong_values(value: Any) -> list[Any]:
    """Values of other kinds than ``value``."""
    if isinstance(value, (dict, list)):
        return ["text", None]
    return [["x"], None, True]


def load_faq_file(path: Path) -> KnowledgeBase:
    return KnowledgeBase.load(path.parent)


READERS: list[tuple[str, Callable[[Path], object]]] = [
    *[(f"data/service/{name}", load) for name, load in SERVICE_FILES],
    ("data/service/language_rules.yml", LanguageRules.load),  # the console's reader of the same file
    ("data/faq/account.yml", load_faq_file),
]


@pytest.mark.parametrize("relative, read", READERS, ids=[f"{Path(r).name}-{f.__qualname__}" for r, f in READERS])
def test_every_wrong_kind_of_value_is_a_file_line_problem(tmp_path, relative, read):
    original = yaml.safe_load((PROJECT_ROOT / relative).read_text(encoding="utf-8"))
    path = tmp_path / Path(relative).name
    where = re.compile(rf"{re.escape(str(path))}:(\d+)$")
    tried = 0
    for node_path in node_paths(original):
        for value in wrong_values(eval_path(original, node_path)):
            broken = yaml.safe_dump(replaced(original, node_path, value), allow_unicode=True)
            path.write_text(broken, encoding="utf-8")
            tried += 1
            try:
                read(path)
            except YamlError as error:
                found = where.match(error.where)
                assert found, f"{node_path} = {value!r}: {error}"
                assert 1 <= int(found.group(1)) <= broken.count("\n") + 1, str(error)
            # Anything else raised is a traceback for the editor: the test fails with it.
    assert tried >= 5
