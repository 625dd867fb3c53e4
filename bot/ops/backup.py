"""Back up and restore everything the assistant keeps in Redis, one command each.

``python -m bot.ops.backup save FILE`` writes every ``cs:*`` key — conversations (Rasa's trackers),
handoffs, tickets, ratings, console users, outbox — with its remaining time to live into one
gzip file of JSON lines (DUMP payloads in base64). ``python -m bot.ops.backup restore FILE`` puts
them back with RESTORE … REPLACE; ``--clean`` first deletes the ``cs:*`` keys the file does not
have. Both use REDIS_URL, else the embedded Redis (see ``bot.ops.redis_client.command_line_redis``).

The file holds personal data (trackers keep what customers wrote), so it is created mode 600.
A backup is taken key by key while the service runs: each key is consistent, the whole is not
one instant. Restore into the same Redis version or a newer one (DUMP's format is versioned).
"""
from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis

PATTERN = "cs:*"
FORMAT = "cs-redis-backup"
VERSION = 1
_CHUNK = 500


class BackupError(RuntimeError):
    """The file is not a backup this program wrote, or it is damaged."""


@dataclass(frozen=True)
class Summary:
    """What a save or restore did."""

    keys: int
    skipped: int = 0  # keys that expired or vanished midway
    deleted: int = 0  # keys removed by restore --clean


def _scan(client: redis.Redis) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for key in client.scan_iter(match=PATTERN, count=1000):
        batch.append(key if isinstance(key, bytes) else key.encode())
        if len(batch) >= _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def save(client: redis.Redis, path: Path) -> Summary:
    """Write every ``cs:*`` key with its TTL to ``path`` (gzip, JSON lines, mode 600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    keys = skipped = 0
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb") as out:
            header = {"format": FORMAT, "version": VERSION, "created_at": time.time(), "pattern": PATTERN}
            out.write((json.dumps(header) + "\n").encode())
            for batch in _scan(client):
                pipe = client.pipeline(transaction=False)
                for key in batch:
                    pipe.dump(key)
                    pipe.pttl(key)
                answers = pipe.execute()
                for key, payload, ttl in zip(batch, answers[0::2], answers[1::2], strict=False):
                    if payload is None or ttl == -2 or ttl == 0:
                        skipped += 1
                        continue
                    line = {"key": base64.b64encode(key).decode(), "ttl_ms": ttl if ttl > 0 else 0,
                            "dump": base64.b64encode(payload).decode()}
                    out.write((json.dumps(line) + "\n").encode())
                    keys += 1
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Summary(keys=keys, skipped=skipped)


def _entries(path: Path) -> Iterator[tuple[bytes, int, bytes]]:
    try:
        with gzip.open(path, "rb") as source:
            first = source.readline()
            try:
                header = json.loads(first)
            except ValueError:
                raise BackupError(f"{path} is not a backup written by `python -m bot.ops.backup save`") from None
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise BackupError(f"{path} is not a backup written by `python -m bot.ops.backup save`")
            if header.get("version") != VERSION:
                raise BackupError(f"{path} has backup format version {header.get('version')}, this program reads {VERSION}")
            for number, line in enumerate(source, start=2):
                try:
                    entry = json.loads(line)
                    yield base64.b64decode(entry["key"]), int(entry["ttl_ms"]), base64.b64decode(entry["dump"])
                except (ValueError, KeyError, TypeError):
                    raise BackupError(f"{path}: line {number} is damaged") from None
    except (OSError, EOFError) as error:
        if isinstance(error, FileNotFoundError):
            raise BackupError(f"{path}: no such file") from None
        raise BackupError(f"{path} cannot be read as a gzip backup: {error}") from None


def restore(client: redis.Redis, path: Path, clean: bool = False) -> Summary:
    """Put every key of the backup back (RESTORE … REPLACE, with its remaining TTL).

    The whole file is checked before anything is written; ``clean`` then deletes the ``cs:*``
    keys that the backup does not contain.
    """
    entries = list(_entries(Path(path)))
    wanted = {key for key, _, _ in entries}
    deleted = 0
    if clean:
        for batch in _scan(client):
            extra = [key for key in batch if key not in wanted]
            if extra:
                deleted += client.delete(*extra)
    for start in range(0, len(entries), _CHUNK):
        pipe = client.pipeline(transaction=False)
        for key, ttl, payload in entries[start:start + _CHUNK]:
            pipe.restore(key, ttl, payload, replace=True)
        pipe.execute()
    return Summary(keys=len(entries), deleted=deleted)


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.ops.backup save FILE`` / ``python -m bot.ops.backup restore FILE [--clean]``."""
    from bot.ops.redis_client import command_line_redis
    from bot.ops.redis_server import EmbeddedRedisError
    from bot.settings import Settings, SettingsError

    parser = argparse.ArgumentParser(prog="python -m bot.ops.backup", description="Back up or restore the Redis data.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("save", help="write every cs:* key to FILE").add_argument("file", type=Path)
    restore_parser = commands.add_parser("restore", help="put the keys of FILE back (replacing)")
    restore_parser.add_argument("file", type=Path)
    restore_parser.add_argument("--clean", action="store_true", help="first delete cs:* keys the file does not have")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        with command_line_redis(settings, decode_responses=False) as client:
            if args.command == "save":
                summary = save(client, args.file)
                print(f"{summary.keys} key(s) saved to {args.file}"
                      + (f" ({summary.skipped} expired while saving)" if summary.skipped else ""))
            else:
                summary = restore(client, args.file, clean=args.clean)
                print(f"{summary.keys} key(s) restored from {args.file}"
                      + (f", {summary.deleted} other key(s) deleted" if args.clean else ""))
    except (BackupError, EmbeddedRedisError, SettingsError, redis.RedisError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
