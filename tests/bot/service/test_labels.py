"""data/service/labels.yml: one zh and en label for every identifier the code stores or matches."""
import ast
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.datafiles.config_files import ConfigFileError
from bot.service import escalation, triage
from bot.service.escalation import SIGNAL_KINDS, EscalationRules
from bot.service.label_coverage import wanted_labels
from bot.service.labels import KINDS, Label, Labels
from bot.service.suggestions import SuggestionRouter
from bot.service.triage import TriageRules
from bot.settings import PROJECT_ROOT
from console.agent_desk import OUTCOMES
from console.users import ROLES

LABELS = Labels.load()
CODE = [PROJECT_ROOT / folder for folder in ("actions", "bot", "channels", "console")]


def python_files() -> Iterator[Path]:
    for folder in CODE:
        yield from folder.rglob("*.py")


def keyword_values(name: str) -> Iterator[ast.expr]:
    """Every value passed as ``name=…`` in the project's code."""
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == name:
                yield node.value


def literals(value: ast.expr) -> set[str]:
    """The string literals of a value or of a tuple or list of values."""
    items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
    return {item.value for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)}


def emitted() -> dict[str, set[str]]:
    """By kind, every identifier the code and the service files can store or show."""
    wanted = wanted_labels(TriageRules.load(), SuggestionRouter.load(), EscalationRules.load())
    wanted["department"] |= {d for value in keyword_values("department") for d in literals(value) if d}
    wanted["tag"] |= {t for value in keyword_values("tags") for t in literals(value)}
    wanted["handoff_status"] = {"queued", "assigned", "resolved"}  # HandoffRecord.status
    wanted["role"] = {"user", "bot", "agent", "note", "system"}  # Turn.role
    wanted["outcome"] = set(OUTCOMES)
    wanted["user_role"] = set(ROLES)
    return wanted


def test_every_identifier_the_code_can_emit_has_a_zh_and_an_en_label():
    wanted = emitted()
    assert {"technical", "security", "logistics", "customer_service"} <= wanted["department"]  # the scan works
    assert LABELS.missing(wanted) == []
    for kind, keys in wanted.items():
        for key in keys:
            label = LABELS.get(kind, key)
            assert label.zh.strip() and label.en.strip(), (kind, key)


def test_tags_are_english_identifiers():
    tags = emitted()["tag"]
    assert tags and all(re.fullmatch(r"[a-z][a-z_]*", tag) for tag in tags), tags


def test_every_kind_of_signal_written_is_known():
    written = set()
    for module in (escalation, triage):
        source = Path(module.__file__).read_text(encoding="utf-8")
        written |= set(re.findall(r'f?"([a-z_]+):', source))
    assert written and written <= set(SIGNAL_KINDS), written - set(SIGNAL_KINDS)


def test_every_kind_in_the_file_is_known_and_every_known_kind_is_in_the_file():
    assert set(LABELS.as_dict()) == set(KINDS)


def test_a_label_in_each_language_and_the_identifier_when_there_is_none():
    assert LABELS.text("reason", "anger", "zh") == "情绪激动"
    assert LABELS.text("reason", "anger", "en") == "Upset"
    assert LABELS.text("reason", "anger", None) == "情绪激动"  # Chinese first
    assert LABELS.pair("category", "complaint") == "投诉 Complaint"
    assert LABELS.pair("category", "no_such_category") == "no_such_category"
    assert LABELS.text("no_such_kind", "x", "en") == "x"
    assert Labels({"tag": {"x": Label("甲", "A")}}).missing({"tag": ["x", "y"], "reason": ["z"]}) == [
        ("reason", "z"), ("tag", "y")]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labels.yml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.mark.parametrize("text, line, message", [
    ("""
     category:
       inquiry: {zh: 咨询}
     """, 2, "category > inquiry needs 'en'"),
    ("""
     category:
       inquiry: {zh: 咨询, en: ""}
     """, 2, "category > inquiry > en is empty"),
    ("""
     category:
       inquiry: {zh: 咨询, en: Inquiry}
     colour:
       red: {zh: 红, en: Red}
     """, 4, "unknown kind 'colour'; use one of " + ", ".join(KINDS)),
])
def test_a_broken_labels_file_says_where(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigFileError) as raised:
        Labels.load(path)
    assert (raised.value.where.endswith(f"labels.yml:{line}"), raised.value.message) == (True, message)
