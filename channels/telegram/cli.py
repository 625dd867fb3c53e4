"""Tell Telegram where the webhook is, or stop it: ``python -m channels.telegram <command>``.

``set-webhook --url https://…/webhooks/telegram/webhook`` registers the webhook with
TELEGRAM_SECRET_TOKEN as its secret and the update kinds the channel reads;
``delete-webhook`` removes it; ``webhook-info`` shows what Telegram has, with its last error.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Mapping
from typing import TextIO

from telegram.error import TelegramError

from bot.settings import Settings, SettingsError
from channels.telegram.client import TelegramBot, TelegramSetupError

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
WEBHOOK_PATH = "/webhooks/telegram/webhook"
# What Telegram accepts as a secret token.
_SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
_DROP_HELP = "forget the updates Telegram still holds"


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m channels.telegram", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    set_hook = commands.add_parser("set-webhook", help="register the webhook with Telegram")
    set_hook.add_argument("--url", required=True, help=f"public HTTPS URL ending in {WEBHOOK_PATH}")
    set_hook.add_argument("--drop-pending-updates", action="store_true", help=_DROP_HELP)
    set_hook.add_argument("--max-connections", type=int, default=40,
                          help="parallel deliveries Telegram may make (1-100)")
    delete_hook = commands.add_parser("delete-webhook", help="stop Telegram from calling the webhook")
    delete_hook.add_argument("--drop-pending-updates", action="store_true", help=_DROP_HELP)
    commands.add_parser("webhook-info", help="show the webhook Telegram has, and its last error")
    return parser


def check_set_webhook(url: str, secret: str, max_connections: int) -> list[str]:
    """What is wrong with these webhook settings (empty if nothing)."""
    problems = []
    if not url.startswith("https://"):
        problems.append("--url must be an https:// URL (Telegram calls only HTTPS webhooks)")
    if not secret:
        problems.append("TELEGRAM_SECRET_TOKEN is not set")
    elif not _SECRET_FORMAT.fullmatch(secret):
        problems.append("TELEGRAM_SECRET_TOKEN may only hold 1-256 of A-Z a-z 0-9 _ -")
    if not 1 <= max_connections <= 100:
        problems.append("--max-connections must be between 1 and 100")
    return problems


async def run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Carry out one command against the Bot API; the exit status."""
    telegram = TelegramBot.from_settings(settings)
    try:
        bot = await telegram.ready()
        if args.command == "set-webhook":
            await bot.set_webhook(
                url=args.url,
                secret_token=settings.telegram_secret_token.reveal(),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=args.drop_pending_updates,
                max_connections=args.max_connections,
            )
            print(f"webhook set: {args.url} (updates: {', '.join(ALLOWED_UPDATES)})", file=out)
        elif args.command == "delete-webhook":
            await bot.delete_webhook(drop_pending_updates=args.drop_pending_updates)
            print("webhook deleted", file=out)
        else:
            info = await bot.get_webhook_info()
            print(f"url: {info.url or '(none)'}", file=out)
            print(f"pending updates: {info.pending_update_count}", file=out)
            print(f"allowed updates: {', '.join(info.allowed_updates or []) or '(all)'}", file=out)
            if info.last_error_message:
                print(f"last error: {info.last_error_message} at {info.last_error_date}", file=out)
        return 0
    except (TelegramError, TelegramSetupError) as error:
        print(f"Telegram said no: {telegram.describe(error)}", file=sys.stderr)
        return 1
    finally:
        await telegram.close()


def main(
    argv: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Parse the command line, check the settings, run the command (printing to ``out``, stdout by default)."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(environ)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    problems = [] if settings.telegram_token else ["TELEGRAM_TOKEN is not set (the token BotFather gave you)"]
    if args.command == "set-webhook":
        problems += check_set_webhook(args.url, settings.telegram_secret_token.reveal(), args.max_connections)
        if not args.url.rstrip("/").endswith(WEBHOOK_PATH):
            print(f"note: the channel listens on {WEBHOOK_PATH}; this URL ends elsewhere", file=sys.stderr)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    return asyncio.run(run(args, settings, out or sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
