"""Query results as files: CSV, JSON and Parquet; and `tracker export`, every view at once.

The export folder holds, per view, `<view>.csv` and `<view>.parquet`, and a README.md naming
the snapshot date (the newest fetch in the database) and every column, from
docs/data-dictionary.md's descriptions (tracker.views).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tracker.query import QueryResult, run_query
from tracker.views import VIEWS, describe


def to_csv(result: QueryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows(result.rows)
    return out.getvalue()


def to_json(result: QueryResult) -> str:
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    return json.dumps(rows, indent=1, ensure_ascii=False, default=_plain) + "\n"


def write_parquet(result: QueryResult, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {
        name: [_plain(row[i]) if _needs_plain(row[i]) else row[i] for row in result.rows]
        for i, name in enumerate(result.columns)
    }
    pq.write_table(pa.table(columns), path)


def export_views(engine: Engine, out: Path) -> list[Path]:
    """Every view as CSV and Parquet in `out`, with a README of their columns."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    counts = {}
    for view in VIEWS:
        result = run_query(engine, f"SELECT * FROM {view.name}")
        counts[view.name] = len(result.rows)
        (out / f"{view.name}.csv").write_text(to_csv(result), encoding="utf-8")
        write_parquet(result, out / f"{view.name}.parquet")
        written += [out / f"{view.name}.csv", out / f"{view.name}.parquet"]
    newest = run_query(engine, "SELECT MAX(fetched_at) FROM snapshot WHERE status = 'ok'")
    readme = out / "README.md"
    readme.write_text(_readme(str(newest.rows[0][0] or "no snapshot yet"), counts), "utf-8")
    return [readme, *written]


def _readme(snapshot_date: str, counts: dict[str, int]) -> str:
    lines = [
        "# genai-tracker export",
        "",
        f"Snapshot date (the newest successful fetch): {snapshot_date}. Each view is here as",
        "CSV and as Parquet; the columns are described below and in docs/data-dictionary.md.",
        "",
    ]
    for view in VIEWS:
        lines += describe(view, f"{view.name} ({counts[view.name]:,} rows)")
    return "\n".join(lines)


def _needs_plain(value: Any) -> bool:
    return isinstance(value, datetime | date | Decimal)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)
