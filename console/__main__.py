"""Run the console: ``python -m console`` serves it (started by ``make run``);
``python -m console users add|list|remove|passwd`` manages who may log in."""
from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from bot import log_masking
from bot.settings import Settings
from console import users_cli
from console.app import create_app
from console.logs import PathOnlyAccessLogger


def serve() -> int:
    """Serve the console on CONSOLE_PORT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log_masking.install()
    settings = Settings.from_env()
    web.run_app(
        create_app(settings), host=settings.host, port=settings.console_port, print=None,
        access_log_class=PathOnlyAccessLogger, shutdown_timeout=5,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``serve`` (the default) or ``users …``."""
    parser = argparse.ArgumentParser(prog="python -m console", description="The agent console.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the console on CONSOLE_PORT (the default)")
    users_cli.add_parser(commands)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "users":
        return users_cli.run(args)
    return serve()


if __name__ == "__main__":
    sys.exit(main())
