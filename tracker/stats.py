"""`tracker stats`: the headline compliance and bias-documentation figures, and their charts.

Figures are as of now (each artifact's latest successful snapshot); the trend has one point
per ISO week from the first fetch to the last, each as of that week's end (tracker.history).
Charts: the license mix of all tracked artifacts, and RAIL compliance with bias-evaluation
coverage over the weeks, as SVG and PNG (tracker.charts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.digest.week import IsoWeek
from tracker.history import States
from tracker.query import run_query

TOP_LICENSES = 12


@dataclass
class Stats:
    as_of: str
    figures: dict[str, Any]
    license_mix: list[tuple[str, int]]
    weeks: list[str] = field(default_factory=list)
    rail_compliance: list[float | None] = field(default_factory=list)
    bias_evaluation: list[float | None] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def compute_stats(engine: Engine, now: datetime) -> Stats:
    def one(sql: str) -> Any:
        return run_query(engine, sql).rows[0][0]

    with Session(engine) as session:
        states = States(session)
    rail, derivatives = states.rail_compliance(now)
    mix = run_query(
        engine,
        "SELECT COALESCE(license, '(none found)'), COUNT(DISTINCT artifact_id) AS n "
        "FROM artifact_licenses GROUP BY license ORDER BY n DESC, 1",
    ).rows
    figures = {
        "artifacts tracked": one("SELECT COUNT(*) FROM artifact"),
        "artifacts fetched": one("SELECT COUNT(*) FROM latest_snapshot"),
        "with a license found": _share(
            one(
                "SELECT COUNT(*) FROM latest_snapshot "
                "WHERE COALESCE(declared_license, detected_license) IS NOT NULL"
            ),
            one("SELECT COUNT(*) FROM latest_snapshot"),
        ),
        "RAIL derivatives": derivatives,
        "RAIL derivatives that comply": rail,
        "model cards with a bias section": _share(
            one("SELECT SUM(has_bias_section) FROM bias_eval_coverage WHERE is_latest = 1"),
            one("SELECT COUNT(*) FROM bias_eval_coverage WHERE is_latest = 1"),
        ),
        "model cards reporting a bias evaluation": states.bias_evaluation(now),
    }
    stats = Stats(now.isoformat(timespec="seconds"), figures, [(str(k), int(n)) for k, n in mix])
    first, last = run_query(
        engine, "SELECT MIN(fetched_week), MAX(fetched_week) FROM snapshot"
    ).rows[0]
    if first and last:
        week, end = IsoWeek.parse(first), IsoWeek.parse(last)
        while week <= end:
            stats.weeks.append(str(week))
            stats.rail_compliance.append(states.rail_compliance(week.end)[0])
            stats.bias_evaluation.append(states.bias_evaluation(week.end))
            week = IsoWeek.of(week.end)
    return stats


def draw_stats(stats: Stats, out: Path) -> list[Path]:
    from tracker import charts

    written = []
    if stats.license_mix:
        fig = charts.bars(stats.license_mix[:TOP_LICENSES], "artifacts")
        written += charts.save(fig, out, "license-mix", "Licenses of the tracked artifacts")
    if stats.weeks:
        fig = charts.rates(
            [w.split("-")[1] for w in stats.weeks], stats.rail_compliance, stats.bias_evaluation
        )
        title = f"Compliance and bias-evaluation rates, {stats.weeks[0]} to {stats.weeks[-1]}"
        written += charts.save(fig, out, "rates", title)
    return written


def _share(part: Any, whole: Any) -> float | None:
    return None if not whole else float(part or 0) / float(whole)


def shown(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{100 * value:.1f} %"
    return f"{value:,}"
