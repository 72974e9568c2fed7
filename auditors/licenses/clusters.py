"""The long tail: license texts that match no known license, grouped by similarity.

A text is *unknown* when no reference text explains it (no exact or similarity match), or when
it is a RAIL whose use restrictions or distribution clauses were removed or weakened (a
modified RAIL is its own license, whatever it resembles). Unknown texts are clustered by the
Jaccard similarity of their word-3-shingle sets (single link: a text joins a cluster when it is
at least `threshold` similar to any member), so the variants of one bespoke license land
together and a new license family shows up as a growing cluster.

For each cluster: how many artifacts ship it, its most used text as representative, the nearest
known license (by containment in its reference text), and how the representative differs from
it (the RAIL restrictions missing or weakened, and sentences added or dropped).

Pairwise comparison is quadratic in the number of distinct unknown texts (a few thousand
compare in seconds); texts are deduplicated by content first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from auditors.knowledge import KnowledgeBase
from auditors.licenses import identify_text, index_for
from auditors.licenses.rail import analyse_rail
from auditors.paths import data_dir
from auditors.textnorm import Shingle, shingles, strip_front_matter, words

TEXT_MATCHES = ("exact", "similarity")
_SENTENCE = re.compile(r"[^.!?\n]{20,}[.!?]?")


@dataclass(frozen=True)
class LicenseText:
    """A distinct license text (by content) and the artifacts that ship it."""

    digest: str
    text: str
    artifacts: tuple[str, ...]


@dataclass(frozen=True)
class Nearest:
    license_id: str
    containment: float  # share of the text's shingles found in the reference


@dataclass
class Cluster:
    members: list[LicenseText]
    nearest: Nearest | None = None
    differences: list[str] = field(default_factory=list)

    @property
    def artifacts(self) -> int:
        return sum(len(m.artifacts) for m in self.members)

    @property
    def representative(self) -> LicenseText:
        return max(self.members, key=lambda m: (len(m.artifacts), m.digest))


def unknown_reason(text: str, kb: KnowledgeBase) -> str | None:
    """Why `text` is in the long tail ("no known license matches", "modified RAIL: ..."), or
    None when a known license explains it."""
    found = [i for i in identify_text(text, kb=kb) if i.method in TEXT_MATCHES]
    if not found:
        return "no known license matches"
    best = found[0]
    analysis = analyse_rail(text, "LICENSE", best.license_id, kb)
    if analysis is not None and analysis.is_modified:
        missing = ", ".join(analysis.missing) or "distribution clauses"
        return f"modified {best.license_id}: {missing} removed or weakened"
    return None


def cluster_texts(
    texts: Sequence[LicenseText], kb: KnowledgeBase, threshold: float = 0.5
) -> list[Cluster]:
    """Clusters of `texts`, largest first, each with its nearest known license and differences."""
    sets = [frozenset(shingles(words(strip_front_matter(t.text)[0]))) for t in texts]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if root(i) != root(j) and _jaccard(sets[i], sets[j]) >= threshold:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(root(i), []).append(i)
    clusters = []
    for members in groups.values():
        cluster = Cluster([texts[i] for i in members])
        rep = max(members, key=lambda i: (len(texts[i].artifacts), texts[i].digest))
        cluster.nearest, cluster.differences = _compare(texts[rep].text, sets[rep], kb)
        clusters.append(cluster)
    clusters.sort(key=lambda c: (-c.artifacts, c.representative.digest))
    return clusters


def _jaccard(a: frozenset[Shingle], b: frozenset[Shingle]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _compare(
    text: str, cand: frozenset[Shingle], kb: KnowledgeBase
) -> tuple[Nearest | None, list[str]]:
    overlaps = index_for(kb).overlaps(set(cand))
    if not overlaps:
        return None, []
    best = overlaps[0]
    nearest = Nearest(best.reference.license_id, round(best.containment, 3))
    differences = []
    analysis = analyse_rail(text, "LICENSE", nearest.license_id, kb)
    if analysis is not None:
        missing = [r for r in analysis.restrictions if r.status != "present"]
        if missing:
            listed = ", ".join(f"{r.id} ({r.status})" for r in missing)
            differences.append(f"use restrictions not as in {nearest.license_id}: {listed}")
        dropped = list(dict.fromkeys(c.id for c in analysis.clauses if c.status != "present"))
        if dropped:
            differences.append(
                f"distribution clauses not as in the reference: {', '.join(dropped)}"
            )
    reference = " ".join(best.reference.words)
    ours = " ".join(words(strip_front_matter(text)[0]))
    added = _sentences_missing_from(_sentences(text), reference)
    reference_text = (data_dir() / "licenses" / best.reference.file).read_text(encoding="utf-8")
    removed = _sentences_missing_from(_sentences(reference_text), ours)
    if added:
        differences.append(f"adds {_sentences_n(added)}, e.g. “{added[0][:160]}”")
    if removed:
        differences.append(f"drops {_sentences_n(removed)}, e.g. “{removed[0][:160]}”")
    return nearest, differences


def _sentences_n(found: list[str]) -> str:
    return f"{len(found)} sentence{'s' if len(found) != 1 else ''}"


def _sentences(text: str) -> list[str]:
    return [m.group(0).strip() for m in _SENTENCE.finditer(strip_front_matter(text)[0])]


def _sentences_missing_from(sentences: Iterable[str], other: str) -> list[str]:
    """Sentences whose words do not appear, in order, in `other` (a normalised word string)."""
    out = []
    for s in sentences:
        normal = " ".join(words(s))
        if normal and normal not in other:
            out.append(s)
    return out
