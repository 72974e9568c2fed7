"""Digest build and render time for a week with 10,000 events (issue #5: under a second).

The history is real pipeline output, not rows typed in: the replay server serves generated Hub
models (`ReplayServer.generated`, model names and metadata from the corpus parquet, cards from
the corpus); 2,000 are scraped on a Wednesday of 2026-W46 and 10,000 more on a Wednesday of
2026-W47, into a fresh SQLite file. W47 then holds 10,000 new-artifact events, tens of
thousands of findings on them and their lineage, which the digest ranks, groups and caps.

Timed, in this process: `build_digest` (database -> DigestContent), `render` (curation applied,
charts drawn as SVG and PNG, Markdown, HTML, email parts) and the whole `draft` (both, plus
writing data.json, curation.yaml and the .eml). The first run pays the imports (matplotlib's
~0.5 s among them); the median of the next `--repeat` runs is the warm figure.
Prints a table and writes benchmarks/results/digest.json.

    python benchmarks/bench_digest.py                 # 2,000 + 10,000 models
    python benchmarks/bench_digest.py --week-models 2000   # a quicker look
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.replay import ReplayServer  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "digest.json"
BEFORE_AT, WEEK_AT = "2026-11-11T10:00:00+00:00", "2026-11-18T10:00:00+00:00"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def build_history(db: Path, before: int, week: int) -> dict[str, Any]:
    from tracker.db.engine import make_engine, upgrade_to_head
    from tracker.scrape import scrape_hub
    from tracker.settings import Settings

    engine = make_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    started = time.perf_counter()
    with ReplayServer.generated(before + week) as server:
        assert server.generated_hub is not None
        ids = server.generated_hub.ids
        settings = Settings(hf_endpoint=server.url, http_timeout=30.0)
        for when, chunk in ((BEFORE_AT, ids[:before]), (WEEK_AT, ids[before:])):
            os.environ["TRACKER_NOW"] = when
            scrape_hub(engine, settings, chunk, follow_bases=False, progress=True)
    del os.environ["TRACKER_NOW"]
    engine.dispose()
    return {"scrape_s": time.perf_counter() - started}


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(first run, median of the next `repeat`, the last result)."""
    started = time.perf_counter()
    result = fn()
    first = time.perf_counter() - started
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return first, statistics.median(runs), result


def measure(db: Path, out: Path, repeat: int) -> dict[str, Any]:
    from sqlmodel import Session, func, select

    from tracker.db.engine import make_engine
    from tracker.db.models import Event, Finding
    from tracker.digest import curation
    from tracker.digest.build import build_digest
    from tracker.digest.charts import draw_charts
    from tracker.digest.render import render
    from tracker.digest.week import IsoWeek
    from tracker.digest.workflow import draft

    week = IsoWeek.parse("2026-W47")
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        events = session.exec(
            select(func.count())
            .select_from(Event)
            .where(Event.created_at >= week.start, Event.created_at < week.end)
        ).one()
        findings = session.exec(select(func.count()).select_from(Finding)).one()

    def build() -> Any:
        with Session(engine) as session:
            return build_digest(session, week, NOW)

    build_first, build_warm, content = timed(build, repeat)

    def render_all() -> Any:
        charts = draw_charts(content, out / "charts")
        notes = curation.apply(curation.merge(None, content), content)
        return render(content, notes, charts)

    render_first, render_warm, rendered = timed(render_all, repeat)
    draft_first, draft_warm, _ = timed(lambda: draft(engine, week, out, NOW, force=True), repeat)
    engine.dispose()
    return {
        "events_in_week": events,
        "findings": findings,
        "items_shown": len(content.items),
        "items_left_out": sum(content.more.values()),
        "markdown_kb": len(rendered.markdown) / 1024,
        "build_first_s": build_first,
        "build_s": build_warm,
        "render_first_s": render_first,
        "render_s": render_warm,
        "draft_first_s": draft_first,
        "draft_s": draft_warm,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-models", type=int, default=2000, help="scraped in 2026-W46")
    parser.add_argument("--week-models", type=int, default=10000, help="scraped in 2026-W47")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--db", type=Path, help="keep the history in this SQLite file; reuse it if it exists"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "tracker.db"
        history = {} if db.exists() else build_history(db, args.before_models, args.week_models)
        result = {**history, **measure(db, Path(tmp) / "digests", args.repeat)}
    table = Table(title="tracker digest for 2026-W47 (seconds; warm = median of the repeats)")
    for column in ("events", "shown", "left out", "build", "render", "draft", "draft, 1st run"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{result['events_in_week']:,}",
        f"{result['items_shown']:,}",
        f"{result['items_left_out']:,}",
        f"{result['build_s']:.3f}",
        f"{result['render_s']:.3f}",
        f"{result['draft_s']:.3f}",
        f"{result['draft_first_s']:.3f}",
    )
    Console().print(table)
    goal = "under 1 s" if result["draft_s"] < 1.0 else "NOT under 1 s"
    print(f"goal: a week of 10,000 events drafted and rendered in under a second: {goal}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "tracker digest draft of a week with 10,000 events",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "goal_s": 1.0,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "result": result,
    }
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
