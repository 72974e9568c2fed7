"""Modified RAIL texts compared clause by clause with CreativeML OpenRAIL-M.

Expected values are the reading in shared/notes/license-obligations.md §4 (checked against the
texts): which of CreativeML's restrictions R1-R11 each variant drops, and which ¶4 duties.
"""

from __future__ import annotations

import pytest

from auditors.knowledge import load_knowledge_base
from auditors.licenses import analyse_rail
from tests.corpus import CORPUS

KB = load_knowledge_base()


def analyse(name: str):  # type: ignore[no-untyped-def]
    text = (CORPUS / "licenses" / name).read_text(encoding="utf-8")
    result = analyse_rail(text, name, "creativeml-openrail-m", KB)
    assert result is not None
    return result


@pytest.mark.parametrize(
    ("name", "dropped"),
    [
        ("clay-openrail-m.txt", {"R10", "R11"}),
        ("birdl-airl++.txt", {"R3", "R4", "R10", "R11"}),
        ("deepseek-license.txt", {"R10", "R11"}),
        (
            "creativeml-openrail-m_paraphrased-in-the-wild_style-lora-diffusion.txt",
            {"R2", "R7", "R8", "R9", "R10", "R11"},
        ),
    ],
)
def test_dropped_restrictions_are_reported_missing(name: str, dropped: set[str]) -> None:
    result = analyse(name)
    missing = {r.id for r in result.restrictions if r.status == "missing"}
    assert dropped <= missing
    kept = {r.id for r in result.restrictions if r.status == "present"}
    assert not (dropped & kept)
    assert result.is_modified


def test_birdl_drops_the_copy_and_notice_clauses_clay_keeps_them() -> None:
    def lost(name: str) -> set[str]:
        return {c.id for c in analyse(name).clauses if c.status == "missing"}

    assert {"license-copy", "modification-notice", "retain-notices"} <= lost("birdl-airl++.txt")
    assert lost("clay-openrail-m.txt") == set()


@pytest.mark.parametrize(
    "name", ["creativeml-openrail-m.txt", "openrail++.txt", "openrail++_sdxl-1.0.txt"]
)
def test_the_real_texts_keep_every_restriction_and_clause(name: str) -> None:
    result = analyse(name)
    assert not result.is_modified, [r for r in result.restrictions if r.status != "present"]
