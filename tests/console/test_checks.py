"""Warnings for agent replies agree with the content checks of the bot's own texts."""
from bot.knowledge.content_checks import check_text
from console.checks import LanguageRules


def test_warnings_name_the_phrase_and_its_alternative():
    rules = LanguageRules.load()
    warnings = rules.check("这个I DON'T KNOW,保证退款")
    assert [(w["phrase"], w["instead"]) for w in warnings] == [
        ("保证退款", "我们会尽力协调为您办理退款"), ("I don't know", "Let me check that for you")]


def test_emoji_over_the_limit():
    rules = LanguageRules.load()
    assert rules.check("好的😀😀") == []
    assert rules.check("好的😀😀😀") == [{"type": "too_many_emoji", "count": 3, "max": 2, "message": "has 3 emoji; at most 2"}]


def test_the_same_problems_as_the_bots_own_content_checks():
    rules = LanguageRules.load()
    for text in ["我不知道😀😀😀", "read the manual, not my problem", "您好", "一定能退款"]:
        assert len(rules.check(text)) == len(check_text(text, "reply")), text


def test_rules_as_json():
    data = LanguageRules(phrases=(("a", "b"),), max_emoji=1).as_dict()
    assert data == {"forbidden_phrases": [{"phrase": "a", "instead": "b"}], "max_emoji_per_message": 1}
