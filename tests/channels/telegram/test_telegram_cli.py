"""``python -m channels.telegram``: registering and removing the webhook, against the Bot API stand-in."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from channels.telegram.cli import ALLOWED_UPDATES, main
from tests.channels.conftest import SECRET, TOKEN

URL = "https://bot.example.com/webhooks/telegram/webhook"
PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def environ(bot_api):
    return {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET, "TELEGRAM_API_BASE_URL": bot_api.base_url}


def test_set_webhook_registers_the_url_with_the_secret_and_the_update_kinds(bot_api, environ):
    out = io.StringIO()
    assert main(["set-webhook", "--url", URL], environ, out) == 0
    [call] = bot_api.calls_of("setWebhook")
    assert call.params["url"] == URL
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ALLOWED_UPDATES == ["message", "edited_message", "callback_query"]
    assert URL in out.getvalue() and TOKEN not in out.getvalue() and SECRET not in out.getvalue()


def test_webhook_info_and_delete_webhook(bot_api, environ):
    main(["set-webhook", "--url", URL], environ, io.StringIO())
    out = io.StringIO()
    assert main(["webhook-info"], environ, out) == 0
    assert f"url: {URL}" in out.getvalue() and "message, edited_message, callback_query" in out.getvalue()
    assert main(["delete-webhook", "--drop-pending-updates"], environ, io.StringIO()) == 0
    assert bot_api.calls_of("deleteWebhook")[0].params["drop_pending_updates"] in (True, "true", "True")
    out = io.StringIO()
    main(["webhook-info"], environ, out)
    assert "url: (none)" in out.getvalue()


@pytest.mark.parametrize("argv, change, message", [
    (["set-webhook", "--url", "http://bot.example.com/webhooks/telegram/webhook"], {}, "https://"),
    (["set-webhook", "--url", URL], {"TELEGRAM_SECRET_TOKEN": ""}, "TELEGRAM_SECRET_TOKEN is not set"),
    (["set-webhook", "--url", URL], {"TELEGRAM_SECRET_TOKEN": "has spaces!"}, "may only hold"),
    (["set-webhook", "--url", URL, "--max-connections", "500"], {}, "--max-connections"),
    (["delete-webhook"], {"TELEGRAM_TOKEN": ""}, "TELEGRAM_TOKEN is not set"),
])
def test_bad_settings_are_refused_before_calling_telegram(bot_api, environ, capsys, argv, change, message):
    assert main(argv, {**environ, **change}, io.StringIO()) == 2
    assert message in capsys.readouterr().err
    assert bot_api.calls == []


def test_a_rejected_token_is_a_clear_error_without_the_token(bot_api, environ, capsys):
    assert main(["webhook-info"], {**environ, "TELEGRAM_TOKEN": "999:not-the-token"}, io.StringIO()) == 1
    err = capsys.readouterr().err
    assert "rejected TELEGRAM_TOKEN" in err and "not-the-token" not in err


def test_the_module_runs_as_a_command(bot_api, environ):
    env = {**os.environ, **environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run([sys.executable, "-m", "channels.telegram", "set-webhook", "--url", URL],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "webhook set" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    assert bot_api.calls_of("setWebhook")[0].params["url"] == URL
