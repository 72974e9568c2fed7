"""Query times of the research views and canned queries on a database of ~75,000 artifacts.

The database is real pipeline output: the replay server serves the corpus parquet's 74,970
generated Hub models, scraped in four batches dated in four successive weeks (2026-W44 to
W47), so the views have history to look back on. Each canned query of `tracker serve`
(tracker/serve.py) and a full read of each view (`SELECT COUNT(*)`) are run through
`tracker.query.run_query` (read-only, as `tracker query` runs them), three times; the table
shows the median. Prints a table and writes benchmarks/results/views.json.

    python benchmarks/bench_views.py                       # builds the database (~7 min)
    python benchmarks/bench_views.py --db /tmp/views.db    # keep it; reuse it next time
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.replay import ReplayServer  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "views.json"
WEEKS = ("2026-10-28T10:00:00", "2026-11-04T10:00:00", "2026-11-11T10:00:00", "2026-11-18T10:00:00")


def build(db: Path, models: int) -> float:
    from tracker.db.engine import make_engine, upgrade_to_head
    from tracker.scrape import scrape_hub
    from tracker.settings import Settings

    engine = make_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    started = time.perf_counter()
    with ReplayServer.generated(models) as server:
        assert server.generated_hub is not None
        ids = server.generated_hub.ids
        settings = Settings(hf_endpoint=server.url, http_timeout=30.0)
        step = -(-len(ids) // len(WEEKS))
        for n, when in enumerate(WEEKS):
            os.environ["TRACKER_NOW"] = when
            chunk = ids[n * step : (n + 1) * step]
            scrape_hub(engine, settings, chunk, follow_bases=False, progress=True)
    del os.environ["TRACKER_NOW"]
    engine.dispose()
    return time.perf_counter() - started


def measure(db: Path, repeat: int) -> list[dict[str, Any]]:
    from tracker.db.engine import make_engine, upgrade_to_head
    from tracker.query import run_query
    from tracker.serve import CANNED_QUERIES
    from tracker.views import VIEWS

    engine = make_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    queries = [(f"SELECT COUNT(*) FROM {v.name}", f"view {v.name}") for v in VIEWS]
    queries += [
        (q["sql"].replace(":since", "'2026-11-01'"), f"canned {name}")
        for name, q in CANNED_QUERIES.items()
    ]
    out = []
    for sql, label in queries:
        times, rows = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            result = run_query(engine, sql)
            times.append(time.perf_counter() - started)
            rows = len(result.rows) if not label.startswith("view") else int(result.rows[0][0])
        out.append({"query": label, "rows": rows, "median_s": statistics.median(times)})
    (artifacts,) = run_query(engine, "SELECT COUNT(*) FROM artifact").rows[0]
    engine.dispose()
    for row in out:
        row["artifacts"] = artifacts
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=74970)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, help="keep the database here; reuse it if present")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "tracker.db"
        build_s = None if db.exists() else build(db, args.models)
        results = measure(db, args.repeat)
    artifacts = results[0]["artifacts"]
    table = Table(
        title=f"Research queries on {artifacts:,} artifacts (SQLite, median of {args.repeat})"
    )
    for column in ("query", "rows", "seconds"):
        table.add_column(column, justify="left" if column == "query" else "right")
    for r in results:
        table.add_row(r["query"], f"{r['rows']:,}", f"{r['median_s']:.3f}")
    Console().print(table)
    payload = {
        "benchmark": "research views and canned queries",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "artifacts": artifacts,
        "build_s": build_s,
        "results": results,
    }
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
