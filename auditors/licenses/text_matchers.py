"""Identify the license(s) in a license-like text: the ordered matcher chain for files.

Cheapest first: normalised-exact, then shingle similarity (with a second pass over what the
best match left unexplained, for files that hold two licenses), then a title check for texts
that *call* themselves a known license but do not read like it (the paraphrased "CreativeML"
in the wild), then prose naming a license (short notices).
"""

from __future__ import annotations

from auditors.knowledge import KnowledgeBase
from auditors.licenses.names import NameFinder
from auditors.licenses.references import Overlap, ReferenceIndex
from auditors.report import Identification
from auditors.textnorm import (
    Shingle,
    line_of_offset,
    strip_copyright_header,
    strip_front_matter,
    words_by_line,
)

#: Share of a text's shingles that must come from one reference to call it that license.
MATCH_THRESHOLD = 0.6
#: References scoring within this of the best are reported as alternatives, not guessed between.
TIE_MARGIN = 0.005
#: Shingles only one of several equally good references explains, needed to prefer it.
MIN_UNIQUE_EVIDENCE = 2
#: Coverage difference under which equally contained references stay a tie.
COVERAGE_TIE = 0.05
#: Fewest shared shingles for a similarity match (shorter texts go to the prose matcher).
MIN_MATCHED = 12
#: A license file this short is read as a name or link ("[BigScience RAIL]", a URL).
SHORT_TEXT_WORDS = 40
#: Residue of a file, unexplained by its best match, that is searched for a second license.
SECOND_LICENSE_MIN_SHARE = 0.25


def _words_with_lines(text: str, first_line: int) -> tuple[list[str], list[int]]:
    ws: list[str] = []
    lines: list[int] = []
    for n, found in enumerate(words_by_line(strip_copyright_header(text)), start=first_line):
        ws.extend(found)
        lines.extend([n] * len(found))
    return ws, lines


def identify_text(
    text: str,
    path: str,
    kb: KnowledgeBase,
    index: ReferenceIndex,
    names: NameFinder,
    threshold: float = MATCH_THRESHOLD,
) -> list[Identification]:
    body, skipped = strip_front_matter(text)
    ws, lines = _words_with_lines(body, skipped + 1)
    if not ws:
        return []
    exact = index.exact(tuple(ws))
    if exact is not None:
        return [
            Identification(exact.license_id, 1.0, "exact", path, lines[0], lines[-1], coverage=1.0)
        ]
    positions = {(ws[i], ws[i + 1], ws[i + 2]): i for i in range(len(ws) - 2)}
    found = _similar(set(positions), index, path, lines, positions, threshold)
    if found:
        return found
    titled = _title_claim(body, skipped, path, names, index, set(positions))
    if titled:
        return [titled]
    return names.in_text(body, path, first_line=skipped + 1, everywhere=len(ws) <= SHORT_TEXT_WORDS)


def _similar(
    cand: set[tuple[str, str, str]],
    index: ReferenceIndex,
    path: str,
    lines: list[int],
    positions: dict[tuple[str, str, str], int],
    threshold: float,
) -> list[Identification]:
    results: list[Identification] = []
    remaining = cand
    total = max(len(cand), 1)
    while remaining and len(results) < 3:
        overlaps = _best_per_license(index.overlaps(remaining))
        if not overlaps:
            break
        best, ties = _break_tie(overlaps, remaining)
        share = best.matched / total
        enough = best.containment >= threshold if not results else share >= SECOND_LICENSE_MIN_SHARE
        if not enough or best.matched < MIN_MATCHED:
            break
        matched = remaining & best.reference.shingles
        idx = sorted(positions[s] for s in matched)
        results.append(
            Identification(
                best.reference.license_id,
                round(best.containment if not results else share, 4),
                "similarity",
                path,
                lines[idx[0]],
                lines[min(idx[-1] + 2, len(lines) - 1)],
                coverage=round(best.coverage, 4),
                alternatives=ties,
            )
        )
        remaining = remaining - best.reference.shingles
        if len(remaining) / total < SECOND_LICENSE_MIN_SHARE:
            break
    return results


def _break_tie(overlaps: list[Overlap], cand: set[Shingle]) -> tuple[Overlap, tuple[str, ...]]:
    """The best reference, or the first of several that match equally well and their ids.

    Among references that contain the text about equally well: a text that covers one of them
    much more fully is that one (GPL-3.0 is contained in the LGPL-3.0 text, but covers only the
    GPL whole). Otherwise what decides is evidence only one of them explains: shingles found in
    one reference and in none of the others (DeepFloyd IF vs SDXL 0.9: the model's name;
    Llama 3.1 vs 3.2: the version). With neither, it is a tie and the others are alternatives.
    """
    group = [o for o in overlaps if overlaps[0].containment - o.containment <= TIE_MARGIN]
    if len(group) == 1:
        return group[0], ()
    by_cover = sorted(group, key=lambda o: o.coverage, reverse=True)
    if by_cover[0].coverage - by_cover[1].coverage > COVERAGE_TIE:
        return by_cover[0], ()
    unique = []
    for o in group:
        others = (g.reference.shingles for g in group if g is not o)
        unique.append(len((cand & o.reference.shingles).difference(*others)))
    ranked = sorted(zip(unique, range(len(group)), strict=True), reverse=True)
    (top, i), (second, _) = ranked[0], ranked[1]
    if top >= MIN_UNIQUE_EVIDENCE and top > second:
        return group[i], ()
    return group[0], tuple(o.reference.license_id for o in group[1:])


def _best_per_license(overlaps: list[Overlap]) -> list[Overlap]:
    seen: set[str] = set()
    out = []
    for o in overlaps:
        if o.reference.license_id not in seen:
            seen.add(o.reference.license_id)
            out.append(o)
    return out


def _title_claim(
    body: str,
    skipped: int,
    path: str,
    names: NameFinder,
    index: ReferenceIndex,
    cand: set[tuple[str, str, str]],
) -> Identification | None:
    """A text whose heading names a license we hold, but whose body does not match it."""
    head_lines = [ln for ln in body.split("\n") if ln.strip()][:3]
    head = "\n".join(head_lines)
    claims = names.in_text(head, path, first_line=skipped + 1)
    if not claims:
        return None
    claim = claims[0]
    refs = [r for r in index.references if r.license_id == claim.license_id]
    if not refs:
        return None
    sim = max(len(cand & r.shingles) / max(len(cand), 1) for r in refs)
    line = line_of_offset(body, body.find(head_lines[0])) + skipped
    return Identification(
        claim.license_id,
        round(0.5 * sim + 0.2, 4),
        "title",
        path,
        line,
        line,
        coverage=round(sim, 4),
        note=f"titled as {claim.license_id} but only {sim:.0%} of its text matches the reference",
    )
