"""The knowledge base checked against the license texts it quotes, and for internal consistency."""

from __future__ import annotations

import hashlib
import re

import pytest

from auditors.knowledge import FAMILIES, load_knowledge_base
from auditors.paths import data_dir
from auditors.textnorm import collapse, strip_front_matter

KB = load_knowledge_base()
LICENSES = data_dir() / "licenses"
DUTY_KINDS = {
    "use-restrictions",
    "notify-restrictions",
    "license-copy",
    "modification-notice",
    "retain-notices",
    "notice-text",
    "display-attribution",
    "name-prefix",
    "same-license",
    "share-alike",
    "non-commercial",
    "attribution",
    "acceptable-use-policy",
    "no-competing-models",
}


def _flat(text: str) -> str:
    return re.sub(r"[*_`#>]", "", collapse(strip_front_matter(text)[0]))


TEXTS = {
    p.name: _flat(p.read_text(encoding="utf-8", errors="replace")) for p in LICENSES.glob("*.txt")
}


def _present(quote: str, files: tuple[str, ...]) -> bool:
    q = collapse(quote)
    return any(q in TEXTS[f] or re.sub(r"[*_`#>]", "", q) in TEXTS[f] for f in files)


@pytest.mark.parametrize("lic", KB.licenses.values(), ids=list(KB.licenses))
def test_every_duty_quotes_its_license_text(lic) -> None:  # type: ignore[no-untyped-def]
    assert lic.family in FAMILIES
    for name in lic.texts:
        assert name in TEXTS, f"{lic.id}: reference text {name} missing from data/licenses"
    for duty in lic.duties:
        assert duty.kind in DUTY_KINDS, f"{lic.id}: unknown duty kind {duty.kind}"
        if lic.texts:
            assert _present(duty.quote, lic.texts), (
                f"{lic.id} {duty.cite}: quote not in text: {duty.quote[:80]}"
            )


@pytest.mark.parametrize("key", sorted(KB.restriction_sets))
def test_every_restriction_quote_is_in_a_text_of_a_license_using_the_set(key: str) -> None:
    users = [lic for lic in KB.licenses.values() if lic.restriction_set == key]
    assert users, f"restriction set {key} is used by no license"
    files = tuple(f for lic in users for f in lic.texts)
    for item in KB.restriction_sets[key]:
        assert _present(item.quote, files), f"{key} {item.id}: quote not found: {item.quote[:80]}"


def test_hub_id_flags_match_the_hub_list() -> None:
    wrong = [lic.id for lic in KB.licenses.values() if lic.hub_id != KB.is_hub_id(lic.id)]
    assert not wrong


def test_variants_and_base_models_point_at_known_licenses() -> None:
    for lic in KB.licenses.values():
        assert lic.variant_of is None or lic.variant_of in KB.licenses, lic.id
        assert lic.restriction_set is None or lic.restriction_set in KB.restriction_sets, lic.id
    for fam in KB.families:
        assert fam.license in KB.licenses, fam.id
        for repo, override in fam.models.items():
            assert override is None or override in KB.licenses, repo


def test_no_base_model_is_listed_twice() -> None:
    seen = [m for fam in KB.families for m in fam.models]
    assert len(seen) == len(set(seen))


def test_license_manifest_hashes_match_the_files() -> None:
    rows = (LICENSES / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    listed = {}
    for row in rows:
        name, sha, source, _ = row.split("\t", 3)
        listed[name] = sha
        assert source, name
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in LICENSES.glob("*.txt")}
    assert listed == on_disk


def test_required_licenses_are_known() -> None:
    required = [
        "creativeml-openrail-m",
        "openrail++",
        "bigscience-openrail-m",
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "openrail",
        "llama2",
        "llama3",
        "llama3.1",
        "gemma",
        "mit",
        "apache-2.0",
        "bsd-2-clause",
        "bsd-3-clause",
        "gpl-2.0",
        "gpl-3.0",
        "agpl-3.0",
        "lgpl-2.1",
        "lgpl-3.0",
        "mpl-2.0",
        "cc0-1.0",
        "cc-by-4.0",
        "cc-by-sa-4.0",
        "cc-by-nc-4.0",
        "cc-by-nc-sa-4.0",
        "cc-by-nc-nd-4.0",
        "unlicense",
    ]
    assert [r for r in required if r not in KB.licenses] == []


def test_license_ids_are_unique_in_the_file() -> None:
    import yaml

    raw = yaml.safe_load((data_dir() / "knowledge" / "licenses.yaml").read_text(encoding="utf-8"))
    ids = [entry["id"] for entry in raw["licenses"]]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
