"""Check what editors and operators edit, then Rasa's own validation: ``python -m bot.knowledge.validate``.

Our checks first: the service files, the knowledge base, every response, and the training
examples (enough per intent and language, none under two intents; ``bot.knowledge.nlu_checks``).
Exit code 1 with one line per problem (file:line: what is wrong) when anything needs fixing;
Rasa's validator runs last, only when ours pass.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple, TypeVar

from bot.handoff.availability import ServiceHours
from bot.service.complaints import ComplaintPlaybook
from bot.knowledge.content_checks import Problem, check_domain, check_knowledge_base, language_rules
from bot.service.escalation import EscalationRules
from bot.service.incidents import IncidentBoard
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.nlu_checks import ContentRules, check_training_examples
from bot.settings import PROJECT_ROOT, Settings
from bot.service.suggestions import SuggestionRouter
from bot.knowledge.training import rasa_environment, training_data_paths, write_derived_data
from bot.service.triage import TriageRules
from bot.datafiles.yaml_lines import YamlError

T = TypeVar("T")

# Each file under data/service/ with what reads it (escalation.yml is read by two).
SERVICE_FILES: Sequence[Tuple[str, Callable[[Path], object]]] = [
    ("triage.yml", TriageRules.load),
    ("complaints.yml", ComplaintPlaybook.load),
    ("incidents.yml", IncidentBoard.load),
    ("suggestions.yml", SuggestionRouter.load),
    ("escalation.yml", EscalationRules.load),
    ("escalation.yml", ServiceHours.load),
    ("language_rules.yml", language_rules),
    ("content_rules.yml", ContentRules.load),
]


def _attempt(problems: List[Problem], read: Callable[..., T], *args: object) -> Optional[T]:
    """``read(*args)``, or None with its file:line problem added to ``problems``."""
    try:
        return read(*args)
    except YamlError as error:
        problems.append(Problem(error.where, error.message))
        return None


def content_problems(root: Path = PROJECT_ROOT) -> List[Problem]:
    """Problems in the service files, knowledge base, responses and training examples under ``root``."""
    service, faq, domain = root / "data" / "service", root / "data" / "faq", root / "domain.yml"
    problems: List[Problem] = []
    loaded = {load: _attempt(problems, load, service / name) for name, load in SERVICE_FILES}
    rules, content_rules = loaded[language_rules], loaded[ContentRules.load]
    knowledge = _attempt(problems, KnowledgeBase.load, faq)
    if rules is not None:  # without the language rules no text can be checked
        if knowledge is not None:
            problems += check_knowledge_base(faq, rules)
        problems += _attempt(problems, check_domain, domain, rules) or []
    if content_rules is not None and knowledge is not None:
        problems += check_training_examples(root / "data" / "nlu", faq, domain, content_rules)
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
