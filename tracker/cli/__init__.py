"""The `tracker` command line: one module per command, attached here in one place."""

from __future__ import annotations

import typer

from tracker.cli import classifier, digest, licenses, schedule, scrape
from tracker.cli.audit import audit_command
from tracker.cli.db import init_command
from tracker.cli.demo import demo_command
from tracker.cli.errors import run_with_error_mapping
from tracker.cli.research import export_command, query_command, serve_command, stats_command
from tracker.cli.rules import rules_command

app = typer.Typer(
    name="tracker",
    help="Track the open generative-AI ecosystem and audit model licenses and bias documentation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("audit")(audit_command)
app.command("rules")(rules_command)
app.command("demo")(demo_command)
app.command("init")(init_command)
app.add_typer(licenses.app, name="licenses")
app.add_typer(scrape.app, name="scrape")
app.add_typer(digest.app, name="digest")
app.command("schedule")(schedule.schedule_command)
app.command("query")(query_command)
app.command("export")(export_command)
app.command("serve")(serve_command)
app.command("stats")(stats_command)
app.command("train")(classifier.train_command)
app.command("eval-classifier")(classifier.eval_command)
app.command("sections")(classifier.sections_command)
app.command("classify")(classifier.classify_command)


def main() -> None:
    run_with_error_mapping(app)
