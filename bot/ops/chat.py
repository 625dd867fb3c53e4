"""Chat with the assistant in a terminal: ``python -m bot.ops.chat`` (what ``make shell`` does).

Talks to the running stack through the REST webhook; when nothing is running it starts a
local stack for the session and stops it on exit.
"""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid

from bot.settings import Settings

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


def render(reply: dict) -> str:
    """A reply as terminal text, buttons listed under it."""
    lines = [reply.get("text") or ""]
    for number, button in enumerate(reply.get("buttons") or [], start=1):
        lines.append(f"  [{number}] {button.get('title')}")
    return "\n".join(line for line in lines if line)


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
    print("Type a message; /quit to leave.")
    try:
        for line in sys.stdin if not sys.stdin.isatty() else iter(lambda: input("you> "), None):
            message = line.strip()
            if not message:
                continue
            if message in _QUIT:
                break
            for reply in send(settings.rasa_port, sender, message):
                print(f"bot> {render(reply)}")
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        if stack is not None:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
