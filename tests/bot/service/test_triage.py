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
        ("payment_problem", "付款失败但是钱扣了", "complaint", "high"),
        ("complaint", "I was charged twice for one order", "complaint", "high"),
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
