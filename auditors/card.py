"""Model-card parsing: YAML front matter (with line numbers) and Markdown sections.

Bulk audits meet every kind of card: no front matter, front matter that is not YAML, front matter
that is not a mapping, HTML headings, setext headings. Parsing never raises; what went wrong is
kept in `metadata_error` for a rule to report.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from auditors.yamlload import PlainSafeLoader

_FM_OPEN = re.compile(r"---[ \t]*$")
_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_HTML_H = re.compile(r"^\s*<h([1-6])[^>]*>(.*?)</h\1>", re.IGNORECASE)
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)([^*_]{2,80})(?:\*\*|__):?\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_TITLE_MARKUP = re.compile(r"[*_`#:]+")
_TAG = re.compile(r"<[^>]+>")
_SETEXT_UNDERLINE = re.compile(r"\s*(=+|-{3,})\s*")


@dataclass(frozen=True)
class Section:
    """A heading and the lines under it, up to the next heading of any level."""

    heading: str
    level: int
    line: int  # 1-based line of the heading (0 for text before the first heading)
    end_line: int
    body: str

    @functools.cached_property
    def title(self) -> str:
        return _TITLE_MARKUP.sub("", self.heading).strip()


@dataclass
class Card:
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    metadata_lines: dict[str, int] = field(default_factory=dict)
    metadata_error: str | None = None
    has_front_matter: bool = False
    body_line: int = 1  # line number where the Markdown body starts
    sections: list[Section] = field(default_factory=list)

    @functools.cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @functools.cached_property
    def lowered(self) -> str:
        """`text.lower()`, for the scans that look for words in any case."""
        return self.text.lower()

    @functools.cached_property
    def body(self) -> str:
        return "\n".join(self.lines[self.body_line - 1 :])

    @functools.cached_property
    def _line_starts(self) -> list[int]:
        return list(itertools.accumulate((len(line) + 1 for line in self.lines[:-1]), initial=0))

    def offset_of(self, line: int) -> int:
        """Where 1-based `line` starts in `text` (its length past the last line)."""
        starts = self._line_starts
        return starts[line - 1] if line <= len(starts) else len(self.text)

    def line_at(self, offset: int) -> int:
        """The 1-based line holding character `offset` of `text`."""
        return bisect.bisect_right(self._line_starts, offset)

    def meta_str(self, key: str) -> str | None:
        value = self.metadata.get(key)
        return str(value).strip() if isinstance(value, str | int | float) and value != "" else None

    def meta_list(self, key: str) -> list[str]:
        value = self.metadata.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [
            str(v).strip() for v in items if isinstance(v, str | int | float) and str(v).strip()
        ]

    def field_line(self, key: str) -> int | None:
        return self.metadata_lines.get(key)


def parse_card(text: str) -> Card:
    card = Card(text=text)
    lines = card.lines
    # Like the Hub's own parser, allow blank lines before the opening '---'.
    top = next((i for i, line in enumerate(lines) if line.strip()), None)
    if top is not None and _FM_OPEN.match(lines[top].lstrip("\ufeff")):
        end = range(top + 1, len(lines))
        close = next((i for i in end if lines[i].rstrip() == "---"), None)
        if close is None:
            card.metadata_error = (
                f"front matter opened with '---' on line {top + 1} is never closed"
            )
        else:
            card.has_front_matter = True
            card.body_line = close + 2
            _read_front_matter(card, lines[top + 1 : close], first_line=top + 2)
    card.sections = _sections(lines, card.body_line)
    return card


def _read_front_matter(card: Card, fm_lines: list[str], first_line: int) -> None:
    for i, line in enumerate(fm_lines, start=first_line):
        m = _KEY.match(line)
        if m:
            card.metadata_lines.setdefault(m.group(1), i)
    try:
        data = yaml.load("\n".join(fm_lines), Loader=PlainSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + first_line})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        card.metadata_error = f"front matter is not valid YAML{where}: {problem}"
        return
    except (ValueError, TypeError, RecursionError) as exc:  # a tag whose value it cannot be
        card.metadata_error = f"front matter is not valid YAML: {exc}"
        return
    if data is None:
        return
    if not isinstance(data, dict):
        card.metadata_error = f"front matter is a {type(data).__name__}, not a mapping"
        return
    card.metadata = {str(k): v for k, v in data.items()}


def _heading(line: str, next_line: str | None) -> tuple[int, str] | None:
    m = _ATX.match(line)
    if m:
        return len(m.group(1)), m.group(2)
    m = _HTML_H.match(line)
    if m:
        return int(m.group(1)), _TAG.sub("", m.group(2))
    if next_line is not None and line.strip() and _SETEXT_UNDERLINE.fullmatch(next_line):
        return (1 if "=" in next_line else 2), line.strip()
    m = _BOLD_LINE.match(line)
    if m:
        return 4, m.group(1)
    return None


#: The first non-blank character of every heading or fence line, and of a setext underline.
_HEADING_MARKS = frozenset("#<*_`~")
_UNDERLINE_MARKS = frozenset("=-")


def _maybe_headings(lines: list[str], start: int) -> Iterator[int]:
    """Indexes of the lines from `start` that could be a heading or a fence: the others (most)
    are not tried against the patterns."""
    firsts = [line.lstrip()[:1] for line in lines]
    for i in range(start - 1, len(lines)):
        if firsts[i] in _HEADING_MARKS or (
            i + 1 < len(lines) and firsts[i + 1] in _UNDERLINE_MARKS
        ):
            yield i


def _sections(lines: list[str], start: int) -> list[Section]:
    heads: list[tuple[int, int, str]] = []  # (line index, level, text)
    in_fence = False
    for i in _maybe_headings(lines, start):
        if _FENCE.match(lines[i]):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        h = _heading(lines[i], nxt)
        if h:
            heads.append((i, h[0], h[1].strip()))
    sections: list[Section] = []
    first = heads[0][0] if heads else len(lines)
    if any(line.strip() for line in lines[start - 1 : first]):
        sections.append(Section("", 0, 0, first, "\n".join(lines[start - 1 : first])))
    for n, (i, level, title) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        sections.append(Section(title, level, i + 1, end, "\n".join(lines[i + 1 : end])))
    return sections
