"""The weekly review: charts (PNG) and a short Markdown summary of one week's figures.

``python -m bot.analytics.report --week [--end 2026-11-22] --out DIR`` covers the seven days ending with
``--end`` (default: yesterday, in the service's time zone) and writes into DIR:
``summary.md``, ``volumes.png``, ``top_problems.png``, ``handoff_reasons.png`` and ``csat.png``.
The summary compares each figure with the week before.

Labels are in Chinese with English beside them when a CJK font is installed (e.g. Debian's
``fonts-noto-cjk``), in English only otherwise, so the charts never show empty boxes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.analytics.periods import Period, service_timezone

CATEGORY_LABELS = {"inquiry": ("咨询", "Inquiry"), "complaint": ("投诉", "Complaint"),
                   "suggestion": ("建议", "Suggestion"), "fault": ("故障", "Fault")}
REASON_LABELS = {
    "explicit_request": ("要求人工", "Asked for a person"), "anger": ("情绪激动", "Upset"),
    "repeated_fallback": ("多次未识别", "Not understood"), "same_problem_repeated": ("问题重复", "Same problem again"),
    "answer_not_helpful": ("答案无帮助", "Answer not helpful"), "high_priority": ("高优先级", "High priority"),
    "vip_complaint": ("VIP投诉", "VIP complaint"), "repeat_complainer": ("多次投诉", "Repeat complainer"),
    "beyond_authority": ("超出权限", "Beyond the bot's authority"),
}
# The request intents of data/service/triage.yml, for charts; FAQ entries are named by their first question.
INTENT_LABELS = {"check_order_status": "查询订单", "check_refund_status": "查询退款", "complaint": "投诉",
                 "payment_problem": "支付问题", "suggestion": "建议", "report_fault": "故障报修",
                 "account_security": "账户安全", "request_human": "要求人工"}
CHART_FILES = ("volumes.png", "top_problems.png", "handoff_reasons.png", "csat.png")
_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei", "Heiti SC",
                 "Noto Sans CJK JP", "Noto Sans CJK TC", "Droid Sans Fallback", "AR PL UMing CN")


@lru_cache(maxsize=1)
def cjk_font() -> Optional[str]:
    """The family name of an installed font that has Chinese characters, or None."""
    found = _cjk_font_known_to_matplotlib()
    if found is None and _add_fonts_missing_from_cache():
        found = _cjk_font_known_to_matplotlib()
    return found


def _cjk_font_known_to_matplotlib() -> Optional[str]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    fonts = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    candidates = [name for name in _CJK_FAMILIES if name in fonts]
    candidates += sorted(name for name in fonts if "CJK" in name and name not in candidates)
    for name in candidates:
        try:
            if FT2Font(fonts[name]).get_char_index(ord("客")):
                return name
        except (OSError, RuntimeError):
            continue
    return None


def _add_fonts_missing_from_cache() -> bool:
    """Add system fonts matplotlib does not list; True if there were any.

    Matplotlib caches the system's font list on first use, so a font installed afterwards
    (say, a Chinese font added for these charts) stays invisible to it without this.
    """
    from matplotlib import font_manager

    known = {f.fname for f in font_manager.fontManager.ttflist}
    added = False
    for path in font_manager.findSystemFonts():
        if path in known:
            continue
        try:
            font_manager.fontManager.addfont(path)
            added = True
        except (OSError, RuntimeError, ValueError):
            continue
    return added


@dataclass(frozen=True)
class Labels:
    """Bilingual labels, or English ones when no CJK font can draw Chinese."""

    chinese: bool

    def pair(self, zh: str, en: str) -> str:
        return f"{zh} {en}" if self.chinese else en

    def category(self, code: str) -> str:
        zh, en = CATEGORY_LABELS.get(code, (code, code))
        return self.pair(zh, en)

    def reason(self, code: str) -> str:
        zh, en = REASON_LABELS.get(code, (code or "—", code or "—"))
        return self.pair(zh, en)

    def problem(self, code: str, questions: Mapping[str, str]) -> str:
        name = questions.get(code) or INTENT_LABELS.get(code)
        return f"{name} ({code})" if name and self.chinese else code


def faq_questions() -> Dict[str, str]:
    """``faq/<id>`` → the entry's first Chinese question, to name problems in charts."""
    from bot.knowledge.base import KnowledgeBase, KnowledgeBaseError, first_questions
    from bot.settings import PROJECT_ROOT

    try:
        return first_questions(KnowledgeBase.load(PROJECT_ROOT / "data" / "faq"))
    except (OSError, KnowledgeBaseError):
        return {}


