"""deploy/Dockerfile (it cannot be built here: no base-image registry is reachable) and its entry
point, which runs here for real."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT
from tests.deploy.expected import DEPLOY, as_launched, image, launcher_services


def test_the_image_is_python_3_10_slim_with_the_pinned_requirements_and_a_non_root_user():
    text = (DEPLOY / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.10-slim" in text
    assert "-c /tmp/requirements/constraints.txt -r /tmp/requirements/runtime.txt" in text
    user = image().user.split(":")
    assert all(part.isdigit() and int(part) != 0 for part in user), "a numeric non-root user (runAsNonRoot checks it)"


def test_its_default_command_is_the_launchers_rasa_server_and_the_model_is_baked_in():
    picture = image()
    rasa = launcher_services(picture.env, picture.model)["bot.ops.rasa_server"]
    assert picture.cmd == as_launched(rasa)
    assert "RUN /opt/venv/bin/python -m bot.knowledge.training" in (DEPLOY / "Dockerfile").read_text()


def test_it_copies_every_file_the_commands_read_and_nothing_it_copies_is_ignored():
    picture = image()
    copied = {source.rstrip("/") for source in picture.copied}
    for service in launcher_services(picture.env, picture.model).values():
        for argument in service.command:
            if argument.startswith(str(picture.workdir) + "/") and not argument.startswith(picture.env["VAR_DIR"]):
                relative = Path(argument).relative_to(picture.workdir)
                assert str(relative) in copied or str(relative.parts[0]) in copied or relative.parts[0] == "models"
    packages = {path.parent.name for path in PROJECT_ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages <= copied
    for source in copied:
        assert (PROJECT_ROOT / source).exists(), source
    ignored = {line.strip() for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert not {source.split("/")[0] for source in copied} & ignored


def test_the_entry_point_writes_the_channels_credentials_then_runs_the_command_in_its_place(tmp_path):
    entrypoint = DEPLOY / "entrypoint.sh"
    assert image().entrypoint == ["/usr/local/bin/assistant-entrypoint"]
    assert f"COPY --chmod=755 deploy/entrypoint.sh {image().entrypoint[0]}" in (DEPLOY / "Dockerfile").read_text()
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(PROJECT_ROOT),
        "VAR_DIR": str(tmp_path),
        "TELEGRAM_TOKEN": "123:abc",
        "TELEGRAM_SECRET_TOKEN": "s3cret",
    }
    process = subprocess.Popen(
        ["sh", str(entrypoint), "python", "-c", "import os; print(os.getpid())"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert int(out.strip()) == process.pid, "the command replaces the entry point (signals reach it)"
    written = yaml.safe_load((tmp_path / "credentials.yml").read_text())
    assert written["channels.telegram.channel.TelegramInput"] == {"token": "123:abc", "secret_token": "s3cret"}
    assert "channels.wechat.channel.WeChatInput" not in written


def test_the_entry_point_stops_on_a_bad_setting_instead_of_starting_the_process(tmp_path):
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "PYTHONPATH": str(PROJECT_ROOT),
           "VAR_DIR": str(tmp_path), "REDIS_URL": "http://not-redis"}
    result = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh"), "python", "-c", "print('started')"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "started" not in result.stdout
    assert "REDIS_URL must look like redis://" in result.stderr
