"""Text normalisation shared by every matcher: the same words out of any formatting.

Line wrapping, Markdown markup, curly quotes, list numbering styles, copyright-holder lines and
a leading metadata header must not change what a license text *says*, so they are removed
here once, and matchers compare word sequences. Words keep dotted version numbers ("3.1")
because they tell Llama 3.1 from 3.2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n.*?\n---[ \t]*\n", re.DOTALL)
_COPYRIGHT = re.compile(r"^[\s>#*_-]*(?:copyright\b|\(c\)\s*\d|©).*$", re.IGNORECASE | re.MULTILINE)
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*")
_SPELLING = {
    "licence": "license",
    "licences": "licenses",
    "licensor's": "licensor",
    "https": "http",
}

Shingle = tuple[str, str, str]


def strip_front_matter(text: str) -> tuple[str, int]:
    """Drop a leading `---` YAML block; return the rest and how many lines were dropped."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return text, 0
    return text[m.end() :], m.group(0).count("\n")


#: Copyright-holder lines are dropped only among a file's first lines, where people add them;
#: a copyright sentence inside a license (a required Notice text) is part of what it says.
HEADER_LINES = 8


def strip_copyright_header(text: str) -> str:
    lines = text.split("\n")
    head = [i for i, ln in enumerate(lines) if ln.strip()][:HEADER_LINES]
    for i in head:
        if _COPYRIGHT.match(lines[i]):
            lines[i] = ""
    return "\n".join(lines)


def line_words(text: str) -> list[str]:
    """Lower-cased, spelling-unified words of `text` as it is."""
    return [_SPELLING.get(w, w) for w in _WORD.findall(text.lower().replace("’", "'"))]


def words_by_line(text: str) -> list[list[str]]:
    """`line_words` of each line of `text`, lower-casing the whole text at once, and unifying
    spellings only when one of them is in it (most license texts hold none)."""
    folded = text.lower().replace("’", "'")
    lines = [_WORD.findall(line) for line in folded.split("\n")]
    if any(spelling in folded for spelling in _SPELLING):
        lines = [[_SPELLING.get(w, w) for w in ws] for ws in lines]
    return lines


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, without a copyright-holder header."""
    return line_words(strip_copyright_header(text))


def shingles(ws: list[str]) -> set[Shingle]:
    return set(zip(ws, ws[1:], ws[2:], strict=False))


def line_of_offset(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


#: Curly quotes and dashes, and the straight forms phrase search compares.
_STRAIGHT = (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("–", "-"), ("—", "-"))


def collapse(text: str) -> str:
    """Whitespace-collapsed, case-folded text with straight quotes, for phrase search."""
    # Six `replace` calls, skipped for ASCII text, cost a tenth of a `translate` with a dict.
    if not text.isascii():
        for curly, straight in _STRAIGHT:
            text = text.replace(curly, straight)
    return " ".join(text.casefold().split())


def capped_word_count(text: str, cap: int) -> int:
    """`min(len(text.split()), cap + 1)`: enough to compare with `cap`, without splitting all of
    a long text."""
    return len(text.split(maxsplit=cap))


def any_in(needles: Iterable[str], haystack: str) -> bool:
    return any(n in haystack for n in needles)
