"""Find license names in prose: "released under the CreativeML OpenRAIL-M license".

Every id, name, alias and SPDX id in the knowledge base is put in one canonical form
(`knowledge.name_key`) and searched for, longest first, in the canonical form of each sentence
that talks about licensing. A name right after "under" or "license:" is what the sentence
declares; a name elsewhere in it (a base model's license mentioned in passing) counts less.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from auditors.knowledge import KnowledgeBase, name_key
from auditors.report import Identification
from auditors.wordscan import WordScan

_URL = re.compile(r"https?://[^\s)\]>\"'`]+")
_SENTENCE = re.compile(r"[^\n]+?(?:[.!?](?=\s|$)|$)", re.MULTILINE)
_LICENSE_TALK = re.compile(r"licen[sc]|\bterms of use\b", re.IGNORECASE)
_LICENSE_TALK_SCAN = WordScan(_LICENSE_TALK, ("licen", "terms of use"))
_DECLARING = re.compile(
    r"(?:under|licen[sc]e[sd]?\s*(?:is|:|as)|licen[sc]e\s*$|terms of)\s*(?:the\s+)?$", re.IGNORECASE
)
#: Names too generic to count on their own in prose: "other", and "llama", which names a
#: family with five different licenses, not one of them (a versioned name still counts).
_IGNORED = {"other", "unknown", "none", "custom", "llama"}
#: Short names that only count when "licen[sc]e" is right beside them ("MIT license").
_SHORT = 4


@dataclass(frozen=True)
class _Name:
    key: str
    license_id: str


class NameFinder:
    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        items = [(k, lid) for k, lid in kb.alias_items() if k and k not in _IGNORED]
        self._names = [_Name(k, lid) for k, lid in items]
        alternation = "|".join(re.escape(n.key) for n in self._names)
        self._pattern = re.compile(rf"(?<![a-z0-9+])(?:{alternation})(?![a-z0-9+]|\.\d)")
        self._by_key = {n.key: n.license_id for n in self._names}

    def in_text(
        self, text: str, path: str, first_line: int = 1, everywhere: bool = False
    ) -> list[Identification]:
        """License names and links in sentences about licensing, best first, one per license.

        `everywhere` reads every sentence, for a file that is all about licensing (a LICENSE
        holding only "[BigScience RAIL]" or a URL).
        """
        found: dict[str, Identification] = {}
        for line_no, sentence, start in _license_sentences(text, first_line, everywhere):
            for ident in self._in_sentence(sentence, path, line_no, start):
                prev = found.get(ident.license_id)
                if prev is None or ident.confidence > prev.confidence:
                    found[ident.license_id] = ident
        return sorted(found.values(), key=lambda i: (-i.confidence, i.line_start or 0))

    def _in_sentence(self, sentence: str, path: str, line: int, start: int) -> list[Identification]:
        out = []
        for url in _URL.findall(sentence):
            lid = self._kb.resolve_url(url.rstrip(".,;"))
            if lid:
                out.append(Identification(lid, 0.8, "license-link", path, line, line, note=url))
        # Alternatives are sorted longest first, so each match is the longest name at its place.
        for m in self._pattern.finditer(name_key(sentence)):
            key = m.group(0)
            declaring = _declares(sentence, key)
            if len(key) <= _SHORT and not (declaring or _names_license(sentence, key)):
                continue
            out.append(
                Identification(
                    self._by_key[key],
                    0.85 if declaring else 0.6,
                    "prose",
                    path,
                    line,
                    line,
                    note=sentence.strip()[:160],
                )
            )
        return out


def _names_license(sentence: str, key: str) -> bool:
    """ "MIT license", "the ISC licence": a short name counts only right before the word."""
    return bool(re.search(rf"\b{re.escape(key)}\W+licen[sc]e", sentence, re.IGNORECASE))


def _declares(sentence: str, key: str) -> bool:
    low = sentence.lower()
    first_word = key.split()[0]
    at = low.find(first_word)
    return at >= 0 and bool(_DECLARING.search(low[:at]))


def _license_sentences(text: str, first_line: int, everywhere: bool) -> list[tuple[int, str, int]]:
    """(line, sentence, offset) of the sentences that talk about licensing (all, `everywhere`).

    A sentence never spans lines, so only the lines where licensing is mentioned are split:
    one scan of the whole text finds them.
    """
    wanted: Iterable[tuple[int, int, str]]
    if everywhere:
        lines = text.split("\n")
        starts = itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0)
        wanted = zip(itertools.count(), starts, lines)
    else:
        wanted = _lines_holding(text, [m.start() for m in _LICENSE_TALK_SCAN.finditer(text)])
    out = []
    for n, start, line in wanted:
        for m in _SENTENCE.finditer(line):
            s = m.group(0)
            if everywhere or _LICENSE_TALK.search(s):
                out.append((n + first_line, s, start + m.start()))
    return out


def _lines_holding(text: str, offsets: list[int]) -> list[tuple[int, int, str]]:
    """(index, start offset, text) of each line holding one of the ascending `offsets`, once:
    without splitting the whole text, as few of its lines are wanted."""
    out: list[tuple[int, int, str]] = []
    n, counted = 0, 0  # n: the line index of offset `counted`
    for at in offsets:
        n += text.count("\n", counted, at)
        counted = at
        if out and out[-1][0] == n:
            continue
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        out.append((n, start, text[start : end if end >= 0 else len(text)]))
    return out


@functools.cache
def name_finder(kb: KnowledgeBase) -> NameFinder:
    return NameFinder(kb)
