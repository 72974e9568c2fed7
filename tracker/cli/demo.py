"""`tracker demo --out DIR`: audit the bundled demo repos and write reports you can open."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the reports into.")] = Path(
        "demo-out"
    ),
) -> None:
    """Audit every repo of the bundled demo snapshot (real cards and licenses, no network).

    Writes one Markdown, JSON and SARIF report per repo and an index.md summarising them.

    Example: tracker demo --out demo-out
    """
    from tracker.demo import run_demo

    index = run_demo(out)
    typer.echo(f"wrote {index}", err=True)
    typer.echo(f"next: open {index}, or run `tracker audit data/demo/hub/<owner>/<name>`", err=True)
