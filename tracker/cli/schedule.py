"""`tracker schedule`: the daily scrape and the weekly digest, until stopped (tracker.schedule)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.options import DbOpt
from tracker.cli.scrape import ConfigOpt, run_all

if TYPE_CHECKING:
    from tracker.config import Config

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Loggers shown at INFO on stderr: the jobs' outcomes and APScheduler's own account of its jobs.
LOGGERS = ("tracker", "apscheduler")


def schedule_command(
    config: ConfigOpt = None,
    db: DbOpt = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run the scrape job now, print its summary and exit.")
    ] = False,
    scrape_now: Annotated[
        bool,
        typer.Option("--scrape-now", help="Start with a scrape, then keep the daily times."),
    ] = False,
) -> None:
    """Run the scheduler: scrape every configured source daily, draft the digest weekly.

    Times come from the [schedule] table of the configuration (default: scrape at 03:00, digest
    on Mondays at 08:00, UTC). Jobs are stored in the database (table apscheduler_jobs); runs
    missed while the scheduler was down collapse into one run if they are within the misfire
    grace time. SIGTERM or Ctrl-C stops it (exit 0); a running scrape first finishes the
    source it is on. A source
    that a manual `tracker scrape` is scraping is skipped. With --once, run the scrape job
    immediately, print each source's summary, and exit (for cron or CI).

    Example: tracker schedule --config tracker.toml --db tracker.db
    """
    import logging

    from tracker.config import load_config

    cfg = load_config(config)
    if once:
        run_all(cfg, db)
        return
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    _serve(cfg, db, scrape_now)


def _serve(cfg: Config, db: str | None, scrape_now: bool) -> None:
    from tracker.db.engine import database_url, make_engine, upgrade_to_head
    from tracker.schedule import run_scheduler
    from tracker.settings import Settings

    engine = make_engine(database_url(db))
    try:
        upgrade_to_head(engine)
        run_scheduler(engine, Settings.from_env(), cfg, on_start=_announce, scrape_now=scrape_now)
    finally:
        engine.dispose()


def _announce(jobs: list[tuple[str, datetime | None]]) -> None:
    for job_id, next_run in jobs:
        when = next_run.isoformat() if next_run else "paused"
        typer.echo(f"scheduled {job_id}: next run {when}", err=True)
    typer.echo("scheduler running; stop it with SIGTERM or Ctrl-C", err=True)
