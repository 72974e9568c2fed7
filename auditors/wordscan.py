"""`finditer` for a case-insensitive pattern whose matches all begin with one of a few words.

`re` tries such a pattern at every position of a card (a millisecond for the longer ones);
`str.find` for the words a match must begin with jumps to the few positions worth trying, where
the pattern itself decides. The matches are the very ones `pattern.finditer` finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: Characters that `re.IGNORECASE` matches to an ASCII letter though `str.lower` does not make
#: them that letter ("ſ" matches "s"); a text holding one is scanned by `re` alone.
_ODD_CASE = ("ı", "ſ", "İ")


class WordScan:
    """A pattern (compiled with `re.IGNORECASE`) and the lower-case words its matches begin with."""

    def __init__(self, pattern: re.Pattern[str], starts: tuple[str, ...]) -> None:
        self.pattern = pattern
        self.starts = starts

    def finditer(self, text: str, pos: int = 0, low: str | None = None) -> Iterator[re.Match[str]]:
        """`pattern.finditer(text, pos)`; `low` is `text.lower()` when the caller has it."""
        low = text.lower() if low is None else low
        if not _aligned(text, low):
            yield from self.pattern.finditer(text, pos)
            return
        end = pos
        for at in sorted({at for word in self.starts for at in _find_all(low, word, pos)}):
            if at >= end:
                m = self.pattern.match(text, at)
                if m is not None:
                    yield m
                    end = m.end()  # never empty: a match begins with a word

    def search(self, text: str, pos: int = 0, low: str | None = None) -> re.Match[str] | None:
        return next(self.finditer(text, pos, low), None)


def _aligned(text: str, low: str) -> bool:
    """Whether `low[i]` is `text[i]` lower-cased, for every i, and as `re` would case-fold it."""
    if text.isascii():
        return True
    return len(low) == len(text) and not any(c in text for c in _ODD_CASE)


def _find_all(text: str, word: str, pos: int) -> Iterator[int]:
    at = text.find(word, pos)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)
