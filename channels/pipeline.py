"""The one way from a channel to the bot: the handoff gate, the action-server check, then Rasa.

Every input channel cleans the user's text (channels.messages) and hands it here, so each
message meets the same steps and fails the same way:

1. the gate (bot.handoff.gate), in a thread: a repeated message id is dropped; while a person
   has the conversation the words go to the handoff transcript, not to the bot;
2. the action server's health (channels.resilience): when it is down the user gets an apology
   and a person, without the bot;
3. Rasa (the ``on_new_message`` Rasa gave the channel's blueprint).

When Redis cannot be reached the message is not handled and :class:`Unavailable` is raised; the
log says so once when the outage starts and once when it ends (no traceback, no line per message). The webhooks answer it with HTTP 503, so the
sender tries again; the web chat tells the user (channels.notices).

Only the channel starts intents. Rasa reads a message that starts with "/" as an intent with
entities (``/restart``, ``/greet{"language": "en"}``), so a user's own text reaches Rasa as
words (channels.messages.words_only) unless it is exactly the payload of a button the bot's
domain offers (``/affirm``) or a channel's harmless opening payload (a web widget's
``initPayload: "/greet"``). What a channel makes itself — a looked-up button payload, a greeting
for a new follower, "not text" for a sticker — is passed as ``trusted``.

A bare number ("2") is read against the choices the bot offered in its latest turn
(channels.choices), kept per conversation after every turn: the number of a choice sends that
choice's payload, any other number where choices were offered gets ``utter_ask_in_words``
(never a guess such as "solved" or "goodbye"); with nothing on offer it is words like any other.

``handle`` runs all three steps. A channel that answers its webhook before the bot's turn
(Telegram) or waits for the bot's turn only so long (WeChat's passive reply) calls the two
halves, ``admit`` and ``to_bot``.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint

from bot.handoff.gate import GateDecision, HandoffGate
from bot.handoff.intake import HandoffIntake
from channels.choices import Choice, OfferedChoices, bare_number, numbered_choices
from channels.messages import words_only
from channels.resilience import WatchedOutput, actions_available, apologise_and_hand_over

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
T = TypeVar("T")
# What a blocking Redis call raises when the server is unreachable: redis-py wraps most socket
# errors in its ConnectionError, a few reach the caller as the socket's OSError.
REDIS_DOWN = (redis.RedisError, OSError)


ASK_IN_WORDS = "utter_ask_in_words"
# What _read_number gives for a number it has answered itself (asking for words).
ANSWERED = Choice("", "")

# Payloads a widget sends on its own when it opens, by channel: rasa-webchat's initPayload.
OPENING_PAYLOADS: dict[str, frozenset[str]] = {"socketio": frozenset({"/greet"})}


def button_payloads(domain: Any) -> frozenset[str]:
    """The intent payloads ("/affirm") of the buttons in the domain's responses."""
    payloads = set()
    for variants in (getattr(domain, "responses", None) or {}).values():
        for variant in variants or []:
            for button in variant.get("buttons") or []:
                payload = button.get("payload") if isinstance(button, dict) else None
                if isinstance(payload, str) and payload.startswith("/"):
                    payloads.add(payload)
    return frozenset(payloads)


class Unavailable(Exception):
    """Redis could not be reached, so the message was not handled; it may be sent again."""


class OutageLog:
    """One warning when a channel loses Redis and one when it has it back: not a line per request."""

    def __init__(self) -> None:
        self._down: dict[str, int] = {}  # channel → messages refused so far in this outage
        self._lock = threading.Lock()

    def failed(self, channel: str, kind: str) -> None:
        """A message of ``channel`` was refused for want of Redis."""
        with self._lock:
            first = channel not in self._down
            self._down[channel] = self._down.get(channel, 0) + 1
        if first:
            logger.warning("%s: a message was not handled, Redis unavailable (%s); "
                           "refusing messages until it is back", channel, kind)

    def succeeded(self, channel: str) -> None:
        """``channel`` reached Redis: if it was down, say for how long it refused messages."""
        with self._lock:
            refused = self._down.pop(channel, None)
        if refused is not None:
            logger.warning("%s: Redis is back; %d message(s) were refused meanwhile", channel, refused)

    def reset(self) -> None:
        """Forget every outage (for tests)."""
        with self._lock:
            self._down.clear()


# Per process, like the log it writes: every pipeline and channel helper of a channel shares it.
OUTAGES = OutageLog()


def _unavailable(channel: str, error: BaseException) -> Unavailable:
    # The error's kind only: its text may name the Redis address or quote the user.
    kind = type(error).__name__
    OUTAGES.failed(channel, kind)
    return Unavailable(kind)


async def in_thread(channel: str, call: Callable[..., T], *args: Any) -> T:
    """``call(*args)``, blocking Redis work of ``channel``, in a thread; Unavailable without Redis."""
    try:
        result = await asyncio.to_thread(call, *args)
    except REDIS_DOWN as error:
        raise _unavailable(channel, error) from None
    OUTAGES.succeeded(channel)
    return result


def _redis_failure(error: BaseException) -> BaseException | None:
    """The Redis error behind ``error``, if any (Rasa's lock store wraps it in a LockError)."""
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, redis.RedisError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


