"""/api/inbox…: misunderstood messages grouped by meaning, and annotating them into data/ (editors, supervisors)."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.handoff.store import HandoffNotFound, HandoffStore
from bot.knowledge.annotate import AnnotationError, Change, DataEditor, NewFaq
from bot.knowledge.base import KnowledgeBase, KnowledgeBaseError
from bot.knowledge.inbox import Inbox
from bot.knowledge.inbox_groups import InboxGrouper
from bot.pii import mask_pii
from console.context import user_of
from console.errors import ApiError, bad_request, forbidden, not_found
from console.inputs import int_query, read_json
from console.users import User

_ITEM_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass
class InboxDesk:
    """What the inbox routes work with."""

    inbox: Inbox
    grouper: InboxGrouper
    editor: DataEditor
    handoffs: HandoffStore

    def groups(self, limit: int, include_handled: bool) -> dict[str, Any]:
        """The latest ``limit`` items, grouped."""
        items = self.inbox.recent(limit, include_handled)
        return {"groups": [group.as_dict() for group in self.grouper.group(items)], "items": len(items)}

    def targets(self) -> dict[str, Any]:
        """Intents and FAQ entries an item can be assigned to, read afresh (editors change them)."""
        try:
            knowledge = KnowledgeBase.load(self.editor.root / "data" / "faq")
            faqs = [{"id": f.faq_id, "question": next(iter(f.questions.get("zh") or ()), f.faq_id)} for f in knowledge]
        except KnowledgeBaseError as error:
            raise ApiError(422, f"the knowledge base does not read: {error}") from None
        try:
            intents = self.editor.intents()
        except AnnotationError as error:
            raise ApiError(422, f"{error.message}: {'; '.join(map(str, error.problems))}") from None
        return {"intents": intents, "faqs": faqs}

    def detail(self, item_id: str) -> dict[str, Any]:
        """The item with the agent's replies of its handoff (masked), to prefill a new answer."""
        item = self.inbox.get(item_id)
        if item is None:
            raise not_found(f"no inbox item {item_id}")
        replies: list[str] = []
        if item.handoff_id:
            try:
                replies = [mask_pii(t.text) for t in self.handoffs.transcript(item.handoff_id) if t.role == "agent"]
            except HandoffNotFound:
                replies = []
        return {**item.as_dict(), "agent_replies": replies, "prefill": "\n".join(replies)}

    def annotate(self, item_id: str, user: User, body: dict[str, Any]) -> dict[str, Any]:
        """Write the change the body asks for, then mark the item (and ``also`` items) handled."""
        if self.inbox.get(item_id) is None:
            raise not_found(f"no inbox item {item_id}")
        action = body.get("action")
        change: Change
        if action == "intent":
            intent = _text(body, "intent")
            change = self.editor.add_intent_example(intent, _text(body, "text"))
            handled_as = f"intent:{intent}"
        elif action == "faq_question":
            faq_id = _text(body, "faq_id")
            change = self.editor.add_faq_question(faq_id, _text(body, "language"), _text(body, "text"))
            handled_as = f"faq:{faq_id}"
        elif action == "new_faq":
            entry = _new_faq(body.get("entry"))
            change = self.editor.add_faq_entry(entry, str(body.get("file") or "inbox.yml"))
            handled_as = f"new_faq:{entry.faq_id}"
        else:
            raise bad_request("'action' must be intent, faq_question or new_faq")
        also = [i for i in body.get("also") or [] if isinstance(i, str) and _ITEM_ID.match(i)]
        self.inbox.mark_handled([item_id, *also], user.username, handled_as)
        return {"path": change.path, "line": change.line, "handled_as": handled_as}


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"'{name}' is required and must be a non-empty string")
    return value.strip()


def _lines(entry: dict[str, Any], name: str) -> tuple[str, ...]:
    value = entry.get(name)
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"'entry.{name}' must be a list of strings (or lines of text)")
    return tuple(v.strip() for v in value if v.strip())


def _new_faq(entry: Any) -> NewFaq:
    if not isinstance(entry, dict):
        raise bad_request("'entry' must be an object: id, zh_questions, en_questions, zh_conclusion …")
    texts = {}
    for name in ("id", "zh_conclusion", "en_conclusion", "zh_reasoning", "en_reasoning"):
        value = entry.get(name, "")
        if not isinstance(value, str):
            raise bad_request(f"'entry.{name}' must be a string")
        texts[name] = value
    return NewFaq(
        faq_id=texts["id"].strip(), zh_questions=_lines(entry, "zh_questions"), en_questions=_lines(entry, "en_questions"),
        zh_conclusion=texts["zh_conclusion"], en_conclusion=texts["en_conclusion"],
        zh_reasoning=texts["zh_reasoning"], en_reasoning=texts["en_reasoning"],
        zh_steps=_lines(entry, "zh_steps"), en_steps=_lines(entry, "en_steps"),
    )


DESK = web.AppKey("inbox_desk", InboxDesk)


def _editor(request: web.Request) -> User:
    user = user_of(request)
    if not user.is_editor:
        raise forbidden("only editors and supervisors work the inbox")
    return user


def _item_id(request: web.Request) -> str:
    value = request.match_info.get("id", "")
    if not _ITEM_ID.match(value):
        raise not_found(f"no inbox item {value[:40]!r}")
    return value


async def list_groups(request: web.Request) -> web.Response:
    """``?limit=&handled=1``: the latest misunderstood messages, grouped by meaning, biggest first."""
    _editor(request)
    limit = int_query(request, "limit", 500, 1, 5000)
    include_handled = request.query.get("handled", "") in ("1", "true")
    desk = request.app[DESK]
    return web.json_response(await asyncio.to_thread(desk.groups, limit, include_handled))


async def targets(request: web.Request) -> web.Response:
    """The intents and FAQ entries an item can be assigned to."""
    _editor(request)
    return web.json_response(await asyncio.to_thread(request.app[DESK].targets))


async def get_item(request: web.Request) -> web.Response:
    """One item, with the agent's replies when a handoff answered it."""
    _editor(request)
    return web.json_response(await asyncio.to_thread(request.app[DESK].detail, _item_id(request)))


async def annotate(request: web.Request) -> web.Response:
    """``{action: intent|faq_question|new_faq, …}``: write it into data/; 422 with file:line problems."""
    user = _editor(request)
    item_id = _item_id(request)
    body = await read_json(request)
    try:
        result = await asyncio.to_thread(request.app[DESK].annotate, item_id, user, body)
    except AnnotationError as error:
        problems = [{"where": p.where, "message": p.message} for p in error.problems]
        return web.json_response({"error": error.message, "problems": problems}, status=422)
    return web.json_response(result)


def add_routes(router: web.UrlDispatcher) -> None:
    """Register the inbox routes."""
    router.add_get("/api/inbox", list_groups)
    router.add_get("/api/inbox/targets", targets)
    router.add_get("/api/inbox/{id}", get_item)
    router.add_post("/api/inbox/{id}/annotate", annotate)
