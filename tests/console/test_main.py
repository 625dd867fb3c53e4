"""``python -m console`` serves the console until it is told to stop."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from bot.settings import PROJECT_ROOT
from tests.console.conftest import ADMIN_PASSWORD


def wait_for(url, deadline):
    while time.monotonic() < deadline:
        try:
            return urllib.request.urlopen(url, timeout=2)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_serving_logging_in_and_stopping(console_settings):
    env = {**os.environ, "REDIS_URL": console_settings.redis_url, "CONSOLE_PORT": str(console_settings.console_port),
           "VAR_DIR": str(console_settings.var_dir), "CONSOLE_ADMIN_PASSWORD": ADMIN_PASSWORD}
    base = f"http://127.0.0.1:{console_settings.console_port}"
    process = subprocess.Popen([sys.executable, "-m", "console"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert json.load(wait_for(base + "/healthz", time.monotonic() + 60)) == {"status": "ok", "redis": True}
        request = urllib.request.Request(base + "/api/login", method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"username": "admin", "password": ADMIN_PASSWORD}).encode())
        token = json.load(urllib.request.urlopen(request, timeout=5))["token"]
        stream = urllib.request.urlopen(f"{base}/api/stream?token={token}", timeout=5)
        assert stream.readline() == b"retry: 3000\n"
        stream.close()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/api/me?token={token}", timeout=5)
        assert refused.value.code == 401  # the query token is for the stream only
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert '"GET /api/me" 401' in output and token not in output  # access log without the query string
