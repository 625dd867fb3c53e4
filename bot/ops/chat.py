"""Chat with the assistant in a terminal: ``python -m bot.ops.chat`` (what ``make shell`` does).

Talks to the running stack through the REST webhook; when nothing is running it starts a
local stack for the session and stops it on exit. A reply's buttons are listed with numbers
("[1] 已解决"), as ``rasa shell`` does: typing a number sends that button's payload, and the
chat says which choice it sent. Buttons whose payloads are numbers already (the 1–5 rating)
are listed by those numbers, and typing one sends it as it is (channels.choices' rule).
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping

from bot.settings import Settings
from channels.choices import Choice, bare_number, buttons_of, numbered_choices

_QUIT = {"/quit", "/exit", "/stop"}


def send(rasa_port: int, sender: str, message: str, timeout: float = 60.0) -> list[dict]:
    """POST one message to the REST webhook and return the bot's replies."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"[]")


def render(replies: list[dict]) -> tuple[list[str], dict[str, Choice]]:
    """The bot's replies of one turn as terminal text, buttons listed under each; and the numbered choices."""
    choices = numbered_choices(replies)
    shown, offered = [], 0
    for reply in replies:
        lines = [reply.get("text") or ""]
        for button in buttons_of(reply):
            if choices:
                offered += 1
                lines.append(f"  [{offered}] {button.title}")
            else:
                lines.append(f"  [{button.payload}] {button.title}" if bare_number(button.payload) else f"  - {button.title}")
        shown.append("\n".join(line for line in lines if line))
    return [text for text in shown if text], choices


def chosen(typed: str, choices: Mapping[str, Choice]) -> Choice | None:
    """The listed choice whose number the user typed, if any."""
    number = bare_number(typed)
    return choices.get(number) if number else None


def converse(rasa_port: int, sender: str, lines: Iterable[str]) -> None:
    """Send each typed line (a listed choice's payload for its number) and print the bot's replies."""
    choices: dict[str, Choice] = {}
    for line in lines:
        message = line.strip()
        if not message:
            continue
        if message in _QUIT:
            break
        choice = chosen(message, choices)
        if choice is not None:
            print(f"  (→ {choice.title}: {choice.payload})", flush=True)
            message = choice.payload
        shown, choices = render(send(rasa_port, sender, message))
        for text in shown:
            print(f"bot> {text}", flush=True)


def _stack_running(rasa_port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{rasa_port}/", timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def main(argv: list[str] | None = None) -> int:
    """Read lines from the terminal and print the bot's answers until /quit or end of input."""
    settings = Settings.from_env()
    stack = None
    if not _stack_running(settings.rasa_port):
        from bot.ops.stack import Stack

        print("No running assistant found; starting a local one (Ctrl-C to stop)…", flush=True)
        stack = Stack(settings)
        stack.start(on_phase=lambda phase: print(f"  {phase}…", flush=True))
    sender = f"shell-{uuid.uuid4().hex[:8]}"
    print("Type a message, or the number of a listed choice; /quit to leave.")
    try:
        converse(settings.rasa_port, sender, sys.stdin if not sys.stdin.isatty() else iter(lambda: input("you> "), None))
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        if stack is not None:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
