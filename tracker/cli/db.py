"""`tracker init`: create the database, or bring it up to date, by running its migrations."""

from __future__ import annotations

import typer

from tracker.cli.options import DbOpt


def init_command(db: DbOpt = None) -> None:
    """Create the tracker's database, or upgrade it to the newest schema (safe to re-run).

    Prints the schema revision the database is now at.

    The database is --db, else TRACKER_DB, else tracker.db (SQLite) in the working directory.

    Example: tracker init --db sqlite:///tracker.db
    """
    from tracker.db.engine import database_url, make_engine, upgrade_to_head

    url = database_url(db)
    engine = make_engine(url)
    try:
        revision = upgrade_to_head(engine)
    finally:
        engine.dispose()
    typer.echo(revision)
    shown = engine.url.render_as_string(hide_password=True)
    typer.echo(f"{shown} is at schema revision {revision} (head)", err=True)
