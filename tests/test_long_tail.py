"""`tracker licenses unknown` over repos scraped through the replay server: two modified
CreativeML OpenRAIL-M texts (restrictions removed) and two house licenses (Deepseek's terms cut
before its restrictions, each with its own closing sentence), made from the real texts in
../shared/corpus/licenses, cluster apart from each other and from the known licenses other
repos ship."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import DEMO_DIR
from tests.corpus import CORPUS
from tests.digest_world import POKEMON, WEEK1_AT, World, digest_world
from tests.processes import run_tracker
from tracker.long_tail import unknown_licenses

LICENSES = CORPUS / "licenses"
CARD = (DEMO_DIR / "hub" / POKEMON / "README.md").read_text(encoding="utf-8")


def _without(text: str, *starts: str) -> str:
    """The text without the lines that start with any of `starts` (a restriction each)."""
    return "\n".join(ln for ln in text.splitlines() if not ln.startswith(starts)) + "\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("long-tail")
    (tmp / "snapshot" / "hub").mkdir(parents=True)
    with (
        pytest.MonkeyPatch.context() as mp,
        digest_world(tmp / "snapshot", tmp / "t.db", mp, 0) as w,
    ):
        rail = (LICENSES / "creativeml-openrail-m.txt").read_text(encoding="utf-8")
        deepseek = (LICENSES / "deepseek-license.txt").read_text(encoding="utf-8").splitlines()
        bespoke = "\n".join(deepseek[: len(deepseek) * 2 // 5])
        texts = {
            "acme/rail-no-minors": _without(rail, "- For the purpose of exploiting, harming"),
            "acme/rail-loose": _without(
                rail, "- For the purpose of exploiting, harming", "- To defame, disparage"
            ),
            "acme/house-license": bespoke + "\nThis license is governed by the laws of Atlantis.\n",
            "acme/house-license-v2": bespoke
            + "\nDisputes are settled by the courts of Atlantis.\n",
            "acme/plain-mit": (LICENSES / "mit.txt").read_text(encoding="utf-8"),
            "acme/plain-rail": rail,
        }
        for repo_id, license_text in texts.items():
            w.add_model(repo_id, CARD.replace("license: mit", "license: other", 1))
            (w.repo(repo_id) / "LICENSE").write_text(license_text, encoding="utf-8")
        w.scrape_at(WEEK1_AT)
        yield w


def test_unknown_texts_cluster_by_family(world: World) -> None:
    tail = unknown_licenses(world.engine)
    assert tail.texts_read == 6
    groups = sorted(sorted(k for m in c.members for k in m.artifacts) for c in tail.clusters)
    assert groups == [
        ["acme/house-license", "acme/house-license-v2"],
        ["acme/rail-loose", "acme/rail-no-minors"],
    ]
    by_first = {sorted(k for m in c.members for k in m.artifacts)[0]: c for c in tail.clusters}
    rail, house = by_first["acme/rail-loose"], by_first["acme/house-license"]
    assert rail.nearest is not None and rail.nearest.license_id == "creativeml-openrail-m"
    assert any(
        d.startswith("use restrictions not as in creativeml-openrail-m") for d in rail.differences
    )
    assert all("modified creativeml-openrail-m" in tail.reasons[m.digest] for m in rail.members)
    assert house.nearest is not None and house.nearest.license_id == "deepseek"
    assert any("Atlantis" in d for d in house.differences)
    # Deepseek's terms cut before its use restrictions: a modified Deepseek license.
    assert all(tail.reasons[m.digest].startswith("modified deepseek: R1") for m in house.members)


def test_cli_lists_the_clusters_as_json(world: World) -> None:
    db = str(world.engine.url).removeprefix("sqlite:///")
    done = run_tracker("licenses", "unknown", "--db", db, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [c["artifacts"] for c in report["clusters"]] == [2, 2]
    nearest = {c["nearest"]["license"] for c in report["clusters"]}
    assert nearest == {"creativeml-openrail-m", "deepseek"}
