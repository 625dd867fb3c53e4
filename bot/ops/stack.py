"""Start the whole product and stop it cleanly: ``python -m bot.ops.stack`` (what ``make run`` does).

Order: Redis (embedded unless REDIS_URL is set) → model (trained only if its inputs
changed) → action server → Rasa server → agent console. Each is waited on until healthy.
A child that crashes (the embedded Redis included) is restarted with backoff
(bot/ops/supervisor.py); only Ctrl-C, SIGTERM or a crash loop stop everything, the children in
reverse order; nothing is left running.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot import log_masking
from bot.knowledge.training import ensure_model, rasa_environment
from bot.ops.credentials import disabled_channels, load_config, write_credentials
from bot.ops.redis_client import rasa_store_env, start_redis
from bot.ops.redis_server import EmbeddedRedis
from bot.ops.supervisor import CrashLoop, RestartPolicy, Supervised, Supervisor
from bot.settings import Settings, SettingsError

logger = logging.getLogger("bot.ops.stack")
# The Rasa processes' logging: personal data masked in every line (bot/log_masking.py).
LOGGING_CONFIG = "logging.yml"


class StackError(RuntimeError):
    """A process of the stack failed to start or become healthy."""


@dataclass
class Service:
    """One child process and how to tell it is ready."""

    name: str
    command: list[str]
    health_url: str
    log_path: Path
    # Added to the environment of this service only (a secret it needs, kept off its command line).
    extra_env: dict[str, str] = field(default_factory=dict, repr=False)
    process: subprocess.Popen | None = field(default=None, repr=False)
    _launch: tuple[dict[str, str], Path] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str], cwd: Path) -> None:
        """Launch the process in its own session, logging to ``log_path``."""
        self._launch = (env, cwd)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=cwd,
                env={**env, **self.extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # signals come from us, in order, not from the terminal
            )

    def exit_code(self) -> int | None:
        """The exit code if the process ended on its own, else None."""
        return self.process.poll() if self.process is not None else None

    def relaunch(self) -> None:
        """Start the process again as it was first started (the supervisor waits for its health)."""
        if self._launch is None:
            raise StackError(f"{self.name} was never started")
        self.start(*self._launch)

    def wait_healthy(self, timeout: float, stop_event: threading.Event) -> None:
        """Poll ``health_url`` until it answers 200; raise StackError if the process dies or times out.

        A service without a ``health_url`` (one serving no HTTP, like the scheduler) is ready once
        it has run for a second.
        """
        deadline = time.monotonic() + timeout
        started = time.monotonic()
        while time.monotonic() < deadline and not stop_event.is_set():
            assert self.process is not None
            if self.process.poll() is not None:
                raise StackError(f"{self.name} exited with code {self.process.returncode}; see {self.log_path}")
            if not self.health_url:
                if time.monotonic() - started >= 1.0:
                    return
                stop_event.wait(0.2)
                continue
            try:
                with urllib.request.urlopen(self.health_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            stop_event.wait(0.3)
        if not stop_event.is_set():
            raise StackError(f"{self.name} was not healthy after {timeout:.0f}s; see {self.log_path}")

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``, to the whole process group."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in %.0fs; killing it", self.name, timeout)
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def build_services(settings: Settings, rasa_token: str, model: Path, credentials: Path | None = None) -> list[Service]:
    """The Python services, in start order."""
    python = sys.executable
    logs = settings.var_dir / "logs"
    logging_config = settings.project_root / LOGGING_CONFIG
    local = "127.0.0.1"
    return [
        Service(
            name="action server",
            command=[
                python, "-m", "actions.server", "--port", str(settings.actions_port),
                # rasa_sdk spells this option with an underscore.
                "--logging-config_file", str(logging_config),
            ],
            health_url=f"http://{local}:{settings.actions_port}/health",
            log_path=logs / "actions.log",
        ),
        Service(
            name="Rasa server",
            command=[
                # `rasa run` with two measured fixes: the action server's replies checked by a
                # validator built once, and one OpenMP thread for the e5 featurizer (bot/ops/rasa_server.py).
                python, "-m", "bot.ops.rasa_server", "run",
                "--model", str(model),
                "--endpoints", str(settings.project_root / "endpoints.yml"),
                "--credentials", str(credentials or settings.project_root / "credentials.yml"),
                "--port", str(settings.rasa_port),
                "--interface", settings.host,
                "--enable-api",
                "--logging-config-file", str(logging_config),
                # The API token comes from RASA_API_TOKEN (extra_env), never the command line: `ps` shows that.
            ],
            extra_env={"RASA_API_TOKEN": rasa_token},
            health_url=f"http://{local}:{settings.rasa_port}/status?token={rasa_token}",
            log_path=logs / "rasa.log",
        ),
        Service(
            name="agent console",
            command=[python, "-m", "console"],
            health_url=f"http://{local}:{settings.console_port}/healthz",
            log_path=logs / "console.log",
        ),
        Service(
            # Ticket follow-ups and return visits; several instances run one (a lease in Redis).
            name="scheduler",
            command=[python, "-m", "bot.ops.scheduler"],
            health_url="",
            log_path=logs / "scheduler.log",
        ),
    ]


def service_environment(settings: Settings, redis_url: str) -> dict[str, str]:
    """What every child process is started with: the Redis address, the ports, var/."""
    env = rasa_environment(settings)
    env.update(rasa_store_env(redis_url))
    env.update(
        {
            "ACTIONS_PORT": str(settings.actions_port),
            "ACTION_ENDPOINT_URL": settings.action_webhook_url,
            "RASA_PORT": str(settings.rasa_port),
            "CONSOLE_PORT": str(settings.console_port),
            "VAR_DIR": str(settings.var_dir),
            "TRACKER_RECORD_EXP": str(settings.tracker_retention_days * 86400),
            "PYTHONUNBUFFERED": "1",
            # Rasa servers fetch the live model from the console (bot/ops/rasa_server.py: with_model_server).
            "MODEL_SERVER_URL": settings.model_server_url or f"http://127.0.0.1:{settings.console_port}/models/current",
            "MODEL_PULL_SECONDS": str(settings.model_pull_seconds),
        }
    )
    return env


class Stack:
    """The running product: Redis plus the services, started and stopped together."""

    def __init__(self, settings: Settings, train: bool = True, model: Path | None = None) -> None:
        self.settings = settings
        self.train = train
        self.model = model
        self.redis_url: str | None = None
        self.embedded_redis: EmbeddedRedis | None = None
        self.services: list[Service] = []
        self.env: dict[str, str] = {}
        self.stop_event = threading.Event()

    def start(self, on_phase: Callable[[str], None] = lambda _: None) -> None:
        """Bring everything up and wait until each part is healthy; on failure stop what started."""
        try:
            on_phase("starting Redis")
            self.redis_url, self.embedded_redis = start_redis(self.settings)
            on_phase("checking the model")
            model = self.model or (ensure_model(self.settings) if self.train else _existing_model(self.settings))
            token = self.settings.resolved_rasa_api_token().reveal()
            self.settings.resolved_console_admin_password()  # generated once, so the banner can point at it
            env = service_environment(self.settings, self.redis_url)
            self.env = env
            credentials = write_credentials(self.settings)
            for channel, missing in disabled_channels(load_config(self.settings), os.environ).items():
                logger.info("channel %s is off: %s not set", channel, ", ".join(missing))
            self.services = build_services(self.settings, token, model, credentials)
            for service in self.services:
                on_phase(f"starting the {service.name}")
                service.start(env, self.settings.project_root)
                service.wait_healthy(timeout=180, stop_event=self.stop_event)
        except BaseException:
            self.stop()
            raise

    def service(self, name: str) -> Service:
        """The service called ``name`` (e.g. "action server")."""
        return next(s for s in self.services if s.name == name)

    def restart(self, name: str) -> None:
        """Stop and start one service with the environment the stack gave it, and wait until healthy."""
        service = self.service(name)
        service.stop()
        service.start(self.env, self.settings.project_root)
        service.wait_healthy(timeout=180, stop_event=threading.Event())

    def supervisor(self, policy: RestartPolicy | None = None) -> Supervisor:
        """Watches the embedded Redis (when ours) and every service, restarting what crashes."""
        children: list[Supervised] = list(self.services)
        if self.embedded_redis is not None and self.embedded_redis.owned:
            children.insert(0, _RedisChild(self.embedded_redis))
        return Supervisor(children, policy or RestartPolicy())

    def stop(self) -> None:
        """Stop services in reverse start order, then the embedded Redis."""
        self.stop_event.set()
        for service in reversed(self.services):
            service.stop()
        if self.embedded_redis is not None:
            self.embedded_redis.stop()
            self.embedded_redis = None


class _RedisChild:
    """The embedded Redis as the supervisor sees it."""

    name = "embedded Redis"

    def __init__(self, server: EmbeddedRedis) -> None:
        self._server = server

    def exit_code(self) -> int | None:
        return self._server.exit_code()

    def relaunch(self) -> None:
        self._server.start()


def _existing_model(settings: Settings) -> Path:
    from bot.knowledge.training import model_path

    path = model_path(settings)
    if not path.exists():
        raise StackError(f"no trained model at {path}; run `make train`")
    return path


def _banner(settings: Settings, redis_url: str) -> str:
    password_note = (
        "the password in CONSOLE_ADMIN_PASSWORD"
        if settings.console_admin_password
        else f"the password in {settings.var_dir / 'console_admin_password'}"
    )
    return "\n".join(
        [
            "",
            "The customer-service assistant is running:",
            f"  Web chat        http://127.0.0.1:{settings.rasa_port}/chat",
            f"  REST webhook    http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook",
            f"  Rasa HTTP API   http://127.0.0.1:{settings.rasa_port}/  (token in RASA_API_TOKEN or var/rasa_api_token)",
            f"  Action server   http://127.0.0.1:{settings.actions_port}/health",
            f"  Agent console   http://127.0.0.1:{settings.console_port}/  (user admin, {password_note})",
            f"  Redis           {_without_password(redis_url)}",
            "  Scheduler       ticket follow-ups and return visits (var/logs/scheduler.log)",
            "Logs are in var/logs/. Press Ctrl-C to stop everything.",
            "",
        ]
    )


def _without_password(url: str) -> str:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":****@")
    return url


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Run the assistant: Redis, action server, Rasa, console.")
    parser.add_argument("--no-train", action="store_true", help="serve the existing model, never train")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log_masking.install()
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    stack = Stack(settings, train=not args.no_train)
    stopping = threading.Event()

    def request_stop(signum, _frame) -> None:
        logger.info("received %s, stopping", signal.Signals(signum).name)
        stopping.set()
        stack.stop_event.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.start(on_phase=lambda phase: logger.info("%s…", phase))
        if stopping.is_set():
            return 0
        assert stack.redis_url is not None
        print(_banner(settings, stack.redis_url), flush=True)
        supervisor = stack.supervisor()
        while not stopping.wait(1.0):
            try:
                supervisor.check()
            except CrashLoop as error:
                logger.error("giving up: %s; stopping everything (logs in %s)", error, settings.var_dir / "logs")
                return 1
        return 0
    except (StackError, SettingsError, subprocess.CalledProcessError) as error:
        logger.error("could not start: %s", error)
        return 1
    finally:
        stack.stop()
        logger.info("stopped")


if __name__ == "__main__":
    sys.exit(main())
