"""Option types shared by several commands, defined once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class AuditFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


class ListFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    never = "never"


AuditFormatOpt = Annotated[
    AuditFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
ListFormatOpt = Annotated[
    ListFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
]
ThresholdOpt = Annotated[
    float,
    typer.Option(
        "--threshold",
        min=0.0,
        max=1.0,
        help="Share of a text that must match a reference license to identify it.",
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TRACKER_DB",
        show_envvar=True,
        help="Database: a SQLAlchemy URL or a SQLite file path (default: ./tracker.db).",
    ),
]
