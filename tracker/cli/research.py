"""`tracker query` and `tracker export`: the research views, read-only."""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.options import DbOpt


class QueryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def query_command(
    sql: Annotated[str, typer.Argument(help="One SQL statement (SELECT, WITH ...).")],
    fmt: Annotated[
        QueryFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
    ] = QueryFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (parquet needs it).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Run one read-only SQL statement over the database and print or write its rows.

    The database is opened read-only: INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH and PRAGMA
    writes are refused (exit 2) and the file is left untouched. The views are described in
    docs/data-dictionary.md.

    Example: tracker query "SELECT license, COUNT(*) FROM artifact_licenses GROUP BY license"
    """
    from tracker.db.engine import database_url, make_engine
    from tracker.errors import ConfigError
    from tracker.export import to_csv, to_json, write_parquet
    from tracker.query import run_query

    if fmt is QueryFormat.parquet and output is None:
        raise ConfigError("--format parquet needs --output FILE")
    engine = make_engine(database_url(db))
    try:
        result = run_query(engine, sql)
    finally:
        engine.dispose()
    if fmt is QueryFormat.parquet:
        assert output is not None
        write_parquet(result, output)
        typer.echo(f"{len(result.rows)} rows written to {output}", err=True)
        return
    text = {QueryFormat.csv: to_csv, QueryFormat.json: to_json}.get(fmt, _table)(result)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{len(result.rows)} rows written to {output}", err=True)


def _table(result: object) -> str:
    from rich.console import Console
    from rich.table import Table

    from tracker.query import QueryResult

    assert isinstance(result, QueryResult)
    table = Table(*result.columns)
    for row in result.rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console = Console(width=200, file=io.StringIO())
    console.print(table)
    console.print(f"{len(result.rows)} rows")
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def export_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the files into.")] = Path(
        "export"
    ),
    db: DbOpt = None,
) -> None:
    """Write every research view as CSV and Parquet, with a README of the columns and the
    snapshot date.

    Example: tracker export --out export/ --db tracker.db
    """
    from tracker.db.engine import database_url, make_engine
    from tracker.export import export_views

    engine = make_engine(database_url(db))
    try:
        written = export_views(engine, out)
    finally:
        engine.dispose()
    typer.echo(str(written[0]))
    typer.echo(f"{len(written) - 1} files written to {out}", err=True)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind (local only by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8001,
    db: DbOpt = None,
) -> None:
    """Browse the database in Datasette: described views, facets and canned queries, read-only.

    Needs a SQLite database (Datasette reads SQLite only). Stop it with Ctrl-C.

    Example: tracker serve --db tracker.db --port 8001
    """
    import tempfile

    from tracker.db.engine import database_url
    from tracker.serve import serve

    with tempfile.TemporaryDirectory(prefix="genai-tracker-serve-") as tmp:
        serve(database_url(db), host, port, Path(tmp) / "metadata.json")


def stats_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the charts and stats.json.")] = (
        Path("stats")
    ),
    db: DbOpt = None,
) -> None:
    """Print the headline compliance and bias-evaluation figures and chart them.

    Writes OUT/license-mix.{svg,png}, OUT/rates.{svg,png} (week by week) and OUT/stats.json.

    Example: tracker stats --out stats/ --db tracker.db
    """
    import json

    from rich.console import Console
    from rich.table import Table

    from tracker.db.engine import database_url, make_engine
    from tracker.db.models import utcnow
    from tracker.stats import compute_stats, draw_stats, shown

    engine = make_engine(database_url(db))
    try:
        stats = compute_stats(engine, utcnow())
    finally:
        engine.dispose()
    out.mkdir(parents=True, exist_ok=True)
    (out / "stats.json").write_text(json.dumps(stats.to_json(), indent=1) + "\n", "utf-8")
    written = draw_stats(stats, out)
    table = Table("figure", "value", title=f"genai-tracker, as of {stats.as_of}")
    for name, value in stats.figures.items():
        table.add_row(name, shown(value))
    Console().print(table)
    for path in [out / "stats.json", *written]:
        typer.echo(str(path), err=True)
