"""Report formatters: pure functions from a Report to text. They never name individual rules."""

from __future__ import annotations

from collections.abc import Callable

from auditors.report import Report

Formatter = Callable[[Report], str]


def get_formatter(name: str) -> Formatter:
    if name == "json":
        from auditors.formats.json_format import format_json

        return format_json
    if name == "sarif":
        from auditors.formats.sarif import format_sarif

        return format_sarif
    if name == "markdown":
        from auditors.formats.markdown import format_markdown

        return format_markdown
    if name == "text":
        from auditors.formats.text import format_text

        return format_text
    raise ValueError(f"unknown format {name!r}")


FORMATS = ("text", "json", "markdown", "sarif")
