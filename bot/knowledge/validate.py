"""Check what editors and operators edit, then Rasa's own validation: ``python -m bot.knowledge.validate``.

Our checks first: the service files (labels.yml must name every identifier they and the code
use), the knowledge base, every response, and the training examples (enough per intent and
language, none under two intents; ``bot.knowledge.nlu_checks``).
Exit code 1 with one line per problem (file:line: what is wrong) when anything needs fixing;
Rasa's validator runs last, only when ours pass.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar, cast

from bot.datafiles.yaml_lines import YamlError, YamlLines
from bot.handoff.availability import ServiceHours
from bot.handoff.routing import RoutingRules
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.content_checks import (
    Problem,
    TextRules,
    check_domain,
    check_knowledge_base,
    language_rules,
)
from bot.knowledge.nlu_checks import ContentRules, check_training_examples
from bot.knowledge.training import rasa_environment, training_data_paths, write_derived_data
from bot.nlu.emotion_data import load_examples
from bot.service.complaints import ComplaintPlaybook
from bot.service.escalation import EscalationRules
from bot.service.incidents import IncidentBoard
from bot.service.label_coverage import wanted_labels
from bot.service.labels import Labels
from bot.service.suggestions import SuggestionRouter
from bot.service.triage import TriageRules
from bot.settings import PROJECT_ROOT, Settings

T = TypeVar("T")

# Each file under data/service/ with what reads it (escalation.yml is read by two).
SERVICE_FILES: Sequence[tuple[str, Callable[[Path], object]]] = [
    ("triage.yml", TriageRules.load),
    ("complaints.yml", ComplaintPlaybook.load),
    ("incidents.yml", IncidentBoard.load),
    ("suggestions.yml", SuggestionRouter.load),
    ("escalation.yml", EscalationRules.load),
    ("escalation.yml", ServiceHours.load),
    ("language_rules.yml", language_rules),
    ("content_rules.yml", ContentRules.load),
    ("labels.yml", Labels.load),
    ("routing.yml", RoutingRules.load),
]


def _attempt(problems: list[Problem], read: Callable[..., T], *args: object) -> T | None:
    """``read(*args)``, or None with its file:line problem added to ``problems``."""
    try:
        return read(*args)
    except YamlError as error:
        problems.append(Problem(error.where, error.message))
        return None


def _unlabelled(path: Path, loaded: Mapping[Callable[[Path], object], object]) -> list[Problem]:
    """Identifiers of the code and the service files that labels.yml at ``path`` does not name."""
    labels, triage = loaded[Labels.load], loaded[TriageRules.load]
    router, escalation = loaded[SuggestionRouter.load], loaded[EscalationRules.load]
    if not (isinstance(labels, Labels) and isinstance(triage, TriageRules)
            and isinstance(router, SuggestionRouter) and isinstance(escalation, EscalationRules)):
        return []  # a file that cannot be read is a problem already
    lines = YamlLines(path)
    return [Problem(lines.where(kind), f"{kind} '{key}' has no label; add it with zh and en")
            for kind, key in labels.missing(wanted_labels(triage, router, escalation))]


def content_problems(root: Path = PROJECT_ROOT) -> list[Problem]:
    """Problems in the service files, knowledge base, responses and training examples under ``root``."""
    service, faq, domain = root / "data" / "service", root / "data" / "faq", root / "domain.yml"
    problems: list[Problem] = []
    loaded = {load: _attempt(problems, load, service / name) for name, load in SERVICE_FILES}
    rules = cast("TextRules | None", loaded[language_rules])
    content_rules = cast("ContentRules | None", loaded[ContentRules.load])
    problems += _unlabelled(service / "labels.yml", loaded)
    knowledge = _attempt(problems, KnowledgeBase.load, faq)
    if rules is not None:  # without the language rules no text can be checked
        if knowledge is not None:
            problems += check_knowledge_base(faq, rules)
        problems += _attempt(problems, check_domain, domain, rules) or []
    if content_rules is not None and knowledge is not None:
        problems += check_training_examples(root / "data" / "nlu", faq, domain, content_rules)
    _attempt(problems, load_examples, root / "data" / "emotion")  # the emotion classifier's examples
    return list(dict.fromkeys(problems))  # a broken domain.yml is found by two checks: say it once


def main() -> int:
    """Run every check; Rasa's validator last, on the derived data too."""
    settings = Settings.from_env()
    problems = content_problems()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in the content; fix them and run `make validate` again.")
        return 1
    write_derived_data(settings)
    command = [sys.executable, "-m", "rasa", "data", "validate", "--domain", "domain.yml",
               "--config", "config.yml", "--data", *[str(p) for p in training_data_paths(settings)]]
    result = subprocess.run(command, cwd=settings.project_root, env=rasa_environment(settings))
    print("content checks passed" + ("; Rasa's validation passed" if result.returncode == 0 else "; Rasa's validation failed"))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
