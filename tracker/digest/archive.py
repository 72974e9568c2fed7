"""The published archive: every frozen week, an index page, and an Atom feed.

Rebuilt from the week folders under `archive/` at each publish, so the index and the feed
always list exactly what is published. Entry ids are tag URIs (`tag:genai-tracker,2026:digest/
2026-W47`): they never change, whatever the URL the archive is later served from. Links are
absolute when `base_url` is given (a feed reader needs them), else relative to the archive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tracker.digest.content import DigestContent
from tracker.digest.render import environment


@dataclass(frozen=True)
class PublishedWeek:
    week: str
    published_at: str
    content: DigestContent
    body_html: str  # the web page's <main>, for the feed entry

    @property
    def tag(self) -> str:
        return f"tag:genai-tracker,{self.week[:4]}:digest/{self.week}"


def published_weeks(archive: Path) -> list[PublishedWeek]:
    weeks = []
    for folder in sorted(archive.iterdir(), reverse=True) if archive.is_dir() else ():
        stamp = folder / "published.json"
        if not stamp.is_file():
            continue
        meta = json.loads(stamp.read_text(encoding="utf-8"))
        content = DigestContent.from_json(
            json.loads((folder / "data.json").read_text(encoding="utf-8"))
        )
        weeks.append(
            PublishedWeek(
                meta["week"],
                meta["published_at"],
                content,
                _main(
                    (folder / "digest.html").read_text(encoding="utf-8"),
                    meta["week"],
                ),
            )
        )
    return weeks


def publish_archive(archive: Path, base_url: str = "", templates: Path | None = None) -> Path:
    """Write `archive/index.html` and `archive/feed.atom`; returns the index's path."""
    weeks = published_weeks(archive)
    base = base_url.rstrip("/") + "/" if base_url else ""
    env = environment(templates, html=True)
    context = {"weeks": weeks, "base": base}
    index = archive / "index.html"
    index.write_text(env.get_template("archive-index.html.j2").render(context), encoding="utf-8")
    feed = env.get_template("feed.atom.j2").render(context)
    (archive / "feed.atom").write_text(feed, encoding="utf-8")
    return index


def _main(page: str, week: str) -> str:
    """The page's <main> element with chart paths made relative to the archive (for the feed)."""
    start, end = page.find("<main>"), page.rfind("</main>")
    body = page[start : end + len("</main>")] if start >= 0 and end > start else ""
    return body.replace('src="charts/', f'src="{week}/charts/')
