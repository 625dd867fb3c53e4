"""Run the console: ``python -m bot.console`` (started by ``make run``)."""
from __future__ import annotations

import logging

from aiohttp import web

from bot.console.app import create_app
from bot.settings import Settings


def main() -> None:
    """Serve the console on CONSOLE_PORT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    web.run_app(create_app(settings), host=settings.host, port=settings.console_port, print=None)


if __name__ == "__main__":
    main()
