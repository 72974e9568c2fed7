"""`tracker digest draft|render|publish|send`: the weekly digest, from the database to an inbox."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.options import DbOpt

if TYPE_CHECKING:
    from tracker.digest.week import IsoWeek

app = typer.Typer(
    help="The weekly digest: draft it from the database, curate, render, publish, send.",
    no_args_is_help=True,
)

WeekOpt = Annotated[
    str | None,
    typer.Option("--week", help="ISO week, e.g. 2026-W47 (default: the last complete week, UTC)."),
]
OutOpt = Annotated[
    Path, typer.Option("--out", help="Folder of the digests: one sub-folder per week.")
]
TemplatesOpt = Annotated[
    Path | None,
    typer.Option(
        "--templates",
        help="Folder of Jinja templates overriding the bundled ones (templates/digest/) by name.",
    ),
]


def _week(text: str | None) -> IsoWeek:
    from tracker.db.models import utcnow
    from tracker.digest.week import IsoWeek

    return IsoWeek.parse(text) if text else IsoWeek.last_complete(utcnow())


@app.command("draft")
def draft_command(
    week: WeekOpt = None,
    out: OutOpt = Path("digests"),
    templates: TemplatesOpt = None,
    force: Annotated[bool, typer.Option(help="Draft a published week again.")] = False,
    db: DbOpt = None,
) -> None:
    """Draft a week's digest from the database and write (or update) its curation file.

    Writes OUT/WEEK/digest.md, digest.html, digest.eml, charts/ and curation.yaml. Re-drafting
    keeps what the editor wrote in curation.yaml and appends new items.

    Example: tracker digest draft --week 2026-W47 --out digests
    """
    from tracker.db.engine import database_url, make_engine, upgrade_to_head
    from tracker.db.models import utcnow
    from tracker.digest.workflow import draft

    iso = _week(week)
    engine = make_engine(database_url(db))
    try:
        upgrade_to_head(engine)
        content, files = draft(engine, iso, out, utcnow(), templates, force)
    finally:
        engine.dispose()
    typer.echo(f"{files.output('digest.html')}")
    typer.echo(
        f"{iso}: {len(content.items)} items drafted; curate {files.curation}, "
        "then run `tracker digest render`",
        err=True,
    )


@app.command("render")
def render_command(
    week: WeekOpt = None, out: OutOpt = Path("digests"), templates: TemplatesOpt = None
) -> None:
    """Render a drafted week again, applying its curation file (no database needed).

    Example: tracker digest render --week 2026-W47 --templates my-templates/
    """
    from tracker.digest.workflow import render_week

    files = render_week(out, _week(week), templates)
    typer.echo(f"{files.output('digest.html')}")


@app.command("publish")
def publish_command(
    week: WeekOpt = None,
    out: OutOpt = Path("digests"),
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url",
            envvar="DIGEST_BASE_URL",
            help="Where OUT/archive is served, for absolute links in the feed.",
        ),
    ] = "",
    templates: TemplatesOpt = None,
) -> None:
    """Freeze a rendered week into OUT/archive and rebuild the archive's index and Atom feed.

    Example: tracker digest publish --week 2026-W47 --base-url https://news.example.org/digest
    """
    from tracker.db.models import utcnow
    from tracker.digest.workflow import publish

    index = publish(out, _week(week), utcnow(), base_url, templates)
    typer.echo(str(index))


@app.command("send")
def send_command(week: WeekOpt = None, out: OutOpt = Path("digests")) -> None:
    """Send a week's rendered email (OUT/WEEK/digest.eml) through SMTP.

    Settings from the environment: SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD,
    SMTP_STARTTLS, DIGEST_FROM, DIGEST_TO (comma-separated).

    Example: tracker digest send --week 2026-W47   (with SMTP_HOST and DIGEST_TO set)
    """
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    from tracker.digest.mail import MailSettings, send
    from tracker.digest.workflow import week_files
    from tracker.errors import ConfigError

    iso = _week(week)
    eml = week_files(out, iso).output("digest.eml")
    if not eml.is_file():
        raise ConfigError(f"{eml}: no rendered email for {iso}; run `tracker digest draft` first")
    settings = MailSettings.from_env()
    message = message_from_bytes(eml.read_bytes(), _class=EmailMessage, policy=policy.SMTP)
    del message["To"]
    message["To"] = ", ".join(settings.recipients)
    accepted = send(message, settings)
    typer.echo(f"{iso}: sent to {', '.join(accepted)}")