class Pipeline:
    """Gate, action-server check and Rasa for a user's cleaned message, the same for every channel."""

    def __init__(
        self,
        gate: HandoffGate,
        intake: HandoffIntake,
        on_new_message: OnNewMessage | None = None,
        agent: Callable[[], Any | None] = lambda: None,
        choices: OfferedChoices | None = None,
    ) -> None:
        self._gate = gate
        self._intake = intake
        self._on_new_message = on_new_message
        self._agent = agent
        self.choices = choices
        self._payloads: tuple[int, frozenset[str]] = (0, frozenset())

    def serving(self, blueprint: Blueprint, on_new_message: OnNewMessage) -> Pipeline:
        """This pipeline ending in Rasa's ``on_new_message``, for a channel's ``blueprint``.

        Rasa's agent (whose action server is checked) is the server's ``app.ctx.agent``, read
        per message: loading another model replaces it.
        """
        server: dict[str, Any] = {}

        @blueprint.listener("after_server_start")
        async def remember_app(app: Any, _loop: Any = None) -> None:
            server["app"] = app

        def agent() -> Any | None:
            return getattr(server["app"].ctx, "agent", None) if "app" in server else None

        return Pipeline(self._gate, self._intake, on_new_message, agent, self.choices)

    def agent(self) -> Any | None:
        """Rasa's agent once the server has started, else None."""
        return self._agent()

    async def admit(self, channel: str, sender: str, text: str, message_id: str | None = None) -> GateDecision:
        """The gate's decision for the message (recorded for the agent if a person has the conversation)."""
        return await in_thread(channel, self._gate.route, channel, sender, text, message_id)

    def words_of(self, text: str, channel: str) -> str:
        """What Rasa gets for a user's ``text``: a payload the bot offers as it is, anything else as words."""
        if not text.startswith("/"):
            return text
        if text in OPENING_PAYLOADS.get(channel, ()) or text in self._offered_payloads():
            return text
        return words_only(text)

    def _offered_payloads(self) -> frozenset[str]:
        domain = getattr(self.agent(), "domain", None)
        if domain is None:
            return frozenset()
        if self._payloads[0] != id(domain):  # a newly loaded model brings its own domain
            self._payloads = (id(domain), button_payloads(domain))
        return self._payloads[1]

    async def to_bot(self, message: UserMessage, trusted: bool = False) -> None:
        """Rasa's turn, or, with the action server down, an apology and a person.

        ``trusted``: the text was made by the channel, not typed by the user (see the module doc).
        """
        if self._on_new_message is None:
            raise RuntimeError("this pipeline does not serve a channel yet: use Pipeline.serving")
        channel = message.input_channel or ""
        agent = self.agent()
        try:
            if not trusted and message.text:
                choice = await self._read_number(message)
                if choice is ANSWERED:
                    return
                if choice is not None:
                    message.text = choice.payload  # offered by the bot in this conversation: the channel's own
                else:
                    message.text = self.words_of(message.text, channel)
            if agent is None or await actions_available(agent):
                watched = WatchedOutput(message.output_channel)
                message.output_channel = watched
                await self._on_new_message(message)
                message.output_channel = watched.inner
                if self.choices is not None:
                    await in_thread(channel, self.choices.remember, message.sender_id, numbered_choices(watched.messages))
                if watched.sent == 0 and agent is not None and not await actions_available(agent, fresh=True):
                    logger.error("action server lost during a turn: handing conversation over without the bot")
                    await apologise_and_hand_over(agent, message, self._intake, recorded=True)
                return
            logger.error("action server unreachable: handing conversation over without the bot")
            await apologise_and_hand_over(agent, message, self._intake)
        except Exception as error:
            failure = _redis_failure(error)
            if failure is None:
                raise
            raise _unavailable(message.input_channel or "channel", failure) from None

    async def _read_number(self, message: UserMessage) -> Choice | None:
        """The offered choice a typed bare number stands for; ANSWERED once it was asked for words instead."""
        number = bare_number(message.text or "")
        if number is None or self.choices is None:
            return None
        channel = message.input_channel or ""
        offered = await in_thread(channel, self.choices.offered, message.sender_id)
        if number not in offered:
            return ANSWERED if offered and await self._ask_in_words(message, offered) else None
        await in_thread(channel, self.choices.forget, message.sender_id)  # the bot's answer offers its own
        return offered[number]

    async def _ask_in_words(self, message: UserMessage, offered: dict[str, Choice]) -> bool:
        """Ask for words instead of a number that is none of the choices; False without a model to ask with."""
        agent = self.agent()
        domain, nlg = getattr(agent, "domain", None), getattr(agent, "nlg", None)
        if domain is None or nlg is None:
            return False
        tracker = await agent.tracker_store.retrieve(message.sender_id)  # type: ignore[union-attr]
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [], domain.slots)
        options = " / ".join(choice.title for choice in offered.values())
        output = message.output_channel
        reply = await nlg.generate(ASK_IN_WORDS, tracker, output.name(), options=options)
        if not reply:
            return False
        await output.send_response(message.sender_id, reply)
        return True

    async def handle(
        self,
        text: str,
        sender: str,
        channel: str,
        output: OutputChannel,
        message_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        trusted: bool = False,
    ) -> GateDecision:
        """The gate, then (if the message is for the bot) the bot's turn, answering on ``output``."""
        decision = await self.admit(channel, sender, text, message_id)
        if decision.to_bot:
            message = UserMessage(text, output, sender, input_channel=channel, message_id=message_id, metadata=metadata)
            await self.to_bot(message, trusted)
        return decision
