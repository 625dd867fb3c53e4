"""On the real stack: a stranger who knows an order number learns nothing until verified."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import say

pytestmark = pytest.mark.slow


def test_a_stranger_is_asked_for_the_phone_digits_before_seeing_an_order(stack, settings):
    asked = say(settings, "stranger-e2e", "我的订单到哪了")
    assert any("订单号" in text for text in asked)
    verify = say(settings, "stranger-e2e", "订单号DD2026110500123")
    assert any("后四位" in text for text in verify), verify
    assert not any("SF1234567890123" in text for text in verify)
    wrong = say(settings, "stranger-e2e", "尾号0000")
    assert any("2次" in text for text in wrong), wrong
    shown = say(settings, "stranger-e2e", "手机尾号5678")
    assert any("SF1234567890123" in text for text in shown), shown


def test_three_wrong_guesses_show_nothing(stack, settings):
    say(settings, "guesser-e2e", "我的订单到哪了")
    say(settings, "guesser-e2e", "订单号DD2026110500123")
    replies = []
    for guess in ("尾号0000", "尾号1111", "尾号2222"):
        replies += say(settings, "guesser-e2e", guess)
    assert not any("SF1234567890123" in text or "蓝牙耳机" in text for text in replies), replies
    assert any("无法核实" in text for text in replies), replies
