"""Rasa's own conversation tests (tests/stories) and the held-out NLU set, on the trained model."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bot.knowledge.training import rasa_environment
from bot.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow


def test_every_conversation_story_passes(trained_model, tmp_path):
    result = subprocess.run(
        [
            sys.executable, "-m", "rasa", "test", "core",
            "--model", str(trained_model),
            "--stories", str(PROJECT_ROOT / "tests" / "stories"),
            "--out", str(tmp_path),
            "--fail-on-prediction-errors",
            "--no-plot",
        ],
        cwd=PROJECT_ROOT,
        env=rasa_environment(Settings.from_env({})),
        capture_output=True,
        text=True,
        timeout=900,
    )
    failed = (tmp_path / "failed_test_stories.yml")
    details = failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, details
    assert "story" not in (failed.read_text(encoding="utf-8") if failed.exists() else ""), details