# -- charts ---------------------------------------------------------------------------------------------
def _figure(height: float = 4.0, counts_on: str = "y"):
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, height), dpi=100)
    axes = figure.add_subplot(1, 1, 1)
    (axes.yaxis if counts_on == "y" else axes.xaxis).set_major_locator(MaxNLocator(integer=True))
    return figure, axes


def _horizontal_bars(path: Path, title: str, rows: Sequence[Tuple[str, float]], xlabel: str) -> None:
    figure, axes = _figure(max(2.5, 0.45 * len(rows) + 1.5), counts_on="x")
    if rows:
        names = [name for name, _ in rows][::-1]
        values = [value for _, value in rows][::-1]
        axes.barh(names, values, color="#1565c0")
        for y, value in enumerate(values):
            axes.annotate(f"{value:g}", (value, y), xytext=(3, 0), textcoords="offset points", va="center")
    else:
        axes.text(0.5, 0.5, "—", ha="center", va="center", transform=axes.transAxes)
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    figure.tight_layout()
    figure.savefig(path, format="png")


def draw_charts(figures: Mapping[str, Any], out: Path, labels: Labels, questions: Mapping[str, str]) -> List[Path]:
    """The four PNG charts of the week; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    font = cjk_font() if labels.chinese else None
    params = {"font.family": [font, "DejaVu Sans"]} if font else {}
    out.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(params):
        days = figures["period"]["days"]
        requests = figures["volumes"]["requests"]
        figure, axes = _figure()
        bottom = [0] * len(days)
        colours = {"inquiry": "#1565c0", "complaint": "#c62828", "suggestion": "#2e7d32", "fault": "#ef8f00"}
        short_days = [day[5:] for day in days]
        for category in figures["volumes"]["categories"]:
            values = [requests[day].get(category, 0) for day in days]
            axes.bar(short_days, values, bottom=bottom, label=labels.category(category), color=colours.get(category))
            bottom = [b + v for b, v in zip(bottom, values)]
        handoffs = [sum(figures["volumes"]["handoffs"][day].values()) for day in days]
        axes.plot(short_days, handoffs, color="#212121", marker="o", label=labels.pair("转人工", "Handoffs"))
        axes.set_title(labels.pair("每日咨询量(按类别)", "Contacts per day by category"))
        axes.set_ylabel(labels.pair("次数", "Count"))
        axes.legend(loc="upper left", fontsize="small")
        figure.tight_layout()
        figure.savefig(out / "volumes.png", format="png")

        _horizontal_bars(out / "top_problems.png", labels.pair("十大高频问题", "Top 10 problems"),
                         [(labels.problem(p["problem"], questions), p["count"]) for p in figures["top_problems"]],
                         labels.pair("咨询次数", "Contacts"))
        _horizontal_bars(out / "handoff_reasons.png", labels.pair("转人工原因", "Handoff reasons"),
                         [(labels.reason(r), n) for r, n in figures["handoffs"]["by_reason"].items()],
                         labels.pair("次数", "Count"))
        scores = figures["csat"]["by_score"]
        _horizontal_bars(out / "csat.png", labels.pair("满意度分布", "Satisfaction ratings"),
                         [(f"{score}★" if labels.chinese else f"{score} stars", scores[str(score)]) for score in range(5, 0, -1)],
                         labels.pair("评价数", "Ratings"))
    return [out / name for name in CHART_FILES]


# -- summary ---------------------------------------------------------------------------------------------
def _percent(value: Optional[float]) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _minutes(seconds: Optional[float]) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f} min"


def _number(value: Optional[float]) -> str:
    return "—" if value is None else f"{value:g}"


def summary(this: Mapping[str, Any], last: Mapping[str, Any], questions: Mapping[str, str]) -> str:
    """The Markdown summary for the weekly review (figures only: no personal data)."""
    period = this["period"]
    first, final = period["days"][0], period["days"][-1]

    def row(name: str, pick, show) -> str:
        return f"| {name} | {show(pick(this))} | {show(pick(last))} |"

    lines = [
        f"# 客服周报 Weekly service review: {first} – {final}",
        "",
        f"Time zone {period['timezone']}. Generated by `python -m bot.analytics.report`; definitions in docs/cases.md.",
        "",
        "| 指标 Figure | 本周 This week | 上周 Week before |",
        "| --- | ---: | ---: |",
        row("咨询 Contacts", lambda f: f["totals"]["contacts"], _number),
        row("转人工 Handoffs (+ call-backs)", lambda f: f["handoffs"]["count"] + f["handoffs"]["callbacks"], _number),
        row("转人工率 Handoff rate", lambda f: f["handoffs"]["rate"], _percent),
        row("首次解决率 First-contact resolution", lambda f: f["first_contact_resolution"]["rate"], _percent),
        row("满意度 CSAT (1–5)", lambda f: f["csat"]["average"], _number),
        row("五星率 Five-star rate", lambda f: f["csat"]["five_star_rate"], _percent),
        row("评价数 Ratings", lambda f: f["csat"]["ratings"], _number),
        row("平均等待 Average wait", lambda f: f["times"]["avg_wait_seconds"], _minutes),
        row("平均处理 Average handle time", lambda f: f["times"]["avg_handle_seconds"], _minutes),
        row("工单 Tickets", lambda f: f["tickets"]["count"], _number),
        row("待回访 Follow-ups due", lambda f: f["tickets"]["by_status"].get("follow_up_due", 0), _number),
        "",
        "## 高频问题 Top problems",
        "",
    ]
    if this["top_problems"]:
        for rank, problem in enumerate(this["top_problems"], start=1):
            question = questions.get(problem["problem"])
            name = f"{problem['problem']} ({question})" if question else problem["problem"]
            lines.append(f"{rank}. {name}: {problem['count']} ({_percent(problem['share'])})")
    else:
        lines.append("No contacts this week.")
    lines += ["", "## 转人工原因 Handoff reasons", ""]
    reasons = this["handoffs"]["by_reason"]
    lines += [f"- {REASON_LABELS.get(r, (r, r))[0]} {r}: {n}" for r, n in reasons.items()] or ["- none"]
    lines += ["", "## 图表 Charts", ""]
    lines += [f"![{name[:-4]}]({name})" for name in CHART_FILES]
    return "\n".join(lines) + "\n"


def write_report(client: Any, last_day: dt.date, out: Path, timezone: str, chinese: Optional[bool] = None) -> List[Path]:
    """Compute the week ending ``last_day`` and the week before, write charts and summary.md."""
    from bot.analytics import figures as analytics

    week = Period.week_ending(last_day, timezone)
    before = Period.week_ending(last_day - dt.timedelta(days=7), timezone)
    this, last = analytics.compute(client, week), analytics.compute(client, before)
    questions = faq_questions()
    labels = Labels(chinese=cjk_font() is not None if chinese is None else chinese)
    charts = draw_charts(this, out, labels, questions)
    (out / "summary.md").write_text(summary(this, last, questions), encoding="utf-8")
    return [*charts, out / "summary.md"]


def main(argv: Optional[List[str]] = None) -> int:
    """``python -m bot.analytics.report --week [--end YYYY-MM-DD] --out DIR``."""
    from zoneinfo import ZoneInfo

    from bot.log_masking import install
    from bot.ops.redis_client import command_line_redis
    from bot.settings import Settings, SettingsError

    parser = argparse.ArgumentParser(prog="python -m bot.analytics.report", description="Charts and a summary for the weekly review.")
    parser.add_argument("--week", action="store_true", required=True, help="report on a week (the only period so far)")
    parser.add_argument("--end", type=dt.date.fromisoformat, help="the week's last day (default: yesterday)")
    parser.add_argument("--out", type=Path, required=True, help="directory for the PNG files and summary.md")
    args = parser.parse_args(argv)
    install()
    timezone = service_timezone()
    last_day = args.end or (dt.datetime.fromtimestamp(time.time(), ZoneInfo(timezone)).date() - dt.timedelta(days=1))
    try:
        settings = Settings.from_env()
        with command_line_redis(settings) as client:
            written = write_report(client, last_day, args.out, timezone)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if cjk_font() is None:
        print("no CJK font found: labels are in English (install fonts-noto-cjk for Chinese)", file=sys.stderr)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
