"""The demo job: the whole pipeline on the bundled demo snapshot, offline.

Audits each bundled repo from disk (reports in Markdown, JSON and SARIF), serves the snapshot
on 127.0.0.1 and scrapes it through huggingface_hub into SQLite (dated in the middle of last
week), then drafts last week's digest from that database.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from rich.progress import Progress

from auditors.engine import audit
from auditors.formats import get_formatter
from auditors.paths import data_dir
from auditors.report import Report
from tracker.db.models import utcnow
from tracker.digest.week import IsoWeek
from tracker.local import load_directory

REPORT_FORMATS = {"md": "markdown", "json": "json", "sarif": "sarif"}


def demo_repos(snapshot: Path) -> list[tuple[str, Path]]:
    hub = snapshot / "hub"
    return [
        (f"{owner.name}/{repo.name}", repo)
        for owner in sorted(p for p in hub.iterdir() if p.is_dir())
        for repo in sorted(p for p in owner.iterdir() if p.is_dir())
    ]


def run_demo(out: Path, snapshot: Path | None = None) -> Path:
    snapshot = snapshot or data_dir() / "demo"
    out.mkdir(parents=True, exist_ok=True)
    reports: list[tuple[str, Report]] = []
    repos = demo_repos(snapshot)
    with Progress(transient=True) as progress:
        task = progress.add_task("auditing demo repos", total=len(repos))
        for repo_id, path in repos:
            view = load_directory(path)
            view.repo_id = repo_id
            view.name = repo_id
            report = audit(view)
            stem = repo_id.replace("/", "__")
            for ext, fmt in REPORT_FORMATS.items():
                (out / f"{stem}.{ext}").write_text(get_formatter(fmt)(report), encoding="utf-8")
            reports.append((repo_id, report))
            progress.advance(task)
    (out / "findings-by-rule.svg").write_text(
        bar_chart_svg(_rule_counts(reports)), encoding="utf-8"
    )
    week = IsoWeek.last_complete(utcnow())
    with _dated(week.start + timedelta(days=2, hours=10)):
        scraped = scrape_snapshot(snapshot, out / "tracker.db", [r for r, _ in repos])
    sections = classify_sections(out / "tracker.db")
    digest = draft_digest(out / "tracker.db", out / "digest", week)
    index = out / "index.md"
    index.write_text(index_markdown(reports) + scraped + sections + digest, encoding="utf-8")
    return index


@contextmanager
def _dated(when: datetime) -> Iterator[None]:
    """Date what is stored meanwhile `when` (TRACKER_NOW), as a replay of a past scrape."""
    before = os.environ.get("TRACKER_NOW")
    os.environ["TRACKER_NOW"] = when.isoformat()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TRACKER_NOW"]
        else:
            os.environ["TRACKER_NOW"] = before


def draft_digest(db_path: Path, out: Path, week: IsoWeek) -> str:
    """Draft `week`'s digest from the demo database; a Markdown paragraph pointing at it."""
    from tracker.db.engine import make_engine
    from tracker.digest.workflow import draft

    engine = make_engine(f"sqlite:///{db_path}")
    try:
        content, files = draft(engine, week, out, utcnow(), force=True)
    finally:
        engine.dispose()
    folder = files.folder.relative_to(out.parent)
    return (
        f"\n## The digest of {week} from that database\n\n"
        f"[{folder}/digest.html]({folder}/digest.html) (also [Markdown]({folder}/digest.md) and "
        f"[email]({folder}/digest.eml)): {len(content.items)} items; curate "
        f"`{folder}/curation.yaml`, then `tracker digest render --week {week} --out "
        f"{out.name}`.\n"
    )


def scrape_snapshot(snapshot: Path, db_path: Path, repo_ids: list[str]) -> str:
    """Serve the snapshot on 127.0.0.1, scrape it through the real Hub client into SQLite.

    Returns a Markdown paragraph summarising the run, for the index page.
    """
    from tracker.db.engine import make_engine, upgrade_to_head
    from tracker.replay import ReplayServer
    from tracker.scrape import scrape_hub
    from tracker.settings import Settings

    engine = make_engine(f"sqlite:///{db_path}")
    try:
        upgrade_to_head(engine)
        with ReplayServer(snapshot) as server:
            settings = Settings(hf_endpoint=server.url, github_api_url=server.github_api_url)
            summary = scrape_hub(engine, settings, repo_ids, follow_bases=False)
    finally:
        engine.dispose()
    return (
        "\n## The same repos scraped into a database\n\n"
        "The demo snapshot was served on 127.0.0.1 and scraped through huggingface_hub into "
        f"`{db_path.name}`: {summary.line()}.\n"
    )


def classify_sections(db_path: Path) -> str:
    """Run the section classifier over the scraped cards (torch, CPU); a paragraph for the index."""
    import torch

    from auditors.classifier.model import shipped_weights
    from tracker.classifier.inference import TorchClassifier
    from tracker.classifier.store import classify_database
    from tracker.db.engine import make_engine

    engine = make_engine(f"sqlite:///{db_path}")
    try:
        with TorchClassifier(shipped_weights(), torch.device("cpu")) as classifier:
            stats = classify_database(engine, classifier)
    finally:
        engine.dispose()
    labelled = stats.labelled or {}
    return (
        f"\nThe section classifier then read the {stats.texts} cards in it ({stats.sections} "
        f"sections; {labelled.get('bias_risks_limitations', 0)} about bias, risks or "
        f"limitations, {labelled.get('bias_evaluation', 0)} reporting a bias evaluation): "
        f'`tracker query "SELECT key, heading, labels FROM card_sections" --db '
        f"{db_path.name}`.\n"
    )


def _rule_counts(reports: list[tuple[str, Report]]) -> Counter[str]:
    return Counter(f.rule for _, r in reports for f in r.findings)


def index_markdown(reports: list[tuple[str, Report]]) -> str:
    lines = [
        "# genai-tracker demo: audits of the bundled repos",
        "",
        "Real model cards and license texts (see data/demo/MANIFEST.tsv), audited offline.",
        "",
        "![findings by rule](findings-by-rule.svg)",
        "",
        "| repo | declared | base models | errors | warnings | rules fired | report |",
        "|---|---|---|---|---|---|---|",
    ]
    for repo_id, r in reports:
        declared = ", ".join(i.license_id for i in r.declared) or "—"
        bases = ", ".join(b.repo_id for b in r.base_models) or "—"
        rules = " ".join(sorted({f.rule for f in r.findings})) or "—"
        errors = sum(f.severity.value == "error" for f in r.findings)
        warnings = sum(f.severity.value == "warning" for f in r.findings)
        stem = repo_id.replace("/", "__")
        cells = [repo_id, declared, bases, str(errors), str(warnings), rules, f"[md]({stem}.md)"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def bar_chart_svg(counts: Counter[str], width: int = 560) -> str:
    """A horizontal bar chart as a standalone SVG (no plotting library needed)."""
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    bar_h, gap, left = 18, 6, 80
    height = max(len(rows), 1) * (bar_h + gap) + 40
    top = max((c for _, c in rows), default=1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        '<text x="0" y="14" font-weight="bold">Findings by rule across the demo repos</text>',
    ]
    for n, (rule, count) in enumerate(rows):
        y = 28 + n * (bar_h + gap)
        w = int((width - left - 40) * count / top)
        parts.append(f'<text x="0" y="{y + 13}">{rule}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w}" height="{bar_h}" fill="#4a7bd0"/>')
        parts.append(f'<text x="{left + w + 4}" y="{y + 13}">{count}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
