"""Console users in Redis: ``cs:console:user:<name>`` hashes (password hash, role, display name,
languages spoken as "en,zh": empty means the routing rules' default; teams whose tickets they work,
as "quality,product": empty means none)."""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import redis

from bot.language import SUPPORTED_LANGUAGES
from bot.service.ticket_rules import TEAMS
from bot.settings import Secret
from console.passwords import DEFAULT_COST, hash_password, verify_password

ROLES = ("agent", "supervisor", "editor")  # editors work the inbox of misunderstood messages
ADMIN = "admin"
MIN_PASSWORD_LENGTH = 8
USERS = "cs:console:users"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so a wrong name costs as long as a wrong password."""
    return hash_password("not a password", cost=DEFAULT_COST)


class UserError(ValueError):
    """A user cannot be added or changed as asked; the message says why."""


def user_key(username: str) -> str:
    """The Redis hash of one user."""
    return f"cs:console:user:{username}"


def parse_languages(languages: Iterable[str] | str) -> tuple[str, ...]:
    """``"en,zh"`` or ``["en", "zh"]`` → ``("en", "zh")``; UserError for a language the bot does not speak."""
    items = languages.split(",") if isinstance(languages, str) else list(languages)
    found: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise UserError(f"languages must be codes like {', '.join(SUPPORTED_LANGUAGES)}")
        code = item.strip().lower()
        if code and code not in SUPPORTED_LANGUAGES:
            raise UserError(f"unknown language {code!r}; use {' or '.join(SUPPORTED_LANGUAGES)}")
        if code and code not in found:
            found.append(code)
    return tuple(found)


def parse_teams(teams: Iterable[str] | str) -> tuple[str, ...]:
    """``"quality,product"`` or a list → ``("quality", "product")``; UserError for an unknown team."""
    items = teams.split(",") if isinstance(teams, str) else list(teams)
    found: list[str] = []
    for item in items:
        team = item.strip().lower() if isinstance(item, str) else None
        if team is None or (team and team not in TEAMS):
            raise UserError(f"unknown team {item!r}; use {', '.join(TEAMS)}")
        if team and team not in found:
            found.append(team)
    return tuple(found)


def normalize_username(username: str) -> str:
    """Usernames are lower-case; ``Alice`` logs in as ``alice``."""
    return (username or "").strip().lower()


@dataclass(frozen=True)
class User:
    """Who is at the console, and what they may do."""

    username: str
    role: str
    display_name: str
    languages: tuple[str, ...] = ()  # empty: the routing rules' default (Chinese)
    teams: tuple[str, ...] = ()  # ticket teams (data/service/tickets.yml) whose tickets they work

    @property
    def is_supervisor(self) -> bool:
        """Supervisors may act on any handoff and receive transfers."""
        return self.role == "supervisor"

    @property
    def is_editor(self) -> bool:
        """Editors (and supervisors) annotate misunderstood messages into data/."""
        return self.role in ("editor", "supervisor")

    def as_dict(self) -> dict:
        """The JSON form."""
        return {"username": self.username, "role": self.role, "display_name": self.display_name,
                "languages": list(self.languages), "teams": list(self.teams)}


class UserStore:
    """Add, find, verify and remove console users."""

    def __init__(self, client: redis.Redis, cost: int = DEFAULT_COST) -> None:
        self._redis = client
        self._cost = cost

    def add(
        self, username: str, password: str, role: str, display_name: str = "", languages: Iterable[str] = ()
    ) -> User:
        """Create a user; UserError if the name is taken or invalid, the role or a language unknown,
        the password empty."""
        name = self._valid_name(username)
        spoken = parse_languages(languages)
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if not password:
            raise UserError("the password must not be empty")
        fields = {
            "password": hash_password(password, self._cost),
            "role": role, "display_name": display_name or name, "languages": ",".join(spoken),
        }
        if not self._redis.hsetnx(user_key(name), "role", role):
            raise UserError(f"user {name!r} already exists")
        pipe = self._redis.pipeline()
        pipe.hset(user_key(name), mapping=fields)
        pipe.sadd(USERS, name)
        pipe.execute()
        return User(name, role, fields["display_name"], spoken)

    def set_languages(self, username: str, languages: Iterable[str]) -> User:
        """Change the languages a user speaks (empty: the default); UserError if there is no such user."""
        spoken = parse_languages(languages)
        user = self.get(username)
        if user is None:
            raise UserError(f"no user {normalize_username(username)!r}")
        self._redis.hset(user_key(user.username), "languages", ",".join(spoken))
        return self.get(user.username) or user

    def set_teams(self, username: str, teams: Iterable[str]) -> User:
        """Change the ticket teams a user works in (empty: none); UserError for an unknown team or user."""
        chosen = parse_teams(teams)
        user = self.get(username)
        if user is None:
            raise UserError(f"no user {normalize_username(username)!r}")
        self._redis.hset(user_key(user.username), "teams", ",".join(chosen))
        return self.get(user.username) or user

    def set_password(self, username: str, password: str) -> None:
        """Change a user's password; UserError if there is no such user."""
        name = normalize_username(username)
        if not password:
            raise UserError("the password must not be empty")
        if self.get(name) is None:
            raise UserError(f"no user {name!r}")
        self._redis.hset(user_key(name), "password", hash_password(password, self._cost))

    def get(self, username: str) -> User | None:
        """The user, or None."""
        name = normalize_username(username)
        if not _NAME.match(name):
            return None
        fields = self._redis.hgetall(user_key(name))
        if not fields.get("role"):
            return None
        spoken = tuple(code for code in (fields.get("languages") or "").split(",") if code)
        teams = tuple(team for team in (fields.get("teams") or "").split(",") if team)
        return User(name, fields["role"], fields.get("display_name") or name, spoken, teams)

    def all(self) -> list[User]:
        """Every user, by name."""
        users = (self.get(name) for name in sorted(self._redis.smembers(USERS)))
        return [user for user in users if user is not None]

    def remove(self, username: str) -> bool:
        """Delete a user; False if there was none."""
        name = normalize_username(username)
        pipe = self._redis.pipeline()
        pipe.delete(user_key(name))
        pipe.srem(USERS, name)
        deleted, _ = pipe.execute()
        return bool(deleted)

    def verify(self, username: str, password: str) -> User | None:
        """The user when ``password`` is theirs, else None (taking as long either way)."""
        name = normalize_username(username)
        stored = self._redis.hget(user_key(name), "password") if _NAME.match(name) else None
        matches = verify_password(password or "", stored or _dummy_hash())
        return self.get(name) if stored and matches else None

    def bootstrap_admin(self, password: Secret) -> str:
        """Make sure ``admin`` (supervisor) exists and knows the configured password.

        The password is re-applied only when the configured one changed since the last start,
        so a password set later with ``users passwd admin`` survives restarts. Returns
        ``created``, ``updated`` or ``unchanged``.
        """
        key = user_key(ADMIN)
        if self.get(ADMIN) is None:
            self.add(ADMIN, password.reveal(), "supervisor", "管理员 Admin")
            self._redis.hset(key, "bootstrap", self._redis.hget(key, "password") or "")
            return "created"
        if verify_password(password.reveal(), self._redis.hget(key, "bootstrap") or ""):
            return "unchanged"
        hashed = hash_password(password.reveal(), self._cost)
        self._redis.hset(key, mapping={"password": hashed, "bootstrap": hashed, "role": "supervisor"})
        return "updated"

    @staticmethod
    def _valid_name(username: str) -> str:
        name = normalize_username(username)
        if not _NAME.match(name):
            raise UserError(
                "a username is 1-32 characters: a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
            )
        return name
