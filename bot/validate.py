"""Check what editors and operators edit, then Rasa's own validation: ``python -m bot.validate``.

Our checks first: the service files, the knowledge base, every response, and the training
examples (enough per intent and language, none under two intents; ``bot.nlu_checks``).
Exit code 1 with one line per problem (file[:line]: what is wrong) when anything needs
fixing; Rasa's validator runs last, only when ours pass.
"""
from __future__ import annotations

import subprocess
import sys
from typing import Callable, List

from bot.complaints import ComplaintPlaybook
from bot.config_files import ConfigFileError
from bot.content_checks import Problem, check_domain, check_knowledge_base
from bot.escalation import EscalationRules
from bot.incidents import IncidentBoard
from bot.knowledge import KnowledgeBaseError
from bot.nlu_checks import ContentRules, check_training_examples
from bot.settings import Settings
from bot.suggestions import SuggestionRouter
from bot.training import rasa_environment, training_data_paths, write_derived_data
from bot.triage import TriageRules

_LOADERS: List[Callable[[], object]] = [
    TriageRules.load, ComplaintPlaybook.load, IncidentBoard.load, SuggestionRouter.load, EscalationRules.load,
    ContentRules.load,
]


def content_problems() -> List[Problem]:
    """Problems in the knowledge base, the responses, the service files and the training examples."""
    problems: List[Problem] = []
    for loader in _LOADERS:
        try:
            loader()
        except (ConfigFileError, KeyError, TypeError, ValueError) as error:
            problems.append(Problem(loader.__qualname__.split(".")[0], str(error)))
    try:
        problems += check_knowledge_base()
    except KnowledgeBaseError as error:
        problems.append(Problem("data/faq", str(error)))
    problems += check_domain()
    try:
        problems += check_training_examples()
    except ConfigFileError:
        pass  # content_rules.yml is broken: reported above by ContentRules.load
    return problems


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
