"""Render a curated week through the Jinja templates in `templates/digest/`.

Four outputs share one context: `digest.md` (pastes into Substack, Ghost, Buttondown),
`digest.html` (the web page), and the email's HTML and plain-text parts (`tracker.digest.mail`
wraps them in a `.eml`). Editors restyle the templates; a `--templates DIR` holding files of the
same names overrides the bundled ones one by one.

Text from cards, repos and lists is untrusted. HTML templates autoescape it; Markdown
templates pass it through `md` (no tag, link or table break can open); URLs pass through
`safe_url`, which lets only http(s) through, so a `javascript:` link renders as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup

from auditors.formats.markdown import escape_md
from auditors.paths import templates_dir
from tracker.digest.charts import Chart
from tracker.digest.content import SECTIONS, DigestContent, Figure
from tracker.digest.curation import Curated

TEMPLATES = {
    "markdown": "digest.md.j2",
    "html": "digest.html.j2",
    "email_html": "email.html.j2",
    "email_text": "email.txt.j2",
}


@dataclass(frozen=True)
class Rendered:
    markdown: str
    html: str
    email_html: str
    email_text: str


def environment(override: Path | None = None, html: bool = True) -> jinja2.Environment:
    dirs = [str(templates_dir() / "digest")]
    if override is not None:
        dirs.insert(0, str(override))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(md=escape_md, safe_url=safe_url, md_url=md_url, value=figure_value)
    env.filters.update(change=figure_change, markdown=editor_markdown)
    return env


def render(
    content: DigestContent,
    curated: Curated,
    charts: list[Chart],
    templates: Path | None = None,
    chart_src: str = "charts/{name}.svg",
) -> Rendered:
    """Every output of the week; `chart_src` says where pages find the chart files."""
    context: dict[str, Any] = {
        "d": content,
        "c": curated,
        "sections": SECTIONS,
        "charts": [(chart, chart_src.format(name=chart.name)) for chart in charts],
        "email_charts": [(chart, f"cid:{chart.content_id}") for chart in charts],
    }
    html_env, text_env = environment(templates, html=True), environment(templates, html=False)
    return Rendered(
        markdown=text_env.get_template(TEMPLATES["markdown"]).render(context),
        html=html_env.get_template(TEMPLATES["html"]).render(context),
        email_html=html_env.get_template(TEMPLATES["email_html"]).render(context),
        email_text=text_env.get_template(TEMPLATES["email_text"]).render(context),
    )


def editor_markdown(text: object) -> Markup:
    """The editor's intro or blurb (Markdown) as HTML: raw HTML in it is shown as text, and
    markdown-it refuses `javascript:` and other unsafe link targets."""
    from markdown_it import MarkdownIt

    return Markup(MarkdownIt("commonmark", {"html": False}).render(str(text or "")))


def safe_url(url: object) -> str | None:
    """`url` if it is an absolute http(s) URL, else None (the caller renders plain text)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def md_url(url: object) -> str | None:
    """A safe URL that cannot end a Markdown link early: spaces, parentheses, brackets quoted."""
    safe = safe_url(url)
    return None if safe is None else quote(safe, safe=":/?#@!$&'*+,;=%~-._")


def figure_value(f: Figure) -> str:
    if f.value is None:
        return "n/a"
    return f"{100 * f.value:.0f} %" if f.unit == "share" else f"{f.value:,.0f}"


def figure_change(f: Figure) -> str:
    """`+3`, `−2 pts`, `no change`, or `` when a week has no figure to compare."""
    change = f.change
    if change is None:
        return ""
    if f.unit == "share":
        points = 100 * change
        return "no change" if round(points) == 0 else f"{points:+.0f} pts".replace("-", "−")
    return "no change" if change == 0 else f"{change:+,.0f}".replace("-", "−")
