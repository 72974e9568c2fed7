"""The license-identification benchmark's case list: complete, unique, labelled with known ids."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_cases_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "license_cases", ROOT / "benchmarks" / "license_cases.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("license_cases", module)
    spec.loader.exec_module(module)
    return module


lc = _load_cases_module()
SHARED = lc.default_shared_dir()

pytestmark = pytest.mark.skipif(
    not (SHARED / "corpus" / "licenses").is_dir(),
    reason=f"shared corpus not found at {SHARED} (set GENAI_SHARED)",
)

MINIMUM = {
    "whole": 110,
    "preamble-cut": 110,
    "edited": 330,
    "attachment-only": 7,
    "hub-id-metadata": 9,
    "prose": 10,
    "real-cards": 21,
    "notice": 25,
}


@pytest.fixture(scope="module")
def cases() -> list:
    return lc.build_cases(SHARED)


def test_every_category_has_its_minimum(cases: list) -> None:
    counts = lc.count_by_category(cases)
    short = {c: (counts[c], n) for c, n in MINIMUM.items() if counts[c] < n}
    assert not short, f"categories below their minimum (have, need): {short}"


def test_case_ids_are_unique(cases: list) -> None:
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids))


def test_cases_are_deterministic(cases: list) -> None:
    assert lc.build_cases(SHARED) == cases


def test_expected_ids_exist_in_knowledge_base(cases: list) -> None:
    kb = lc.load_kb_ids()
    if kb is None:
        pytest.skip(f"{lc.KB_PATH.relative_to(ROOT)} does not exist yet; cannot check the ids")
    ids, _ = kb
    unknown = sorted({a for c in cases for a in c.answers if a not in ids})
    assert not unknown, f"ids not in the knowledge base: {unknown}"


def test_crosswalk_maps_to_ids_we_use(cases: list) -> None:
    lines = (SHARED / "corpus" / "hub-license-ids.tsv").read_text(encoding="utf-8").splitlines()
    hub_ids = {line.split("\t")[0] for line in lines[1:]}
    answers = {a for c in cases for a in c.answers}
    targets = {v for v in lc.load_crosswalk().values() if v is not None}
    assert targets <= answers | hub_ids, sorted(targets - answers - hub_ids)


def test_variants_differ_from_their_source(cases: list) -> None:
    whole = {c.id.removeprefix("whole/"): c.text for c in cases if c.category == "whole"}
    for case in cases:
        if case.category in ("preamble-cut", "edited"):
            key = case.id.split("/", 1)[1].split("#")[0]
            assert case.text != whole[key], case.id
            assert case.expected and case.text.strip(), case.id


def test_preamble_cut_drops_title_and_copyright(cases: list) -> None:
    for case in cases:
        if case.category == "preamble-cut":
            head = case.text.lstrip().splitlines()[:3]
            assert not any(lc._COPYRIGHT.match(line) for line in head), case.id


def test_attachments_start_at_attachment_a(cases: list) -> None:
    attachments = [c for c in cases if c.category == "attachment-only"]
    assert all(c.text.startswith("Attachment A") for c in attachments)
    creativeml = next(c for c in attachments if c.expected == "creativeml-openrail-m")
    assert "openrail++" in creativeml.accept


def test_prose_cases_have_no_license_metadata(cases: list) -> None:
    for case in cases:
        if case.category == "prose":
            assert not case.text.startswith("---"), case.id
            assert "\nlicense:" not in case.text, case.id


def test_card_tables_explain_every_label() -> None:
    for table in ("real-cards.tsv", "hub-id-metadata.tsv", "prose-cards.tsv"):
        for row in lc.read_table(table):
            assert row["why"], f"{table}: {row['card']} has no `why`"
            assert (SHARED / "corpus" / "cards" / row["card"]).is_file(), row["card"]


def test_edits_are_seeded_by_case_id() -> None:
    text = "1. Definitions\n\n" + "The Licensor grants You a license to use the Model. " * 40
    one = lc.edited_variant(text, "mixed", lc.random.Random("a"))
    assert one == lc.edited_variant(text, "mixed", lc.random.Random("a"))
    assert one != lc.edited_variant(text, "mixed", lc.random.Random("b"))
