"""Reference license texts and the shingle index used to compare a file against all of them.

A shingle is three consecutive normalised words. Comparing shingle sets is robust to wrapping,
formatting and small edits, yet tells near-identical licenses apart (CreativeML vs OpenRAIL++,
Llama 3.1 vs 3.2) because the few sentences where they differ produce shingles only one has.
The index is built on first use, so an audit without license files never pays for it.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from auditors.knowledge import KnowledgeBase
from auditors.textnorm import Shingle, shingles, strip_front_matter, words


@dataclass(frozen=True)
class Reference:
    license_id: str
    file: str
    words: tuple[str, ...]
    shingles: frozenset[Shingle]


@dataclass(frozen=True)
class Overlap:
    """How a candidate text overlaps one reference."""

    reference: Reference
    matched: int
    containment: float  # share of the candidate's shingles found in the reference
    coverage: float  # share of the reference's shingles found in the candidate


class ReferenceIndex:
    def __init__(self, references: list[Reference]) -> None:
        self.references = references
        self._postings: dict[Shingle, list[int]] = {}
        for i, ref in enumerate(references):
            for sh in ref.shingles:
                self._postings.setdefault(sh, []).append(i)
        self._exact = {ref.words: ref for ref in references}

    def exact(self, ws: tuple[str, ...]) -> Reference | None:
        return self._exact.get(ws)

    def overlaps(self, cand: set[Shingle]) -> list[Overlap]:
        """References sharing shingles with `cand`, best first (containment, then coverage)."""
        counts: Counter[int] = Counter()
        postings = self._postings
        for sh in cand:
            hit = postings.get(sh)
            if hit:
                counts.update(hit)
        n = max(len(cand), 1)
        found = [
            Overlap(self.references[i], c, c / n, c / max(len(self.references[i].shingles), 1))
            for i, c in counts.items()
        ]
        found.sort(key=lambda o: (o.containment, o.coverage), reverse=True)
        return found


def load_reference(license_id: str, path: Path) -> Reference:
    text, _ = strip_front_matter(path.read_text(encoding="utf-8", errors="replace"))
    ws = tuple(words(text))
    return Reference(license_id, path.name, ws, frozenset(shingles(list(ws))))


@functools.cache
def reference_index(kb: KnowledgeBase, licenses_dir: Path) -> ReferenceIndex:
    refs = [
        load_reference(lic.id, licenses_dir / name)
        for lic in kb.licenses.values()
        for name in lic.texts
    ]
    return ReferenceIndex(refs)
