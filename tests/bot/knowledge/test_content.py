"""What the bot says obeys the SOP's language discipline, in Chinese and English."""
import pytest

from bot.knowledge.content_checks import check_domain, check_knowledge_base, check_text, count_emoji


def test_every_response_has_both_languages_and_disciplined_wording():
    assert [str(p) for p in check_domain()] == []


def test_every_faq_answer_has_disciplined_wording():
    assert [str(p) for p in check_knowledge_base()] == []


@pytest.mark.parametrize(
    "text, fragment",
    [("这个我不知道", "我帮您查询一下"), ("We offer a guaranteed refund", "do our best"), ("好的😀😀😀", "at most 2")],
)
def test_the_checks_catch_what_they_should(text, fragment):
    [problem] = check_text(text, "x")
    assert fragment in str(problem)


def test_emoji_are_counted():
    assert count_emoji("好的👍谢谢🙏") == 2
    assert count_emoji("1–3个工作日") == 0


def test_the_shipped_content_passes_every_check():
    from bot.knowledge.validate import content_problems

    assert [str(p) for p in content_problems()] == []
