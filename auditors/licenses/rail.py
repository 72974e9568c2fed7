"""Compare a RAIL-style text with its reference: which restrictions and clauses survive.

Each use-based restriction and each distribution clause is located by the words the knowledge
base quotes for it. A restriction whose quoted words are mostly present is `present`; partly
present (reworded, narrowed) is `weakened`; absent is `missing`. This is how a modified or
paraphrased "CreativeML" text is told from the real one, clause by clause.
"""

from __future__ import annotations

from auditors.knowledge import KnowledgeBase
from auditors.report import RailAnalysis, RestrictionCheck
from auditors.textnorm import strip_front_matter, words

PRESENT = 0.8
WEAKENED = 0.4
#: The distribution clauses of a RAIL whose survival we report.
CLAUSE_KINDS = (
    "use-restrictions",
    "notify-restrictions",
    "license-copy",
    "modification-notice",
    "retain-notices",
)


def _grams(ws: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(ws[i : i + n]) for i in range(max(len(ws) - n + 1, 1))}


def _presence(quote: str, text_words: list[str], cache: dict[int, set[tuple[str, ...]]]) -> float:
    qw = words(quote)
    n = 3 if len(qw) >= 6 else 2 if len(qw) >= 3 else 1
    if n not in cache:
        cache[n] = _grams(text_words, n)
    q = _grams(qw, n)
    return len(q & cache[n]) / max(len(q), 1)


def _status(score: float) -> str:
    return "present" if score >= PRESENT else "weakened" if score >= WEAKENED else "missing"


def analyse_rail(
    text: str, path: str, reference_id: str, kb: KnowledgeBase, similarity: float = 0.0
) -> RailAnalysis | None:
    """Restriction-by-restriction comparison with `reference_id`, or None if it has no list."""
    lic = kb.license(reference_id)
    restrictions = kb.restrictions(reference_id)
    if lic is None or not restrictions:
        return None
    body, _ = strip_front_matter(text)
    tw = words(body)
    cache: dict[int, set[tuple[str, ...]]] = {}
    checks = []
    for r in restrictions:
        score = _presence(r.quote, tw, cache)
        checks.append(RestrictionCheck(r.id, r.label, _status(score), round(score, 3)))
    clauses = []
    for d in lic.duties:
        if d.kind in CLAUSE_KINDS:
            score = _presence(d.quote, tw, cache)
            clauses.append(RestrictionCheck(d.kind, f"{d.cite}", _status(score), round(score, 3)))
    return RailAnalysis(path, reference_id, round(similarity, 4), tuple(checks), tuple(clauses))
