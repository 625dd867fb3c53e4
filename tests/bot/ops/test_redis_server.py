"""The embedded Redis is a real redis-server: start, persistence, crash recovery, REDIS_URL."""
import os
import signal
import subprocess
import sys
from dataclasses import replace

import psutil
import pytest
import redis

from bot.ops.redis_client import rasa_store_env, start_redis
from bot.ops.redis_server import EmbeddedRedis, EmbeddedRedisError
from tests.conftest import free_port


def test_starts_a_real_server_with_append_only_persistence(embedded_redis, redis_client):
    assert redis_client.ping()
    assert redis_client.config_get("appendonly")["appendonly"] == "yes"
    assert redis_client.info("server")["redis_version"].startswith("6.")


def test_a_second_start_reuses_the_data(tmp_path):
    port = free_port()
    first = EmbeddedRedis(data_dir=tmp_path / "r", port=port)
    first.start()
    redis.Redis.from_url(first.url).set("conversation", "kept")
    first.stop()
    second = EmbeddedRedis(data_dir=tmp_path / "r", port=port)
    second.start()
    try:
        assert redis.Redis.from_url(second.url).get("conversation") == b"kept"
    finally:
        second.stop()


def test_a_crash_leaves_nothing_that_blocks_the_next_start(tmp_path):
    port = free_port()
    server = EmbeddedRedis(data_dir=tmp_path / "r", port=port)
    server.start()
    redis.Redis.from_url(server.url).set("ticket", "T-1")
    pid = int((tmp_path / "r" / "redis.pid").read_text())
    os.kill(pid, signal.SIGKILL)  # a crash: no shutdown, the pidfile stays behind
    psutil.Process(pid).wait(5) if psutil.pid_exists(pid) else None
    assert (tmp_path / "r" / "redis.pid").exists()
    restarted = EmbeddedRedis(data_dir=tmp_path / "r", port=port)
    restarted.start()
    try:
        assert redis.Redis.from_url(restarted.url).get("ticket") == b"T-1"
    finally:
        restarted.stop()


def test_a_stale_pidfile_naming_a_live_process_is_not_killed(tmp_path):
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        data_dir = tmp_path / "r"
        data_dir.mkdir()
        (data_dir / "redis.pid").write_text(str(bystander.pid))
        server = EmbeddedRedis(data_dir=data_dir, port=free_port())
        server.start()
        server.stop()
        assert bystander.poll() is None, "start/stop must only touch the process it started"
    finally:
        bystander.kill()
        bystander.wait()


def test_reuses_a_running_server_on_the_same_directory_without_owning_it(embedded_redis):
    again = EmbeddedRedis(data_dir=embedded_redis.data_dir, port=embedded_redis.port)
    assert again.start() == embedded_redis.url
    assert not again.owned
    again.stop()  # must not stop the other one's server
    assert redis.Redis.from_url(embedded_redis.url).ping()


def test_refuses_a_port_held_by_another_redis(embedded_redis, tmp_path):
    intruder = EmbeddedRedis(data_dir=tmp_path / "other", port=embedded_redis.port)
    with pytest.raises(EmbeddedRedisError, match=r"port .* is taken"):
        intruder.start()


def test_with_redis_url_no_embedded_server_is_started(settings, embedded_redis):
    before = {p.pid for p in psutil.process_iter(["name"]) if "redis-server" in (p.info["name"] or "")}
    url, embedded = start_redis(replace(settings, redis_url=embedded_redis.url))
    after = {p.pid for p in psutil.process_iter(["name"]) if "redis-server" in (p.info["name"] or "")}
    assert url == embedded_redis.url
    assert embedded is None
    assert after == before
    assert not settings.redis_dir.exists()


def test_without_redis_url_the_embedded_server_lives_under_var(settings):
    url, embedded = start_redis(settings)
    try:
        assert embedded is not None and embedded.owned
        assert redis.Redis.from_url(url).ping()
        assert (settings.var_dir / "redis" / "redis.log").exists()
    finally:
        embedded.stop()


def test_rasa_store_environment_is_derived_from_the_url():
    env = rasa_store_env("redis://:pw@127.0.0.1:6390/4")
    assert env["REDIS_HOST"] == "127.0.0.1"
    assert env["REDIS_PORT"] == "6390"
    assert env["REDIS_DB"] == "4"
    assert env["REDIS_PASSWORD"] == "pw"
