import pytest

from bot.service.triage import TriageRules, triage


@pytest.fixture(scope="module")
def rules():
    return TriageRules.load()


@pytest.mark.parametrize(
    "intent, text, category, priority",
    [
        ("faq", "退款多久到账", "inquiry", "normal"),
        ("check_order_status", "where is my order", "inquiry", "normal"),
        ("complaint", "快递太慢了", "complaint", "normal"),
        ("suggestion", "建议加个夜间模式", "suggestion", "low"),
        ("report_fault", "app keeps crashing", "fault", "normal"),
        ("account_security", "我的账号被盗了", "fault", "high"),
        ("payment_problem", "付款失败但是钱扣了", "fault", "high"),
        ("complaint", "I was charged twice for one order", "fault", "high"),
        ("faq", "没买东西,银行卡里却少了80块", "fault", "high"),
        ("complaint", "there's a 40 dollar charge on my card but I never ordered anything", "fault", "high"),
        ("faq", "还没买东西,想先问问怎么付款", "inquiry", "normal"),
        ("faq", "someone got into my account and changed my email", "fault", "high"),
        ("check_refund_status", "申请退款一周了还没到账", "complaint", "normal"),
        ("check_order_status", "说好48小时发货,现在还没发", "complaint", "normal"),
        ("check_order_status", "还没发货吗?", "inquiry", "normal"),
        ("faq", "怎么投诉快递员", "inquiry", "normal"),
        ("greet", "你好", None, "normal"),
    ],
)
def test_category_and_priority(rules, intent, text, category, priority):
    result = triage(rules, intent, text)
    assert (result.category, result.priority) == (category, priority)


def test_vip_customers_go_one_step_up(rules):
    assert triage(rules, "suggestion", "建议", vip=True).priority == "normal"
    assert triage(rules, "faq", "怎么开发票", vip=True).priority == "high"
    assert triage(rules, "account_security", "被盗", vip=True).priority == "high"
    assert "vip" in triage(rules, "faq", "x", vip=True).reasons


def test_an_overdue_order_is_high_even_without_a_request(rules):
    assert triage(rules, "check_order_status", "到哪了", order_overdue=True).priority == "high"
    assert triage(rules, "inform", "DD2026100100789", order_overdue=True).priority == "high"
    assert triage(rules, "inform", "DD2026100100789").category is None


def test_rules_file_errors_are_clear(tmp_path):
    bad = tmp_path / "triage.yml"
    bad.write_text("categories:\n  complaint: rant\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown category 'rant'"):
        TriageRules.load(bad)


def test_what_the_message_shows_can_make_the_category_more_serious(rules):
    # Money taken is a fault whatever the intent; a threat makes a question a complaint.
    assert triage(rules, "complaint", "同一笔订单扣了两次钱").category == "fault"
    threat = triage(rules, "check_refund_status", "my lawyer will be in touch", anger_signals=("threat:lawyer",))
    assert (threat.category, threat.priority) == ("complaint", "high")
    # An angry message the model did not understand is still a complaint.
    assert triage(rules, "out_of_scope", "what a joke", anger_signals=("word:joke",)).category == "complaint"
    # A fault stays a fault, however angry.
    assert triage(rules, "report_fault", "又闪退了!!!", anger_signals=("punctuation:!!!",)).category == "fault"


def test_a_conversation_keeps_its_most_serious_category(rules):
    assert triage(rules, "check_refund_status", "我要求退款", conversation_category="complaint").category == "complaint"
    assert triage(rules, "complaint", "东西坏了", conversation_category="inquiry").category == "complaint"
    # Not a request: nothing to keep (the slot is left as it is).
    assert triage(rules, "affirm", "好的", conversation_category="complaint").category is None


def test_a_question_about_a_time_limit_is_not_a_late_delivery(rules):
    assert triage(rules, "faq", "签收7天了还能退货吗").category == "inquiry"
    assert triage(rules, "check_refund_status", "how many days does a refund usually take").category == "inquiry"
