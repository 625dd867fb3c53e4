import pytest

from bot.language import detect_language


@pytest.mark.parametrize(
    "text, language",
    [
        ("你好", "zh"),
        ("密码怎么改?", "zh"),
        ("我的order到哪了", "zh"),
        ("APP闪退了怎么办", "zh"),
        ("hello", "en"),
        ("How do I change my password?", "en"),
        ("where is my order 谢谢", "en"),
        ("REFUND NOW!!!", "en"),
    ],
)
def test_detects_the_language_the_user_wrote_in(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "123456", "!!!", "👍", "   ", "/greet"[:1], "DD2026110500123", "dd2026110500123。", "SF1234567890"])
def test_no_words_means_no_decision(text):
    assert detect_language(text) is None


def test_an_order_number_in_a_sentence_leaves_the_sentence_its_language():
    assert detect_language("订单DD2026110500123还没发货") == "zh"
    assert detect_language("my order DD2026110500123 never came") == "en"
