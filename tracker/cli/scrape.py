"""`tracker scrape hf|github|lists|all`: fetch artifacts into the database, one transaction per
artifact, each source under its lock (tracker.locks)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.options import DbOpt
from tracker.config import DEFAULT_LISTS

if TYPE_CHECKING:
    from huggingface_hub.hf_api import ModelInfo
    from sqlalchemy.engine import Engine

    from tracker.config import Config
    from tracker.scrape import Summary
    from tracker.settings import Settings

app = typer.Typer(help="Fetch artifacts from a source into the database.", no_args_is_help=True)


@app.command("hf")
def scrape_hf_command(
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Hub repo id (repeatable).")
    ] = None,
    search: Annotated[str | None, typer.Option(help="Models whose name matches this.")] = None,
    tag: Annotated[
        str | None,
        typer.Option("--filter", help="Models with this tag (e.g. license:creativeml-openrail-m)."),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many discovered.")] = None,
    follow_bases: Annotated[
        bool, typer.Option(help="Also fetch the base models the fetched models name.")
    ] = True,
    db: DbOpt = None,
) -> None:
    """Fetch Hub models (card, license files, metadata), audit them and record what changed.

    Models found by --search or --filter come with their revision from the listing, so an
    unchanged one costs no request; a --model costs one metadata call. Failures are recorded
    and retried by the next run. Ends with a summary: fetched, unchanged, failed, new events.

    Example: tracker scrape hf --model runwayml/stable-diffusion-v1-5 --db tracker.db
    """
    from itertools import chain

    from tracker.scrape import scrape_hub
    from tracker.sources.hf import list_models

    ids = list(model or [])
    if not (ids or search or tag):
        raise typer.BadParameter("give --model, --search or --filter", param_hint="--model")

    def job(engine: Engine, settings: Settings) -> Summary:
        if not (search or tag):
            return scrape_hub(engine, settings, ids, follow_bases=follow_bases)
        listed = list_models(settings, search=search, tag=tag, limit=limit)
        expected = len(ids) + limit if limit else None
        targets: Iterable[str | ModelInfo] = chain(ids, listed)
        return scrape_hub(engine, settings, targets, follow_bases=follow_bases, expected=expected)

    _run("hf", job, db)


@app.command("github")
def scrape_github_command(
    repo: Annotated[list[str], typer.Option("--repo", "-r", help="owner/name or GitHub URL.")],
    db: DbOpt = None,
) -> None:
    """Fetch GitHub repos (metadata, README, license files), audit them, record what changed.

    Example: tracker scrape github --repo CompVis/stable-diffusion
    """
    from tracker.scrape import scrape_github

    _run("github", lambda engine, settings: scrape_github(engine, settings, repo), db)


@app.command("lists")
def scrape_lists_command(
    url: Annotated[
        list[str] | None,
        typer.Option("--url", help="A list's GitHub repo (owner/name or URL); repeatable."),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Fetch Stable Diffusion ecosystem lists, store their entries and track what they link.

    Without --url, the lists in DEFAULT_LISTS (awesome-stable-diffusion, sd-akashic,
    awesome-stable-diffusion-webui).

    Example: tracker scrape lists --url awesome-stable-diffusion/awesome-stable-diffusion
    """
    from tracker.scrape import scrape_lists

    _run("lists", lambda engine, settings: scrape_lists(engine, settings, url or DEFAULT_LISTS), db)


ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--config",
        envvar="TRACKER_CONFIG",
        show_envvar=True,
        help="Configuration file (default: ./tracker.toml if present; see tracker.example.toml).",
    ),
]


@app.command("all")
def scrape_all_command(config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Scrape every source the configuration names: hf, then github, then lists.

    Each source runs under its lock and ends with its summary line; a source another run is
    scraping is skipped with an error line, and the command then exits 2. Without a
    configuration file, only the default ecosystem lists are scraped.

    Example: tracker scrape all --config tracker.toml --db tracker.db
    """
    from tracker.config import load_config

    run_all(load_config(config), db)


def run_all(config: Config, db: str | None) -> None:
    """`scrape_all` with each outcome printed; exit 2 if a source could not run. The progress
    bars are drawn only on a terminal, so piped output is the summary lines alone."""
    import sys

    from tracker.db.engine import database_url, make_engine, upgrade_to_head
    from tracker.schedule import scrape_all
    from tracker.settings import Settings

    skipped = 0
    engine = make_engine(database_url(db))
    try:
        upgrade_to_head(engine)
        progress = sys.stdout.isatty()
        for source, outcome in scrape_all(engine, Settings.from_env(), config, progress):
            if isinstance(outcome, Exception):
                skipped += 1
                typer.echo(f"error: {source}: {outcome}", err=True)
                continue
            for _key, error in outcome.failures:
                typer.echo(f"failed: {error}", err=True)
            typer.echo(f"{source}: {outcome.line()}")
    finally:
        engine.dispose()
    if skipped:
        raise typer.Exit(2)


def _run(source: str, job: Callable[[Engine, Settings], Summary], db: str | None) -> None:
    from tracker.db.engine import database_url, make_engine, upgrade_to_head
    from tracker.locks import acquire
    from tracker.settings import Settings

    engine = make_engine(database_url(db))
    try:
        upgrade_to_head(engine)
        with acquire(engine, source):
            summary = job(engine, Settings.from_env())
    finally:
        engine.dispose()
    for _key, error in summary.failures:
        typer.echo(f"failed: {error}", err=True)
    typer.echo(summary.line())
