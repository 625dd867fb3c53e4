"""On the real stack: what the first message says is not asked again, and priority comes with its reasons."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import say, tracker

pytestmark = pytest.mark.slow

CJK = re.compile(r"[\u4e00-\u9fff]")


def slots(settings, sender):
    return tracker(settings, sender)["slots"]


def test_the_first_message_fills_the_flow_and_sets_priority_with_reasons(stack, settings):
    # A complaint that gives its order number is restated as the user put it, and the number is not asked for.
    opened = say(settings, "triage-e2e", "我要投诉,订单DD2026110500123到现在还没有发货")
    assert any("没有发货" in text for text in opened), opened
    assert slots(settings, "triage-e2e")["order_number"] == "DD2026110500123"
    confirmed = say(settings, "triage-e2e", "对的")
    assert not any("订单号" in text for text in confirmed), confirmed
    assert any("加急" in text for text in confirmed), confirmed  # the remedies of the type come next

    # An order number alone keeps the conversation's language.
    say(settings, "language-e2e", "我的订单到哪了")
    answer = say(settings, "language-e2e", "DD2026110500123")
    assert answer and all(CJK.search(text) for text in answer), answer
    assert slots(settings, "language-e2e")["language"] == "zh"

    # A threat to go to the regulator: high, with the reason, in the slots the handoff record takes.
    say(settings, "threat-e2e", "你们再不处理,我就去12315投诉")
    threatened = slots(settings, "threat-e2e")
    assert threatened["priority"] == "high"
    assert "regulator_or_press_threat" in threatened["priority_reasons"]
