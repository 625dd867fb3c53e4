"""The weekly review: charts (PNG) and a short Markdown summary of one week's figures.

``python -m bot.analytics.report --week [--end 2026-11-22] --out DIR`` covers the seven days ending with
``--end`` (default: yesterday, in the service's time zone) and writes into DIR:
``summary.md``, ``volumes.png``, ``top_problems.png``, ``handoff_reasons.png`` and ``csat.png``.
The summary compares each figure with the week before.

Every label comes from data/service/labels.yml, as the console's do. The summary has Chinese
with English beside it; so have the charts when a CJK font is installed (e.g. Debian's
``fonts-noto-cjk``), in English only otherwise, so that they never show empty boxes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.analytics.periods import Period, service_timezone
from bot.service.labels import Labels

CHART_FILES = ("volumes.png", "top_problems.png", "handoff_reasons.png", "csat.png")
_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei", "Heiti SC",
                 "Noto Sans CJK JP", "Noto Sans CJK TC", "Droid Sans Fallback", "AR PL UMing CN")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font that has Chinese characters, or None."""
    found = _cjk_font_known_to_matplotlib()
    if found is None and _add_fonts_missing_from_cache():
        found = _cjk_font_known_to_matplotlib()
    return found


def _cjk_font_known_to_matplotlib() -> str | None:
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
class ChartLabels:
    """The labels of labels.yml as the charts show them: "zh en", or English when no CJK font can draw Chinese."""

    chinese: bool
    names: Labels

    def name(self, kind: str, code: str) -> str:
        """The label of ``code``; the code itself (— if empty) when it has none."""
        label = self.names.get(kind, code)
        if label is None:
            return code or "—"
        return label.pair() if self.chinese else label.en

    def problem(self, code: str, questions: Mapping[str, str]) -> str:
        """An FAQ entry by its (Chinese) first question, an intent by its label, with the code beside."""
        label = self.names.get("problem", code)
        name = questions.get(code) if self.chinese else None  # the questions are Chinese
        if not name and label is not None:
            name = label.pair() if self.chinese else label.en
        return f"{name} ({code})" if name else code


def faq_questions() -> dict[str, str]:
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


def _horizontal_bars(path: Path, title: str, rows: Sequence[tuple[str, float]], xlabel: str) -> None:
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


def draw_charts(figures: Mapping[str, Any], out: Path, labels: ChartLabels, questions: Mapping[str, str]) -> list[Path]:
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
            axes.bar(short_days, values, bottom=bottom, label=labels.name("category", category), color=colours.get(category))
            bottom = [b + v for b, v in zip(bottom, values, strict=False)]
        handoffs = [sum(figures["volumes"]["handoffs"][day].values()) for day in days]
        axes.plot(short_days, handoffs, color="#212121", marker="o", label=labels.name("report", "handoffs"))
        axes.set_title(labels.name("report", "volumes_chart"))
        axes.set_ylabel(labels.name("report", "count"))
        axes.legend(loc="upper left", fontsize="small")
        figure.tight_layout()
        figure.savefig(out / "volumes.png", format="png")

        _horizontal_bars(out / "top_problems.png", labels.name("report", "top_problems_chart"),
                         [(labels.problem(p["problem"], questions), p["count"]) for p in figures["top_problems"]],
                         labels.name("report", "contacts"))
        _horizontal_bars(out / "handoff_reasons.png", labels.name("report", "handoff_reasons"),
                         [(labels.name("reason", r), n) for r, n in figures["handoffs"]["by_reason"].items()],
                         labels.name("report", "count"))
        scores = figures["csat"]["by_score"]
        _horizontal_bars(out / "csat.png", labels.name("report", "csat_chart"),
                         [(f"{score}★" if labels.chinese else f"{score} stars", scores[str(score)]) for score in range(5, 0, -1)],
                         labels.name("report", "ratings"))
    return [out / name for name in CHART_FILES]


# -- summary ---------------------------------------------------------------------------------------------
def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f} min"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


# "name (code)", as the console shows them; an FAQ entry is named by its first question.
def _problem_name(code: str, questions: Mapping[str, str], names: Labels) -> str:
    label = names.get("problem", code)
    name = questions.get(code) or (label.pair() if label else "")
    return f"{name} ({code})" if name else code


def _reason_name(code: str, names: Labels) -> str:
    label = names.get("reason", code)
    return f"{label.pair()} ({code})" if label else code or "—"


def _priority_reason_name(code: str, names: Labels) -> str:
    label = names.get("priority_reason", code)
    return f"{label.pair()} ({code})" if label else code


