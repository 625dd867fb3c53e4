"""The weekly report: four PNG charts and a Markdown summary, with or without a CJK font."""
import datetime as dt

import pytest

from bot.analytics import report
from tests.bot.analytics.history_builder import build_week

PNG = b"\x89PNG\r\n\x1a\n"


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
    for line in [
        # The week before holds u0's complaint of 31 October, handed to a person and rated 3.
        "| 咨询 Contacts | 7 | 1 |",
        "| 转人工 Handoffs (+ call-backs) | 4 | 1 |",
        "| 转人工率 Handoff rate | 42.9% | 100.0% |",
        "| 首次解决率 First-contact resolution | 28.6% | 0.0% |",
        "| 满意度 CSAT (1–5) | 3.67 | 3 |",
        "| 五星率 Five-star rate | 33.3% | 0.0% |",
        "| 平均等待 Average wait | 6.5 min | 1.0 min |",
        "| 平均处理 Average handle time | 20.0 min | 2819.0 min |",
        "| 工单 Tickets | 3 | 0 |",
        "| 待回访 Follow-ups due | 1 | 0 |",
        "1. check_order_status: 2 (28.6%)",
        "- 要求人工 explicit_request: 2",
        "![volumes](volumes.png)",
    ]:
        assert line in text
    assert "faq/change_password (" in text  # named by its first question when the entry exists


def test_labels_fall_back_to_english_without_a_cjk_font():
    english = report.Labels(chinese=False)
    assert english.category("complaint") == "Complaint"
    assert english.reason("anger") == "Upset"
    assert english.problem("faq/x", {"faq/x": "怎么"}) == "faq/x"
    chinese = report.Labels(chinese=True)
    assert chinese.category("complaint") == "投诉 Complaint"
    assert chinese.problem("faq/x", {"faq/x": "怎么"}) == "怎么 (faq/x)"


def test_the_command(week, embedded_redis, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("REDIS_URL", embedded_redis.url)
    assert report.main(["--week", "--end", "2026-11-08", "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "summary.md").exists()
    assert str(tmp_path / "r" / "csat.png") in capsys.readouterr().out
