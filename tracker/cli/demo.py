"""`tracker demo --out DIR`: the whole pipeline on the bundled demo snapshot, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the reports into.")] = Path(
        "demo-out"
    ),
) -> None:
    """Audit, scrape and digest the bundled demo snapshot (real cards and licenses, no network).

    Writes one Markdown, JSON and SARIF report per repo, tracker.db (the snapshot served on
    127.0.0.1 and scraped through huggingface_hub), last week's digest drafted from it
    (digest/WEEK/digest.html, .md, .eml, curation.yaml) and an index.md linking them all.

    Example: tracker demo --out demo-out
    """
    from tracker.demo import run_demo

    index = run_demo(out)
    typer.echo(f"wrote {index}", err=True)
    digest = next((out / "digest").glob("*/digest.html"), None)
    typer.echo(f"wrote {digest}", err=True)
    typer.echo(f"next: open {index}, or run `tracker audit data/demo/hub/<owner>/<name>`", err=True)
