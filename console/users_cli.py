"""``python -m console users add|list|remove|passwd|languages|teams``: manage who may log in to the console."""
from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from bot.ops.redis_client import connect
from bot.settings import Settings, SettingsError
from console.tokens import TokenStore
from console.users import MIN_PASSWORD_LENGTH, ROLES, UserError, UserStore, parse_languages, parse_teams


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add the ``users`` command and its subcommands to the console's parser."""
    users = commands.add_parser("users", help="add, list, remove console users or change a password")
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--display-name", default="", help="shown to colleagues, e.g. 客服小王")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--languages", default="", help="languages the agent speaks, e.g. en,zh (default: zh)")
    actions.add_parser("list", help="list users")
    remove = actions.add_parser("remove", help="remove a user and end their sessions")
    remove.add_argument("name")
    passwd = actions.add_parser("passwd", help="change a user's password")
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    languages = actions.add_parser("languages", help="set the languages a user speaks (handoffs are routed by them)")
    languages.add_argument("name")
    languages.add_argument("codes", help="e.g. en,zh; an empty string for the default (zh)")
    teams = actions.add_parser("teams", help="set the ticket teams a user works in (they see those teams' tickets)")
    teams.add_argument("name")
    teams.add_argument("teams", help="e.g. quality,product (quality, product, technical, agents); an empty string for none")


def _password(from_stdin: bool, stdin: TextIO, prompt: Callable[[str], str]) -> str:
    if from_stdin:
        password = stdin.readline().rstrip("\r\n")
    else:
        password = prompt("Password: ")
        if prompt("Repeat password: ") != password:
            raise UserError("the passwords do not match")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    return password


def run(
    args: argparse.Namespace,
    settings: Settings | None = None,
    users: UserStore | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
) -> int:
    """Carry out one ``users`` subcommand; 0 on success, 1 with a message on stderr otherwise."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    try:
        client = connect(settings or Settings.from_env())
        store = users or UserStore(client)
        if args.action == "add":
            password = _password(args.password_stdin, stdin, prompt)
            user = store.add(args.name, password, args.role, args.display_name, parse_languages(args.languages))
            print(f"added {user.username} ({user.role})", file=stdout)
        elif args.action == "list":
            for user in store.all():
                print(f"{user.username}\t{user.role}\t{user.display_name}\t{','.join(user.languages) or '-'}",
                      file=stdout)
        elif args.action == "remove":
            if not store.remove(args.name):
                raise UserError(f"no user {args.name!r}")
            ended = TokenStore(client).revoke_all(args.name.strip().lower())
            print(f"removed {args.name} ({ended} session(s) ended)", file=stdout)
        elif args.action == "passwd":
            store.set_password(args.name, _password(args.password_stdin, stdin, prompt))
            print(f"password of {args.name} changed", file=stdout)
        elif args.action == "languages":
            user = store.set_languages(args.name, parse_languages(args.codes))
            print(f"{user.username} speaks {','.join(user.languages) or 'the default languages'}", file=stdout)
        elif args.action == "teams":
            user = store.set_teams(args.name, parse_teams(args.teams))
            print(f"{user.username} works in {','.join(user.teams) or 'no ticket team'}", file=stdout)
    except (UserError, SettingsError) as error:
        print(f"error: {error}", file=stderr)
        return 1
    return 0
