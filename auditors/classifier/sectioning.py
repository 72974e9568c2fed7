"""A card cut into the units the section classifier reads: each heading with the text under it.

A unit keeps the headings above it (`path`): "### Results" under "## Bias evaluation" means
something else than under "## Speed". Headings with nothing but sub-headings under them give
no unit of their own; their title lives on in their children's paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditors.card import Card

_WORD = re.compile(r"[A-Za-z]{2}")


@dataclass(frozen=True)
class CardSection:
    index: int  # position among the card's units, 0-based
    heading: str  # "" for text before the first heading
    path: tuple[str, ...]  # the titles of the headings above this one, outermost first
    level: int
    line: int  # 1-based line of the heading (of the first body line for text before any heading)
    end_line: int
    body: str

    @property
    def first_line(self) -> str:
        return next((ln.strip() for ln in self.body.split("\n") if _WORD.search(ln)), "")[:200]

    @property
    def context(self) -> str:
        """The heading path as one line: what a reader sees above the text."""
        return " / ".join((*self.path, self.heading))


def split_card(card: Card) -> list[CardSection]:
    units: list[CardSection] = []
    open_heads: list[tuple[int, str]] = []  # (level, title) of the headings above
    for s in card.sections:
        if s.level > 0:
            while open_heads and open_heads[-1][0] >= s.level:
                open_heads.pop()
        if _WORD.search(s.body):
            line = s.line if s.level > 0 else card.body_line
            path = tuple(t for _, t in open_heads)
            units.append(CardSection(len(units), s.title, path, s.level, line, s.end_line, s.body))
        if s.level > 0:
            open_heads.append((s.level, s.title))
    return units
