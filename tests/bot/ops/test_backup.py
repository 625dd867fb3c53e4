"""Backup and restore of every cs:* key, with TTLs, into the same or another Redis."""
import gzip
import json
import os
import stat

import pytest
import redis

from bot.ops import backup
from bot.ops.redis_server import EmbeddedRedis
from tests.conftest import free_port


@pytest.fixture
def raw(embedded_redis):
    client = redis.Redis.from_url(embedded_redis.url)
    yield client
    client.close()


@pytest.fixture
def other_redis(tmp_path):
    server = EmbeddedRedis(data_dir=tmp_path / "other", port=free_port())
    server.start()
    client = redis.Redis.from_url(server.url)
    yield client
    client.close()
    server.stop()


def fill(client):
    client.set("cs:handoff:h1", json.dumps({"summary": "快递没到"}))
    client.rpush("cs:handoff:h1:transcript", "a", "b")
    client.hset("cs:ticket:T1", mapping={"status": '"open"', "summary": '"x"'})
    client.zadd("cs:tickets", {"T1": 1.5})
    client.xadd("cs:ratings", {"rating": 5})
    client.sadd("cs:console:assigned", "h1")
    client.set("cs:seen:rest:m1", 1, ex=3600)
    client.set(b"cs:binary:\xff", b"\x00\x01")
    client.set("other:app", "not ours")


def test_save_and_restore_into_another_redis(raw, other_redis, tmp_path):
    fill(raw)
    path = tmp_path / "backup.jsonl.gz"
    summary = backup.save(raw, path)
    assert summary.keys == 8
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert backup.restore(other_redis, path).keys == 8
    assert other_redis.get("cs:handoff:h1") == raw.get("cs:handoff:h1")
    assert other_redis.lrange("cs:handoff:h1:transcript", 0, -1) == [b"a", b"b"]
    assert other_redis.hgetall("cs:ticket:T1") == raw.hgetall("cs:ticket:T1")
    assert other_redis.zrange("cs:tickets", 0, -1, withscores=True) == [(b"T1", 1.5)]
    assert other_redis.xrange("cs:ratings") == raw.xrange("cs:ratings")
    assert other_redis.get(b"cs:binary:\xff") == b"\x00\x01"
    assert 3500 < other_redis.ttl("cs:seen:rest:m1") <= 3600
    assert other_redis.ttl("cs:handoff:h1") == -1
    assert other_redis.get("other:app") is None  # only cs:* is backed up


def test_restore_replaces_and_clean_deletes_what_the_backup_lacks(raw, tmp_path):
    fill(raw)
    path = tmp_path / "b.gz"
    backup.save(raw, path)
    raw.set("cs:handoff:h1", "changed")
    raw.set("cs:new", "after the backup")
    backup.restore(raw, path)
    assert json.loads(raw.get("cs:handoff:h1")) == {"summary": "快递没到"}
    assert raw.get("cs:new") == b"after the backup"
    assert backup.restore(raw, path, clean=True).deleted == 1
    assert raw.get("cs:new") is None and raw.get("other:app") == b"not ours"


def test_a_file_that_is_not_a_backup_changes_nothing(raw, tmp_path):
    raw.set("cs:keep", "1")
    not_gzip = tmp_path / "plain.txt"
    not_gzip.write_text("hello")
    with pytest.raises(backup.BackupError):
        backup.restore(raw, not_gzip, clean=True)
    damaged = tmp_path / "damaged.gz"
    with gzip.open(damaged, "wt") as handle:
        handle.write(json.dumps({"format": backup.FORMAT, "version": backup.VERSION}) + "\n{broken\n")
    with pytest.raises(backup.BackupError, match="line 2"):
        backup.restore(raw, damaged, clean=True)
    with pytest.raises(backup.BackupError, match="no such file"):
        backup.restore(raw, tmp_path / "missing.gz")
    assert raw.get("cs:keep") == b"1"


def test_the_commands_use_redis_url(raw, embedded_redis, monkeypatch, tmp_path, capsys):
    fill(raw)
    monkeypatch.setenv("REDIS_URL", embedded_redis.url)
    path = tmp_path / "cmd.gz"
    assert backup.main(["save", str(path)]) == 0
    raw.flushdb()
    assert backup.main(["restore", str(path)]) == 0
    assert raw.exists("cs:ticket:T1")
    assert "8 key(s) restored" in capsys.readouterr().out
    assert backup.main(["restore", str(tmp_path / "nope.gz")]) == 1


def test_without_redis_url_the_commands_use_the_embedded_redis(settings, monkeypatch, tmp_path):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("REDIS_EMBEDDED_PORT", str(settings.redis_embedded_port))
    server = EmbeddedRedis(data_dir=settings.redis_dir, port=settings.redis_embedded_port)
    server.start()
    try:
        client = redis.Redis.from_url(server.url)
        client.set("cs:from-embedded", "yes")
        path = tmp_path / "embedded.gz"
        assert backup.main(["save", str(path)]) == 0
        client.delete("cs:from-embedded")
        assert backup.main(["restore", str(path)]) == 0
        assert client.get("cs:from-embedded") == b"yes"
        client.close()
    finally:
        server.stop()
