"""Markdown report (for PR comments and the demo's output), rendered from templates/audit.md.j2."""

from __future__ import annotations

from auditors.formats.json_format import report_dict
from auditors.paths import templates_dir
from auditors.report import Report


def format_markdown(report: Report) -> str:
    import jinja2  # only this format pays for the import

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = escape_md
    return env.get_template("audit.md.j2").render(r=report_dict(report))


def escape_md(value: object) -> str:
    """Neutralise HTML, links and table breaks in text that may come from cards or files.

    `<`/`>` cannot open a tag, `[`/`]` cannot open a link (so no `javascript:` URL), `|` cannot
    end a table cell; emphasis and code spans are left alone, since they cannot run anything.
    """
    text = "" if value is None else str(value)
    for ch in ("\\", "[", "]", "<", ">", "|"):
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")
