"""The launcher under fire: kill -9 each child and the embedded Redis under a steady load of users.

The real launcher (``python -m bot.ops.stack``) runs as its own process, as ``make run`` starts
it. For each part: a bounded load of REST users runs while the part is killed; the test counts
what every request got and waits for the launcher to bring the part back. Figures are printed
(docs/performance.md, "Faults") and the promises asserted: no HTTP 500, no request left
unanswered, the part back by itself, the bot answering again soon after. Requests that find no Rasa server
listening are refused, and the few in flight when it is killed are reset: the client sees both
and sends again (with its message id, so nothing is handled twice). Loops are bounded in
count and time; all traffic stays on loopback.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import psutil
import pytest

from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import free_port

pytestmark = pytest.mark.slow

# How each part shows in the process list, and the URL that says it is up again.
PARTS = {
    "action server": "actions.server",
    "agent console": "-m console",
    "embedded Redis": "redis-server",
    "Rasa server": "bot.ops.rasa_server",
}


@dataclass
class Launched:
    """The launcher process and what it was started with."""

    process: subprocess.Popen
    settings: Settings
    log: Path

    def child(self, part: str) -> psutil.Process | None:
        """The running process of ``part``, if there is one."""
        marker = PARTS[part]
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if marker in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                    return child
            except psutil.NoSuchProcess:
                continue
        return None


def _get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return 0


def _up(launched: Launched, part: str) -> bool:
    port = launched.settings
    urls = {
        "action server": f"http://127.0.0.1:{port.actions_port}/health",
        "agent console": f"http://127.0.0.1:{port.console_port}/healthz",
        "Rasa server": f"http://127.0.0.1:{port.rasa_port}/webhooks/rest/",
    }
    if part == "embedded Redis":
        return _get(urls["agent console"]) == 200  # the console's health is a Redis PING
    return _get(urls[part]) == 200


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[Launched]:
    """One launcher for the module: each test kills another part of it."""
    settings = replace(
        Settings.from_env({}),
        var_dir=tmp_path_factory.mktemp("launcher") / "var",
        redis_embedded_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        console_port=free_port(),
    )
    models = settings.var_dir / "models"
    models.mkdir(parents=True)
    (models / "assistant.tar.gz").symlink_to(trained_model)
    env = {
        **os.environ,
        "VAR_DIR": str(settings.var_dir),
        "RASA_PORT": str(settings.rasa_port),
        "ACTIONS_PORT": str(settings.actions_port),
        "CONSOLE_PORT": str(settings.console_port),
        "REDIS_EMBEDDED_PORT": str(settings.redis_embedded_port),
        "SERVICE_HOURS": "00:00-24:00",
    }
    env.pop("REDIS_URL", None)
    log = settings.var_dir / "launcher.log"
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot.ops.stack", "--no-train"], cwd=PROJECT_ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    running = Launched(process, settings, log)
    try:
        deadline = time.monotonic() + 300
        while not all(_up(running, part) for part in PARTS):
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the stack did not come up"
            time.sleep(0.5)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Load:
    """REST users asking an FAQ, each message from a new sender, until stopped (or a bound is hit)."""

    settings: Settings
    users: int = 4
    outcomes: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _send(self, sender: str) -> str:
        body = json.dumps({"sender": sender, "message": "密码怎么改"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.settings.rasa_port}/webhooks/rest/webhook",
                                         data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return "answered" if json.loads(response.read()) else "empty"
        except urllib.error.HTTPError as error:
            return str(error.code)
        except (urllib.error.URLError, ConnectionError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, ConnectionRefusedError):
                return "refused"  # nothing listens: the client knows to try again
            if isinstance(reason, (ConnectionResetError, BrokenPipeError, http.client.HTTPException)):
                return "reset"  # the process died holding the request: the client knows too
            return "no answer"
        except TimeoutError:
            return "no answer"

    def _user(self, number: int) -> None:
        for turn in range(2000):  # bounded even if never stopped
            if self._stop.is_set():
                return
            outcome = self._send(f"load-{number}-{turn}-{time.monotonic_ns()}")
            with self._lock:
                self.outcomes.append((time.monotonic(), outcome))
            if outcome in ("refused", "503"):
                time.sleep(0.2)  # as a client backs off before it retries

    def __enter__(self) -> Load:
        self._threads = [threading.Thread(target=self._user, args=(n,), daemon=True) for n in range(self.users)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(90)

    def since(self, moment: float) -> Counter:
        with self._lock:
            return Counter(outcome for at, outcome in self.outcomes if at >= moment)

    def first_answer_after(self, moment: float) -> float | None:
        with self._lock:
            return next((at for at, outcome in self.outcomes if at >= moment and outcome == "answered"), None)


def _kill_and_wait(launched: Launched, part: str, limit: float) -> tuple[float, float]:
    """kill -9 the part; seconds until it is back (a new process, healthy)."""
    victim = launched.child(part)
    assert victim is not None, f"no {part} running"
    killed_at = time.monotonic()
    victim.send_signal(signal.SIGKILL)
    while True:
        back = launched.child(part)
        if back is not None and back.pid != victim.pid and _up(launched, part):
            return killed_at, time.monotonic()
        assert launched.process.poll() is None, "the launcher gave up: " + launched.log.read_text(errors="replace")[-3000:]
        assert time.monotonic() - killed_at < limit, f"{part} was not back within {limit:.0f}s"
        time.sleep(0.1)


@pytest.mark.parametrize("part, limit", [
    ("action server", 60), ("agent console", 60), ("embedded Redis", 30), ("Rasa server", 240),
])
def test_a_killed_part_comes_back_by_itself_and_no_request_gets_a_500(launched, part, limit, capsys):
    with Load(launched.settings) as load:
        time.sleep(3)
        before = load.since(0)
        assert before["answered"] > 0, before
        killed_at, back_at = _kill_and_wait(launched, part, limit)
        time.sleep(8)
        answered_again = load.first_answer_after(back_at)
        during = load.since(killed_at)
    with capsys.disabled():
        again = f"{answered_again - back_at:.1f}s" if answered_again else "never"
        print(f"\nfault {part}: back after {back_at - killed_at:.1f}s, bot answering {again} later; "
              f"requests from the kill on: {dict(during)}")
    assert during["500"] == 0 and during["no answer"] == 0 and during["empty"] == 0, during
    # Only the killed Rasa server drops connections, and only as it dies: the request each user had in
    # flight, and a retry that reached the listening socket's queue in the same instant (seen in runs:
    # five resets for four users, all within 0.03 s of the kill). None once it is gone or back.
    resets = [at - killed_at for at, outcome in load.outcomes if outcome == "reset" and at >= killed_at]
    assert len(resets) <= (2 * load.users if part == "Rasa server" else 0), during
    assert all(after < 1.0 for after in resets), resets
    assert answered_again is not None and answered_again - back_at < 10, (during, answered_again)
    assert launched.process.poll() is None  # the launcher carried on
