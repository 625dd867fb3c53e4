import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.log_masking import MaskingFilter
from bot.pii import mask_pii

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我的手机号13812345678", "我的手机号138****5678"),
        ("call me on +86 138 1234 5678", "call me on +86 138 **** 5678"),
        ("身份证110101199003071234", "身份证110***********1234"),
        ("卡号6222021234567890123", "卡号6222***********0123"),
        ("mail zhang.san@example.com please", "mail z***@example.com please"),
        ("北京市朝阳区建国路88号3号楼2单元501室", "北京市朝阳区建国路**号**号楼**单元**室"),
        ("send it to 221B Baker Street, Apt 5", "send it to ** Baker Street, Apt **"),
    ],
)
def test_masks_each_kind_of_personal_data(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text", ["订单号DD2026110500123", "order 2026110500123", "退款200元", "2026-11-05"])
def test_order_numbers_amounts_and_dates_stay_readable(text):
    assert mask_pii(text) == text


@given(second=st.sampled_from("3456789"), rest=st.text(alphabet="0123456789", min_size=9, max_size=9),
       before=st.sampled_from(["", "手机", "tel: ", "号码是"]), after=st.sampled_from(["", "。", " thanks", "谢谢"]))
def test_no_generated_mobile_number_survives(second, rest, before, after):
    phone = "1" + second + rest
    masked = mask_pii(before + phone + after)
    assert phone not in masked
    assert phone[:3] + "****" + phone[-4:] in masked


@given(body=st.text(alphabet="0123456789", min_size=17, max_size=17), check=st.sampled_from("0123456789X"))
def test_no_generated_id_number_survives(body, check):
    id_number = body + check
    assert id_number not in mask_pii(f"身份证号{id_number}")


@given(card=st.text(alphabet="0123456789", min_size=16, max_size=19))
def test_no_generated_bank_card_survives(card):
    masked = mask_pii(f"card {card} ok")
    assert card not in masked
    assert masked.endswith(card[-4:] + " ok")


def test_log_records_are_masked(caplog):
    logger = logging.getLogger("test.pii")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="test.pii"):
        logger.info("user %s wrote from %s", "u1", "13812345678")
    assert "13812345678" not in caplog.text
    assert "138****5678" in caplog.text
