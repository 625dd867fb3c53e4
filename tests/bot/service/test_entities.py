import pytest
import yaml

from bot.service.entities import ORDER_NUMBER_PATTERN, find_order_number, normalise_order_number
from bot.settings import PROJECT_ROOT


def test_the_nlu_regex_is_the_one_the_code_uses():
    nlu = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / "entities.yml").read_text(encoding="utf-8"))["nlu"]
    [entry] = [e for e in nlu if e.get("regex") == "order_number"]
    assert entry["examples"].strip() == f"- {ORDER_NUMBER_PATTERN}"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("订单号DD2026110500123", "DD2026110500123"),
        ("my order is dd2026110500123.", "DD2026110500123"),
        ("2026110500123", "DD2026110500123"),
        ("订单2026110500123还没到", "DD2026110500123"),
        ("13812345678", None),                # a phone number
        ("6222021234567890123", None),        # a bank card
        ("DD20261105001234", None),           # 14 digits
        ("", None),
    ],
)
def test_finds_order_numbers_and_nothing_else(text, expected):
    assert find_order_number(text) == expected


def test_normalise_accepts_spaces():
    assert normalise_order_number("DD 2026110500123") == "DD2026110500123"
    assert normalise_order_number("hello") is None
