"""The identification benchmark's accuracy goal, kept as a regression gate (no timing here).

Every category of benchmarks/license_cases.py (whole, preamble cut, edited, attachment only,
Hub id in metadata, prose, real cards, notices) must stay at or above 95 %.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from auditors.licenses import identify_card, identify_text
from tests.test_license_cases import SHARED, lc

GOAL = 0.95
CASES = lc.build_cases(SHARED) if (SHARED / "corpus" / "licenses").is_dir() else []
CATEGORIES = sorted({c.category for c in CASES})


def is_right(case) -> bool:  # type: ignore[no-untyped-def]
    found = (identify_card if case.is_card else identify_text)(case.text, path=case.filename)
    if not found:
        return False
    top = max(found, key=lambda i: i.confidence)
    if top.license_id in case.answers:
        return True
    return case.category == "attachment-only" and case.expected in top.alternatives


@pytest.fixture(scope="module")
def misses() -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for case in CASES:
        if not is_right(case):
            out[case.category].append(case.id)
    return out


@pytest.mark.parametrize("category", CATEGORIES)
def test_accuracy_goal_per_category(category: str, misses: dict[str, list[str]]) -> None:
    total = sum(1 for c in CASES if c.category == category)
    accuracy = 1 - len(misses[category]) / total
    assert accuracy >= GOAL, f"{category}: {accuracy:.1%}, misses {misses[category][:10]}"
