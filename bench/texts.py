"""Customer texts for the benches: the held-out FAQ questions of ``tests/nlu/``.

Real customers rarely send the same sentence twice, and the e5 featurizer caches per text, so
a bench that repeats a few scripted sentences measures the cache, not the model.
"""
from __future__ import annotations

import yaml

from bot.settings import PROJECT_ROOT


def held_out_questions(language: str) -> list[str]:
    """The FAQ questions of the held-out NLU test set in ``language`` ("zh" or "en"), in file order."""
    data = yaml.safe_load((PROJECT_ROOT / "tests" / "nlu" / f"test_{language}.yml").read_text(encoding="utf-8"))
    return [line.strip()[2:].strip() for block in data["nlu"] if block["intent"].startswith("faq/")
            for line in block["examples"].splitlines() if line.strip().startswith("- ")]
