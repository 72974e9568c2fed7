"""`tracker serve`: Datasette over the tracker's SQLite database, described and read-only.

The metadata Datasette shows (titles, descriptions and column meanings of the views, their
facets, canned queries for the questions researchers ask) is built here from tracker.views.
Datasette opens database files read-only and runs only SELECTs; the canned queries are not
writable. It binds 127.0.0.1 unless told otherwise. Datasette reads SQLite only: a PostgreSQL
database is served by exporting it first (`tracker export`) or querying it (`tracker query`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tracker.errors import ConfigError
from tracker.views import VIEWS

#: The researchers' questions, one query each (issue #6), as Datasette canned queries.
CANNED_QUERIES: dict[str, dict[str, str]] = {
    "rail_restrictions_dropped": {
        "title": "What share of RAIL derivatives drop the use-based restrictions?",
        "sql": (
            "SELECT COUNT(*) AS derivatives, SUM(drops_restrictions) AS drop_restrictions,\n"
            "       ROUND(100.0 * SUM(drops_restrictions) / COUNT(*), 1) AS percent_dropping,\n"
            "       SUM(complies) AS comply, ROUND(100.0 * SUM(complies) / COUNT(*), 1)"
            " AS percent_complying\n"
            "FROM rail_derivatives"
        ),
    },
    "compliance_by_base_model": {
        "title": "Which base models' derivatives comply least?",
        "sql": (
            "SELECT base_model, base_license, COUNT(*) AS derivatives, SUM(complies) AS comply,\n"
            "       ROUND(100.0 * SUM(complies) / COUNT(*), 1) AS percent_complying\n"
            "FROM rail_derivatives GROUP BY base_model, base_license\n"
            "ORDER BY percent_complying, derivatives DESC"
        ),
    },
    "bias_evaluations_by_task_and_week": {
        "title": "How often do model cards report bias evaluations, by task and over time?",
        "sql": (
            "SELECT fetched_week, COALESCE(pipeline_tag, '(none)') AS task, COUNT(*) AS cards,\n"
            "       SUM(reports_bias_evaluation) AS reporting,\n"
            "       ROUND(100.0 * SUM(reports_bias_evaluation) / COUNT(*), 1) AS percent\n"
            "FROM bias_eval_coverage GROUP BY fetched_week, task ORDER BY fetched_week, cards DESC"
        ),
    },
    "license_changes_since": {
        "title": "Which licenses changed since a date?",
        "sql": (
            "SELECT fetched_week, key, license_from, license_to, fetched_at\n"
            "FROM license_changes WHERE fetched_at >= :since ORDER BY fetched_at DESC"
        ),
    },
}


def sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise ConfigError(
            f"tracker serve needs a SQLite database file (Datasette reads SQLite only), not "
            f"{parsed.get_backend_name()}; use `tracker query` or `tracker export` on it"
        )
    path = Path(parsed.database)
    if not path.is_file():
        raise ConfigError(f"{path}: no such database (run `tracker init` or a scrape first)")
    return path


def metadata(database: str) -> dict[str, Any]:
    """Datasette's metadata for a database named `database` (the file's stem)."""
    return {
        "title": "genai-tracker: the open generative-AI ecosystem, audited",
        "description": (
            "Licenses, RAIL compliance, lineage and bias documentation of tracked models, "
            "repos and lists. Every row cites its snapshot; the views are documented in "
            "docs/data-dictionary.md."
        ),
        "databases": {
            database: {
                "tables": {
                    view.name: {
                        "title": view.title,
                        "description": view.description,
                        "columns": view.columns,
                        **({"facets": list(view.facets)} if view.facets else {}),
                    }
                    for view in VIEWS
                },
                "queries": CANNED_QUERIES,
            }
        },
    }


def serve(url: str, host: str, port: int, metadata_file: Path) -> None:
    """Run Datasette until interrupted (blocking)."""
    import json

    from datasette.cli import cli

    path = sqlite_path(url)
    metadata_file.write_text(json.dumps(metadata(path.stem), indent=1), encoding="utf-8")
    args = [
        "serve",
        str(path),
        "--metadata",
        str(metadata_file),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "default_page_size",
        "50",
    ]
    cli.main(args=args, prog_name="tracker serve", standalone_mode=False)
