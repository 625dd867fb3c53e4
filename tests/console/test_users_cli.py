"""``python -m console users …``: a user added on the command line can log in."""
import argparse
import io
import os
import subprocess
import sys

from bot.settings import PROJECT_ROOT
from console import users_cli
from console.__main__ import main
from tests.console.conftest import login


def run(argv, console_settings, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    parser = argparse.ArgumentParser()
    users_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["users", *argv])
    code = users_cli.run(args, settings=console_settings, stdin=io.StringIO(stdin), stdout=out, stderr=err,
                         prompt=lambda _: "prompted-password")
    return code, out.getvalue(), err.getvalue()


async def test_an_added_user_can_log_in(console_settings, client):
    code, out, _ = run(["add", "carol", "--role", "supervisor", "--display-name", "组长", "--password-stdin"],
                       console_settings, stdin="carol-password\n")
    assert code == 0 and "added carol (supervisor)" in out
    token = await login(client, "carol", "carol-password")
    assert token


async def test_the_password_can_be_prompted_and_changed(console_settings, client):
    assert run(["add", "dan"], console_settings)[0] == 0
    await login(client, "dan", "prompted-password")
    assert run(["passwd", "dan", "--password-stdin"], console_settings, stdin="another-password\n")[0] == 0
    await login(client, "dan", "another-password")


async def test_list_and_remove_end_sessions(console_settings, client):
    token = await login(client, "bob")
    code, out, _ = run(["list"], console_settings)
    assert code == 0 and any(line.split("\t")[:4] == ["bob", "agent", "bob", "-"] for line in out.splitlines())
    code, out, _ = run(["remove", "bob"], console_settings)
    assert code == 0 and "1 session(s) ended" in out
    assert (await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})).status == 401


def test_errors_are_messages_not_tracebacks(console_settings, user_store):
    assert run(["add", "eve", "--password-stdin"], console_settings, stdin="short\n")[:2] == (1, "")
    code, _, err = run(["add", "alice", "--password-stdin"], console_settings, stdin="long-enough-pw\n")
    assert code == 1 and "already exists" in err
    assert run(["remove", "ghost"], console_settings)[0] == 1


def test_the_module_entry_point(console_settings, user_store):
    env = {**os.environ, "REDIS_URL": console_settings.redis_url}
    added = subprocess.run([sys.executable, "-m", "console", "users", "add", "frank", "--password-stdin"],
                           input="frank-password\n", capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=60)
    assert added.returncode == 0, added.stderr
    assert user_store.verify("frank", "frank-password").role == "agent"
    bad = subprocess.run([sys.executable, "-m", "console", "users", "add", "x", "--role", "king"],
                         capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=60)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_main_without_redis_url_fails_cleanly(monkeypatch, capsys):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["users", "list"]) == 1
    assert "REDIS_URL" in capsys.readouterr().err


async def test_languages_are_set_when_adding_and_changed_later(console_settings, client):
    assert run(["add", "emma", "--languages", "en", "--password-stdin"], console_settings, stdin="emma-password\n")[0] == 0
    assert any(line.split("\t")[:4] == ["emma", "agent", "emma", "en"] for line in run(["list"], console_settings)[1].splitlines())
    code, out, _ = run(["languages", "emma", "en,zh"], console_settings)
    assert code == 0 and "emma speaks en,zh" in out
    code, _, err = run(["languages", "emma", "fr"], console_settings)
    assert code == 1 and "unknown language 'fr'" in err
    code, _, err = run(["languages", "nobody", "en"], console_settings)
    assert code == 1 and "no user 'nobody'" in err
    code, _, err = run(["add", "finn", "--languages", "de", "--password-stdin"], console_settings, stdin="finn-password\n")
    assert code == 1 and "unknown language 'de'" in err
