"""The editor's workflow on disk: draft, render, publish. One folder per week under `out`:

    out/2026-W47/data.json        what the week holds (from the database, at draft time)
    out/2026-W47/curation.yaml    the editor's notes (kept across re-drafts)
    out/2026-W47/digest.md        Markdown, for Substack / Ghost / Buttondown
    out/2026-W47/digest.html      the web page
    out/2026-W47/digest.eml       the email (HTML + plain text + PNG charts)
    out/2026-W47/charts/          license-mix and rates, as .svg and .png
    out/archive/                  published weeks, index.html and feed.atom

`draft` needs the database; `render` and `publish` read only the week's folder, so an editor
can restyle templates and re-render without it. A published week is frozen: drafting it again
needs `force`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.digest import curation as curation_file
from tracker.digest.archive import publish_archive
from tracker.digest.build import build_digest
from tracker.digest.charts import draw_charts
from tracker.digest.content import DigestContent
from tracker.digest.mail import MailSettings, build_email
from tracker.digest.render import render
from tracker.digest.week import IsoWeek
from tracker.errors import ConfigError

OUTPUTS = ("digest.md", "digest.html", "digest.eml")


@dataclass(frozen=True)
class WeekFiles:
    folder: Path

    @property
    def data(self) -> Path:
        return self.folder / "data.json"

    @property
    def curation(self) -> Path:
        return self.folder / "curation.yaml"

    @property
    def charts(self) -> Path:
        return self.folder / "charts"

    @property
    def published(self) -> Path:
        return self.folder / "published.json"

    def output(self, name: str) -> Path:
        return self.folder / name


def week_files(out: Path, week: IsoWeek) -> WeekFiles:
    return WeekFiles(out / str(week))


def draft(
    engine: Engine,
    week: IsoWeek,
    out: Path,
    now: datetime,
    templates: Path | None = None,
    force: bool = False,
) -> tuple[DigestContent, WeekFiles]:
    """Build the week from the database, merge the curation file, and render every output."""
    files = week_files(out, week)
    if files.published.exists() and not force:
        raise ConfigError(f"{week} is published ({files.published}); draft it again with --force")
    with Session(engine) as session:
        content = build_digest(session, week, now)
    files.folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(files.data, json.dumps(content.to_json(), indent=1, ensure_ascii=False))
    previous = curation_file.load(files.curation) if files.curation.exists() else None
    notes = curation_file.merge(previous, content)
    curation_file.save(notes, files.curation)
    _render(files, content, notes, templates)
    return content, files


def load_content(files: WeekFiles, week: IsoWeek) -> DigestContent:
    if not files.data.exists():
        raise ConfigError(f"{files.data}: no draft of {week} yet; run `tracker digest draft` first")
    try:
        return DigestContent.from_json(json.loads(files.data.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{files.data}: not a digest data file ({exc})") from None


def render_week(out: Path, week: IsoWeek, templates: Path | None = None) -> WeekFiles:
    """Apply the curation to the drafted week and write the Markdown, HTML and email."""
    files = week_files(out, week)
    content = load_content(files, week)
    notes = (
        curation_file.load(files.curation)
        if files.curation.exists()
        else curation_file.merge(None, content)
    )
    if notes.week != content.week:
        raise ConfigError(f"{files.curation}: curates {notes.week}, not {content.week}")
    _render(files, content, notes, templates)
    return files


def _render(
    files: WeekFiles,
    content: DigestContent,
    notes: curation_file.Curation,
    templates: Path | None,
) -> None:
    charts = draw_charts(content, files.charts)
    rendered = render(content, curation_file.apply(notes, content), charts, templates)
    subject = f"What changed in open gen-AI, {content.span}"
    email = build_email(rendered, charts, files.charts, subject, MailSettings.from_env())
    _write_atomically(files.output("digest.md"), rendered.markdown)
    _write_atomically(files.output("digest.html"), rendered.html)
    _write_atomically(files.output("digest.eml"), email.as_bytes())


def publish(
    out: Path, week: IsoWeek, now: datetime, base_url: str = "", templates: Path | None = None
) -> Path:
    """Render the week once more, freeze it into `out/archive/<week>/`, rebuild index and feed."""
    files = render_week(out, week, templates)
    frozen = out / "archive" / str(week)
    if frozen.exists():
        shutil.rmtree(frozen)
    frozen.mkdir(parents=True)
    for name in (*OUTPUTS, "data.json"):
        shutil.copy2(files.output(name), frozen / name)
    if files.charts.exists():
        shutil.copytree(files.charts, frozen / "charts")
    stamp = json.dumps({"week": str(week), "published_at": now.isoformat()})
    _write_atomically(files.published, stamp)
    _write_atomically(frozen / "published.json", stamp)
    return publish_archive(out / "archive", base_url, templates)


def _write_atomically(path: Path, data: str | bytes) -> None:
    """Write beside, then rename: a failure never leaves half a file where a whole one was."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    tmp.replace(path)
