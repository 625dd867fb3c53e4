"""A Rasa server started with MODEL_SERVER_URL gets a ``models:`` section in a copy of its endpoints."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.ops.rasa_server import with_model_server
from bot.settings import PROJECT_ROOT

ENDPOINTS = str(PROJECT_ROOT / "endpoints.yml")


def test_without_a_model_server_the_command_line_is_unchanged(tmp_path):
    argv = ["rasa", "run", "--endpoints", ENDPOINTS, "--model", "m.tar.gz"]
    assert with_model_server(argv, {"VAR_DIR": str(tmp_path)}) == argv
    assert with_model_server(argv, {"VAR_DIR": str(tmp_path), "MODEL_SERVER_URL": "off"}) == argv


def test_with_one_rasa_polls_it_with_the_token_from_the_environment_never_written_down(tmp_path):
    environ = {"VAR_DIR": str(tmp_path), "MODEL_SERVER_URL": "http://console:8000/models/current",
               "MODEL_PULL_SECONDS": "3", "RASA_API_TOKEN": "secret-token"}
    argv = with_model_server(["rasa", "run", f"--endpoints={ENDPOINTS}", "--port", "5005"], environ)
    assert argv[:4] == ["rasa", "run", "--port", "5005"] and argv[4] == "--endpoints"
    written = Path(argv[5])
    assert written.parent == tmp_path / "run"
    assert "secret-token" not in written.read_text()
    endpoints = yaml.safe_load(written.read_text())
    assert endpoints["models"] == {"url": "${MODEL_SERVER_URL}", "wait_time_between_pulls": 3,
                                   "headers": {"Authorization": "Bearer ${RASA_API_TOKEN}"}}
    original = yaml.safe_load(Path(ENDPOINTS).read_text())
    assert {k: v for k, v in endpoints.items() if k != "models"} == original


def test_rasa_reads_the_section_as_a_model_server_with_the_token_in_a_header(tmp_path, monkeypatch):
    from rasa.core.utils import read_endpoints_from_path

    environ = {"VAR_DIR": str(tmp_path), "MODEL_SERVER_URL": "http://console:8000/models/current",
               "RASA_API_TOKEN": "secret-token", "ACTION_ENDPOINT_URL": "http://a/webhook", "REDIS_HOST": "r",
               "REDIS_PORT": "1", "REDIS_DB": "0", "REDIS_PASSWORD": "", "TRACKER_RECORD_EXP": "10"}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    argv = with_model_server(["rasa", "run", "--endpoints", ENDPOINTS], environ)
    model = read_endpoints_from_path(argv[-1]).model
    assert model.url == "http://console:8000/models/current"
    assert model.headers == {"Authorization": "Bearer secret-token"}
    assert model.kwargs["wait_time_between_pulls"] == 3  # MODEL_PULL_SECONDS's default
