"""Character-bigram ranking of knowledge-base answers."""
import pytest

from bot.knowledge.answer_suggestions import Suggester, bigrams, overlap
from bot.knowledge.base import KnowledgeBase
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def suggester():
    return Suggester(KnowledgeBase.load(PROJECT_ROOT / "data" / "faq"))


def test_bigrams_ignore_case_spaces_and_punctuation():
    assert bigrams("改 密码!") == {"改密", "密码"}
    assert bigrams("Ab c") == {"ab", "bc"}
    assert bigrams("好") == {"好"} and bigrams("") == frozenset() and bigrams("?!") == frozenset()


def test_overlap_is_the_dice_coefficient():
    assert overlap(bigrams("修改密码"), bigrams("修改密码")) == 1.0
    assert overlap(bigrams("修改密码"), bigrams("快递")) == 0.0
    assert overlap(frozenset(), bigrams("x")) == 0.0


def test_ranking_finds_the_matching_answer_in_each_language(suggester):
    assert suggester.rank("我想改一下密码", "zh")[0].faq_id == "change_password"
    top = suggester.rank("how can I change my password", "en")[0]
    assert top.faq_id == "change_password" and top.text.split("\n")[0] == top.conclusion
    assert "1. " in top.text


def test_ranking_is_limited_and_sorted(suggester):
    found = suggester.rank("订单 退款 发票 密码", "zh", limit=5)
    assert 1 <= len(found) <= 5
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)


def test_nothing_in_common_suggests_nothing(suggester):
    assert suggester.rank("", "zh") == [] and suggester.rank("😀", "zh") == []


def test_an_unknown_language_falls_back_to_chinese(suggester):
    assert suggester.rank("修改密码", "fr")[0].faq_id == "change_password"