def summary(this: Mapping[str, Any], last: Mapping[str, Any], questions: Mapping[str, str], names: Labels) -> str:
    """The Markdown summary for the weekly review (figures only: no personal data), labelled from ``names``."""
    period = this["period"]
    first, final = period["days"][0], period["days"][-1]

    def row(figure: str, pick, show) -> str:
        return f"| {names.pair('figure', figure)} | {show(pick(this))} | {show(pick(last))} |"

    def heading(key: str) -> str:
        return names.pair("report", key)

    lines = [
        f"# {heading('title')}: {first} – {final}",
        "",
        f"Time zone {period['timezone']}. Generated by `python -m bot.analytics.report`; definitions in docs/cases.md.",
        "",
        f"| {heading('figure')} | {heading('this_week')} | {heading('week_before')} |",
        "| --- | ---: | ---: |",
        row("contacts", lambda f: f["totals"]["contacts"], _number),
        row("handoffs", lambda f: f["handoffs"]["count"] + f["handoffs"]["callbacks"], _number),
        row("handoff_rate", lambda f: f["handoffs"]["rate"], _percent),
        row("first_contact_resolution", lambda f: f["first_contact_resolution"]["rate"], _percent),
        row("angry_contact_rate", lambda f: f["emotions"]["angry_rate"], _percent),
        row("csat", lambda f: f["csat"]["average"], _number),
        row("five_star_rate", lambda f: f["csat"]["five_star_rate"], _percent),
        row("ratings", lambda f: f["csat"]["ratings"], _number),
        row("avg_wait", lambda f: f["times"]["avg_wait_seconds"], _minutes),
        row("avg_handle", lambda f: f["times"]["avg_handle_seconds"], _minutes),
        row("tickets", lambda f: f["tickets"]["count"], _number),
        row("follow_ups_due", lambda f: f["tickets"]["by_status"].get("follow_up_due", 0), _number),
        row("on_time_follow_up_rate", lambda f: f["tickets"]["on_time_follow_up"]["rate"], _percent),
        row("second_contact_rate", lambda f: f["tickets"]["second_contact"]["rate"], _percent),
        row("avg_time_to_close", lambda f: f["tickets"]["time_to_close"]["avg_seconds"], _minutes),
        row("return_visit_rating", lambda f: f["tickets"]["return_visits"]["average"], _number),
        "",
        f"## {heading('top_problems')}",
        "",
    ]
    if this["top_problems"]:
        for rank, problem in enumerate(this["top_problems"], start=1):
            name = _problem_name(problem["problem"], questions, names)
            lines.append(f"{rank}. {name}: {problem['count']} ({_percent(problem['share'])})")
    else:
        lines.append(heading("no_contacts"))
    lines += ["", f"## {heading('handoff_reasons')}", ""]
    reasons = this["handoffs"]["by_reason"]
    lines += [f"- {_reason_name(r, names)}: {n}" for r, n in reasons.items()] or [f"- {heading('none')}"]
    lines += ["", f"## {heading('priority_reasons')}", ""]
    by_priority = this["handoffs"].get("by_priority", {})
    lines.append(" · ".join(f"{names.pair('priority', p)}: {by_priority.get(p, 0)}" for p in ("high", "normal", "low")))
    lines.append("")
    why = this["handoffs"].get("by_priority_reason", {})
    lines += [f"- {_priority_reason_name(r, names)}: {n}" for r, n in why.items()] or [f"- {heading('none')}"]
    lines += ["", f"## {heading('charts')}", ""]
    lines += [f"![{name[:-4]}]({name})" for name in CHART_FILES]
    return "\n".join(lines) + "\n"


def write_report(client: Any, last_day: dt.date, out: Path, timezone: str, chinese: bool | None = None) -> list[Path]:
    """Compute the week ending ``last_day`` and the week before, write charts and summary.md."""
    from bot.analytics import figures as analytics

    week = Period.week_ending(last_day, timezone)
    before = Period.week_ending(last_day - dt.timedelta(days=7), timezone)
    this, last = analytics.compute(client, week), analytics.compute(client, before)
    questions = faq_questions()
    names = Labels.load()
    labels = ChartLabels(chinese=cjk_font() is not None if chinese is None else chinese, names=names)
    charts = draw_charts(this, out, labels, questions)
    (out / "summary.md").write_text(summary(this, last, questions, names), encoding="utf-8")
    return [*charts, out / "summary.md"]


def main(argv: list[str] | None = None) -> int:
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
