"""The operator-edited playbooks: complaints, incidents, suggestions, orders, customers."""
import datetime as dt

import pytest

from bot.backends.customers import DemoCustomerDirectory
from bot.backends.orders import DemoOrderBackend
from bot.service.complaints import ComplaintPlaybook
from bot.service.incidents import IncidentBoard
from bot.service.suggestions import SuggestionRouter


@pytest.fixture(scope="module")
def playbook():
    return ComplaintPlaybook.load()


@pytest.mark.parametrize(
    "text, type_id",
    [
        ("快递一周了还没到", "delivery_delay"),
        ("the parcel arrived but the cup was broken", "damaged"),
        ("给我发错颜色了", "wrong_item"),
        ("质量太差了,穿一次就起球", "quality"),
        ("客服态度太差了", "service_attitude"),
        ("随便你们吧", "general"),
        # The restatement follows what the user said.
        ("订单DD2026110500123一直没发货,太过分了", "not_shipped"),
        ("my order was never shipped", "not_shipped"),
        ("快递三天了还没送到", "delivery_delay"),
        ("退款拖了半个月还没到", "refund_late"),
        ("申请退款一周了还没到账", "refund_late"),
        ("the refund was promised five days ago and I still haven't received my refund", "refund_late"),
        ("快递员态度恶劣", "service_attitude"),
        ("买的杯子到了是碎的", "damaged"),
        ("I got the wrong item", "wrong_item"),
    ],
)
def test_complaints_are_recognised_by_type(playbook, text, type_id):
    assert playbook.classify(text).type_id == type_id


def test_every_type_offers_two_or_three_remedies_with_risks_in_both_languages(playbook):
    for complaint_type in playbook.types:
        remedies = playbook.remedies_for(complaint_type)
        assert 2 <= len(remedies) <= 3
        for remedy in remedies:
            for language in ("zh", "en"):
                assert remedy.text("risk", language) and remedy.text("title", language)


def test_a_remedy_is_chosen_by_number_title_or_keyword(playbook):
    offered = ["expedite", "coupon", "refund"]
    assert playbook.match_remedy("3", offered) == "refund"
    assert playbook.match_remedy("我要退款", offered) == "refund"
    assert playbook.match_remedy("Compensation coupon", offered) == "coupon"
    assert playbook.match_remedy("4", offered) is None
    assert playbook.match_remedy("随便", offered) is None


def test_known_incidents_match_fault_reports():
    board = IncidentBoard.load()
    assert board.match("收不到验证码").incident_id == "sms-code-delay"
    assert board.match("the app crashes on start").incident_id == "android-crash-8-3"
    assert board.match("页面显示异常") is None


def test_inactive_incidents_are_ignored(tmp_path):
    path = tmp_path / "incidents.yml"
    path.write_text("incidents:\n  - id: old\n    active: false\n    keywords: {zh: [闪退]}\n", encoding="utf-8")
    assert IncidentBoard.load(path).match("闪退") is None


def test_suggestions_go_to_the_department_they_mention():
    router = SuggestionRouter.load()
    assert router.route("建议快递可以送货上门").department_id == "logistics"
    assert router.route("you should accept paypal payment").department_id == "payments"
    assert router.route("希望你们做得更好").department_id == router.default.department_id
    assert router.tag == "user_need"


def test_demo_orders_and_customers():
    orders = DemoOrderBackend()
    late = orders.get_order("DD2026100100789")
    assert late.is_overdue(dt.date(2026, 11, 23))
    assert not orders.get_order("DD2026110500123").is_overdue(dt.date(2026, 11, 23))
    assert orders.get_order("DD0000000000000") is None
    customers = DemoCustomerDirectory()
    assert customers.profile("vip-demo").is_vip
    assert not customers.profile("someone").is_vip
