"""The weekly report: four PNG charts and a Markdown summary, with or without a CJK font."""
import datetime as dt

import pytest

from bot.analytics import report
from bot.analytics.figures import compute
from bot.analytics.periods import Period
from bot.service.labels import Label, Labels
from tests.bot.analytics.history_builder import build_week

PNG = b"\x89PNG\r\n\x1a\n"
LABELS = Labels.load()


@pytest.fixture
def week(redis_client):
    build_week(redis_client)
    return redis_client


@pytest.mark.parametrize("chinese", [True, False])
def test_the_week_is_written_as_charts_and_a_summary(week, tmp_path, chinese):
    if chinese and report.cjk_font() is None:
        pytest.fail("no CJK font installed: apt-get install fonts-wqy-microhei (CI installs it)")
    written = report.write_report(week, dt.date(2026, 11, 8), tmp_path, "Asia/Shanghai", chinese=chinese)
    assert sorted(p.name for p in written) == sorted([*report.CHART_FILES, "summary.md"])
    for name in report.CHART_FILES:
        assert (tmp_path / name).read_bytes().startswith(PNG)
    text = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert text.startswith("# 客服周报 Weekly service review: 2026-11-02 – 2026-11-08\n")

    def figure(key: str) -> str:
        return LABELS.pair("figure", key)

    for line in [
        # The week before holds u0's complaint of 31 October, handed to a person and rated 3.
        "| 咨询 Contacts | 7 | 1 |",
        f"| {figure('handoffs')} | 4 | 1 |",
        f"| {figure('handoff_rate')} | 42.9% | 100.0% |",
        f"| {figure('first_contact_resolution')} | 28.6% | 0.0% |",
        f"| {figure('csat')} | 3.67 | 3 |",
        f"| {figure('five_star_rate')} | 33.3% | 0.0% |",
        f"| {figure('avg_wait')} | 6.5 min | 1.0 min |",
        f"| {figure('avg_handle')} | 20.0 min | 2819.0 min |",
        f"| {figure('tickets')} | 3 | 0 |",
        f"| {figure('follow_ups_due')} | 1 | 0 |",
        f"| {figure('on_time_follow_up_rate')} | 0.0% | — |",
        f"| {figure('second_contact_rate')} | — | — |",
        f"| {figure('avg_time_to_close')} | 0.0 min | — |",
        f"| {figure('return_visit_rating')} | — | — |",
        "1. 查询订单 Order status (check_order_status): 2 (28.6%)",
        f"- {LABELS.pair('reason', 'explicit_request')} (explicit_request): 2",
        f"## {LABELS.pair('report', 'priority_reasons')}",
        f"{LABELS.pair('priority', 'high')}: 1 · {LABELS.pair('priority', 'normal')}: 2 · {LABELS.pair('priority', 'low')}: 0",
        f"- {LABELS.pair('priority_reason', 'repeat_contact')} (repeat_contact): 1",
        "![volumes](volumes.png)",
    ]:
        assert line in text
    assert " (faq/change_password): 1" in text  # named by its first question when the entry exists


def test_the_summary_takes_its_labels_from_the_labels_file(week):
    this = compute(week, Period.week_ending(dt.date(2026, 11, 8), "Asia/Shanghai"))
    last = compute(week, Period.week_ending(dt.date(2026, 11, 1), "Asia/Shanghai"))
    names = Labels({"figure": {"contacts": Label("来访", "Visits")}, "reason": {"anger": Label("生气", "Angry")},
                    "report": {"title": Label("周报", "Weekly")}})
    text = report.summary(this, last, {}, names)
    assert text.startswith("# 周报 Weekly: 2026-11-02 – 2026-11-08\n")
    assert "| 来访 Visits | 7 | 1 |" in text
    assert "- 生气 Angry (anger): 1" in text
    assert "- explicit_request: 2" in text  # no label: the identifier itself
    assert "| ratings | 3 | 1 |" in text


def test_chart_labels_fall_back_to_english_without_a_cjk_font():
    english = report.ChartLabels(chinese=False, names=LABELS)
    assert english.name("category", "complaint") == "Complaint"
    assert english.name("reason", "anger") == "Upset"
    assert english.name("reason", "no_such_reason") == "no_such_reason"
    assert english.problem("faq/x", {"faq/x": "怎么"}) == "faq/x"
    assert english.problem("report_fault", {}) == "Fault report (report_fault)"
    chinese = report.ChartLabels(chinese=True, names=LABELS)
    assert chinese.name("category", "complaint") == "投诉 Complaint"
    assert chinese.problem("faq/x", {"faq/x": "怎么"}) == "怎么 (faq/x)"
    assert chinese.problem("report_fault", {}) == "故障报修 Fault report (report_fault)"


def test_the_command(week, embedded_redis, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("REDIS_URL", embedded_redis.url)
    assert report.main(["--week", "--end", "2026-11-08", "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "summary.md").exists()
    assert str(tmp_path / "r" / "csat.png") in capsys.readouterr().out
