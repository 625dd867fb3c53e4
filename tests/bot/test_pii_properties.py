"""mask_pii on generated personal data: mobile numbers, ID numbers with valid check digits,
Luhn-valid bank cards and e-mail addresses, inside Chinese and English sentences."""
import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st

from bot.pii import mask_pii

ZH = ["我的{}", "号码是{}，谢谢", "请联系{}。", "{}", "麻烦打{}好吗"]
EN = ["my number is {} thanks", "call {}.", "({})", "reach me at {}, please", "{}"]
contexts = st.sampled_from(ZH + EN)
digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def only_digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# -- mobile numbers ---------------------------------------------------------------------------
@st.composite
def mobiles(draw):
    """(number, how it is written, how it must look masked)."""
    number = "1" + draw(st.sampled_from("3456789")) + "".join(draw(st.lists(digits, min_size=9, max_size=9)))
    separator = draw(st.sampled_from(["", " ", "-"]))
    country = draw(st.sampled_from(["", "+86 ", "86-", "+86"]))
    written = country + separator.join([number[:3], number[3:7], number[7:]])
    masked = country + separator.join([number[:3], "****", number[7:]])
    return number, written, masked


@given(mobile=mobiles(), context=contexts)
def test_a_mobile_number_keeps_only_its_first_three_and_last_four_digits(mobile, context):
    _, written, expected = mobile
    assert mask_pii(context.format(written)) == context.format(expected)


# -- ID card numbers ----------------------------------------------------------------------------
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_check_digit(body: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=False)) % 11]


@st.composite
def id_numbers(draw):
    region = draw(st.integers(110000, 659999))
    born = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2020, 12, 31)))
    sequence = draw(st.integers(0, 999))
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    check = id_check_digit(body)
    if check == "X" and draw(st.booleans()):
        check = "x"
    return body + check


@given(number=id_numbers(), context=contexts)
def test_an_id_number_keeps_only_its_first_three_and_last_four_characters(number, context):
    masked = mask_pii(context.format(number))
    assert masked == context.format(number[:3] + "*" * 11 + number[-4:])
    assert number[6:14] not in masked  # the date of birth


# -- bank cards -------------------------------------------------------------------------------------
def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial`` + it pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(partial)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return luhn_check_digit(number[:-1]) == number[-1]


@st.composite
def bank_cards(draw):
    prefix = draw(st.sampled_from(["62", "4", "51", "55", "35"]))
    length = draw(st.integers(16, 19))
    middle = "".join(draw(st.lists(digits, min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1)))
    number = prefix + middle
    number += luhn_check_digit(number)
    separator = draw(st.sampled_from(["", " ", "-"]))
    written = separator.join(number[i:i + 4] for i in range(0, len(number), 4)) if separator else number
    return number, written


@given(card=bank_cards(), context=contexts)
def test_a_bank_card_keeps_at_most_its_first_four_and_its_last_four_digits(card, context):
    number, written = card
    assert luhn_valid(number)
    masked = mask_pii(context.format(written))
    left = only_digits(masked)
    assert left.endswith(number[-4:])
    assert number.startswith(left[:-4]) and len(left) <= 8
    assert len(masked) == len(context.format(written))  # digits are starred, not dropped


# -- e-mail addresses ---------------------------------------------------------------------------------
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8)


@st.composite
def emails(draw):
    words = draw(st.lists(_word, min_size=1, max_size=3))
    separators = draw(st.lists(st.sampled_from(".-_+"), min_size=len(words) - 1, max_size=len(words) - 1))
    local = words[0] + "".join(s + w for s, w in zip(separators, words[1:], strict=False))
    local += draw(st.sampled_from(["", "1", "88", "2026"]))
    labels = draw(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10),
                           min_size=1, max_size=3))
    domain = ".".join(labels) + "." + draw(st.sampled_from(["com", "cn", "com.cn", "org", "io", "COM"]))
    return local, domain


@given(address=emails(), context=st.sampled_from(["我的邮箱是{}", "发到{}，谢谢", "{}。", "mail me at {} please",
                                                  "my email: {}.", "({})", "{}"]))
def test_an_email_address_keeps_only_its_first_letter_and_its_domain(address, context):
    local, domain = address
    masked = mask_pii(context.format(f"{local}@{domain}"))
    assert masked == context.format(f"{local[0]}***@{domain}")


@given(qq=st.integers(10000, 9999999999).map(str), context=st.sampled_from(["邮箱{}", "email {} thanks"]))
def test_a_numeric_mailbox_does_not_survive(qq, context):
    masked = mask_pii(context.format(f"{qq}@qq.com"))
    assert f"{qq}@" not in masked and "@qq.com" in masked


# -- everything at once -------------------------------------------------------------------------------
@given(mobile=mobiles(), number=id_numbers(), card=bank_cards(), address=emails())
def test_a_message_with_all_of_them_keeps_none_whole(mobile, number, card, address):
    text = f"电话{mobile[1]}，身份证{number}，卡号{card[1]}，邮箱{address[0]}@{address[1]}。Order DD2026110500123."
    masked = mask_pii(text)
    assert mobile[0] not in only_digits(masked)
    assert number[6:14] not in masked
    assert card[0] not in only_digits(masked)
    assert f"{address[0]}@" not in masked or len(address[0]) == 1
    assert "DD2026110500123" in masked
