"""The weekly digest over two weeks of real history (tests/digest_world.py): its items and
numbers against the database, the editor's curation across re-drafts, and a quiet week."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tests.conftest import DEMO_DIR
from tests.digest_world import (
    AWESOME,
    LIST_WEEK1,
    LIST_WEEK2,
    LLAMA_TUNE,
    NEW_SD,
    POKEMON,
    World,
    digest_world,
)
from tracker.db.models import Artifact, Event, Finding, Snapshot
from tracker.digest.content import SECTIONS, DigestContent
from tracker.digest.week import IsoWeek
from tracker.digest.workflow import draft, render_week
from tracker.sources.sd_lists import diff_entries, parse_list

W47 = IsoWeek.parse("2026-W47")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("digest")
    shutil.copytree(DEMO_DIR, tmp / "snapshot")
    with pytest.MonkeyPatch.context() as mp, digest_world(tmp / "snapshot", tmp / "t.db", mp) as w:
        yield w


@pytest.fixture(scope="module")
def drafted(world: World, tmp_path_factory: pytest.TempPathFactory) -> tuple[DigestContent, Path]:
    out = tmp_path_factory.mktemp("digests")
    content, _ = draft(world.engine, W47, out, NOW)
    return content, out


def _figure(content: DigestContent, key: str) -> float | None:
    return next(f.value for f in content.figures if f.key == key)


def _events_in(engine: Engine, week: IsoWeek, kind: str) -> list[tuple[str, dict[str, object]]]:
    with Session(engine) as s:
        query = (
            select(Event, Artifact.key)
            .join(Artifact, col(Artifact.id) == col(Event.artifact_id))
            .where(Event.kind == kind)
            .where(col(Event.created_at) >= week.start, col(Event.created_at) < week.end)
        )
        return [(key, json.loads(e.detail_json)) for e, key in s.exec(query).all()]


def test_headline_numbers_match_the_database(world: World, drafted) -> None:  # type: ignore[no-untyped-def]
    content, _ = drafted
    with Session(world.engine) as s:
        artifacts = s.exec(select(Artifact)).all()
    assert _figure(content, "tracked") == len(artifacts)
    assert _figure(content, "new") == len(_events_in(world.engine, W47, "new-artifact")) == 1
    assert _figure(content, "license-changes") == 1
    # The new SD derivative declaring MIT: RAIL001 (no use restrictions) and RAIL002 (no copy).
    assert _figure(content, "new-problems") == 2
    # The relicensed Pokemon model: RAIL001, RAIL002 and RAIL003 resolved.
    assert _figure(content, "resolved-problems") == 3
    previous = {f.key: f.previous for f in content.figures}
    assert previous["new"] == len(_events_in(world.engine, W47.previous(), "new-artifact"))
    assert previous["license-changes"] == 0


def test_rail_compliance_share_is_counted_from_lineage_and_findings(world: World, drafted) -> None:  # type: ignore[no-untyped-def]
    content, _ = drafted
    figure = next(f for f in content.figures if f.key == "rail-compliance")
    with Session(world.engine) as s:
        latest: dict[int, Snapshot] = {}
        for snap in s.exec(select(Snapshot).where(Snapshot.status == "ok")).all():
            if snap.id and (
                snap.artifact_id not in latest or snap.id > (latest[snap.artifact_id].id or 0)
            ):
                latest[snap.artifact_id] = snap
        rail, complying = 0, 0
        for snap in latest.values():
            rows = s.exec(select(Finding).where(Finding.snapshot_id == snap.id)).all()
            from tracker.db.models import LineageEdge

            edges = s.exec(select(LineageEdge).where(LineageEdge.snapshot_id == snap.id)).all()
            if any(e.license_family == "rail" for e in edges):
                rail += 1
                complying += not any(
                    f.rule.startswith("RAIL") and f.severity == "error" for f in rows
                )
    assert rail >= 3
    assert figure.note == f"of {rail} RAIL derivatives"
    assert figure.value == pytest.approx(complying / rail)
    assert figure.previous is not None and figure.value > figure.previous  # Pokemon now complies


def test_items_of_each_section(drafted) -> None:  # type: ignore[no-untyped-def]
    content, _ = drafted
    by_section = {k: content.section(k) for k in SECTIONS}
    notable = [i.title for i in by_section["notable"]]
    assert set(notable) == {POKEMON, NEW_SD, LLAMA_TUNE}
    assert notable[0] == POKEMON  # +85,000 downloads outranks a new model with 7,000
    assert "+85,000 downloads this week" in by_section["notable"][0].summary

    (change,) = by_section["license-changes"]
    assert (change.title, change.summary) == (POKEMON, "mit → creativeml-openrail-m")
    assert change.evidence[0].url and change.evidence[0].url.startswith(
        f"https://huggingface.co/{POKEMON}/blob/"
    )

    problems = {(i.title, i.group) for i in by_section["new-problems"]}
    assert problems == {(NEW_SD, "RAIL001"), (NEW_SD, "RAIL002")}
    rail001 = next(i for i in by_section["new-problems"] if i.group == "RAIL001")
    assert rail001.evidence[0].url and rail001.evidence[0].url.endswith("README.md#L2")  # license:
    resolved = {(i.title, i.group) for i in by_section["resolved"]}
    assert resolved == {(POKEMON, "RAIL001"), (POKEMON, "RAIL002"), (POKEMON, "RAIL003")}

    assert [i.title for i in by_section["bias-added"]] == [LLAMA_TUNE]
    missing = [i.title for i in by_section["bias-missing"]]
    assert missing[0] == POKEMON and LLAMA_TUNE not in missing

    old = parse_list(LIST_WEEK1.read_text(encoding="utf-8"), repo=AWESOME)
    new = parse_list(LIST_WEEK2.read_text(encoding="utf-8"), repo=AWESOME)
    added, removed = diff_entries(old, new)
    eco = by_section["ecosystem"]
    assert {i.url for i in eco if i.group == "added"} == {e.link for e in added}
    assert {i.url for i in eco if i.group == "removed"} == {e.link for e in removed}

    assert content.license_mix == [("mit", 1)]  # the week's one new derivative
    assert [p.week for p in content.rates][-2:] == ["2026-W46", "2026-W47"]


def test_outputs_are_written_and_show_the_items(drafted) -> None:  # type: ignore[no-untyped-def]
    content, out = drafted
    folder = out / "2026-W47"
    markdown = (folder / "digest.md").read_text(encoding="utf-8")
    html = (folder / "digest.html").read_text(encoding="utf-8")
    for item in content.items:
        assert item.title.replace("[", "\\[") in markdown
    assert f"[{POKEMON}](https://huggingface.co/{POKEMON})" in markdown
    assert "### RAIL001:" in markdown and "| New compliance problems | 2 | " in markdown
    assert f'<a href="https://huggingface.co/{POKEMON}">{POKEMON}</a>' in html
    assert (folder / "charts" / "license-mix.svg").is_file()
    assert (folder / "charts" / "rates.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_quiet_week_still_renders_every_section(world: World, tmp_path: Path) -> None:
    content, files = draft(world.engine, IsoWeek.parse("2026-W44"), tmp_path, NOW)
    assert content.items == [] or all(i.section == "bias-missing" for i in content.items)
    markdown = files.output("digest.md").read_text(encoding="utf-8")
    for key, (title, empty) in SECTIONS.items():
        assert f"## {title}" in markdown
        if key != "bias-missing":
            assert f"_{empty}_" in markdown
    assert "_No chart this week: nothing new to plot._" in markdown
    assert "| New this week | 0 |" in markdown


def test_curation_survives_a_redraft_and_applies(world: World, tmp_path: Path) -> None:
    draft(world.engine, W47, tmp_path, NOW)
    path = tmp_path / "2026-W47" / "curation.yaml"
    notes = yaml.safe_load(path.read_text(encoding="utf-8"))
    notable = notes["sections"]["notable"]
    assert [n["id"] for n in notable][0] == f"notable:{POKEMON}"
    notes["intro"] = "A week of **relicensing**."
    notable.reverse()  # the editor reorders
    for n in notable:
        if n["id"] == f"notable:{NEW_SD}":
            n.update(pin=True, blurb="Watch this one: MIT on a RAIL base.")
        if n["id"] == f"notable:{LLAMA_TUNE}":
            n["drop"] = True
    del notes["sections"]["ecosystem"][0]  # an item the file no longer lists still shows
    path.write_text(yaml.safe_dump(notes, sort_keys=False), encoding="utf-8")

    draft(world.engine, W47, tmp_path, NOW)  # re-draft: notes, order and flags are kept
    again = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert again["intro"] == "A week of **relicensing**."
    assert [n["id"] for n in again["sections"]["notable"]] == [n["id"] for n in notable]
    picked = next(n for n in again["sections"]["notable"] if n["id"] == f"notable:{NEW_SD}")
    assert picked["pin"] and picked["blurb"] == "Watch this one: MIT on a RAIL base."
    assert len(again["sections"]["ecosystem"]) == len(notes["sections"]["ecosystem"]) + 1

    render_week(tmp_path, W47)
    markdown = (tmp_path / "2026-W47" / "digest.md").read_text(encoding="utf-8")
    notable_md = markdown.split("## New and notable")[1].split("## ")[0]
    assert LLAMA_TUNE not in notable_md  # dropped
    assert notable_md.index(NEW_SD) < notable_md.index(POKEMON)  # reordered
    assert "## Editor's picks" in markdown
    picks = markdown.split("## Editor's picks")[1].split("## ")[0]
    assert NEW_SD in picks and "Watch this one: MIT on a RAIL base." in picks
    assert markdown.index("A week of **relicensing**.") < markdown.index("## This week in numbers")
    html = (tmp_path / "2026-W47" / "digest.html").read_text(encoding="utf-8")
    assert "<strong>relicensing</strong>" in html


def test_new_items_join_a_curated_week_on_redraft(tmp_path: Path) -> None:
    shutil.copytree(DEMO_DIR, tmp_path / "snapshot")
    with (
        pytest.MonkeyPatch.context() as mp,
        digest_world(tmp_path / "snapshot", tmp_path / "t.db", mp, weeks=1) as w,
    ):
        week = IsoWeek.parse("2026-W46")
        draft(w.engine, week, tmp_path / "out", NOW)
        path = tmp_path / "out" / "2026-W46" / "curation.yaml"
        notes = yaml.safe_load(path.read_text(encoding="utf-8"))
        first = notes["sections"]["notable"][0]
        first["blurb"] = "kept"
        path.write_text(yaml.safe_dump(notes, sort_keys=False), encoding="utf-8")
        w.add_model("acme/late-arrival", (DEMO_DIR / "hub" / POKEMON / "README.md").read_text(), 10)
        w.scrape_at("2026-11-13T12:00:00+00:00")  # later in the same week
        draft(w.engine, week, tmp_path / "out", NOW)
    again = yaml.safe_load(path.read_text(encoding="utf-8"))["sections"]["notable"]
    assert again[0]["id"] == first["id"] and again[0]["blurb"] == "kept"
    assert "notable:acme/late-arrival" in [n["id"] for n in again[1:]]


def test_long_sections_are_capped_and_say_how_many_more(world: World) -> None:
    from tracker.digest import curation
    from tracker.digest.build import build_digest
    from tracker.digest.render import render

    with Session(world.engine) as s:
        full = build_digest(s, W47, NOW)
        capped = build_digest(s, W47, NOW, caps={"ecosystem": 2, "resolved": 1})
    added = [i for i in full.section("ecosystem") if i.group == "added"]
    assert len(added) > 2
    kept = [i for i in capped.section("ecosystem") if i.group == "added"]
    assert len(kept) == 2 and capped.more_of("ecosystem", "added") == len(added) - 2
    assert [len([i for i in capped.section("resolved") if i.group == g]) for g in ("RAIL001",)] == [
        1
    ]
    assert capped.more == {
        k: v for k, v in capped.more.items() if k.startswith(("ecosystem:", "resolved:"))
    }
    rendered = render(capped, curation.apply(curation.merge(None, capped), capped), [])
    assert f"…and {len(added) - 2} more added." in rendered.markdown
    assert f"…and {len(added) - 2} more added." in rendered.html


def test_the_same_week_on_postgresql(drafted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The two-week world scraped into PostgreSQL drafts the same digest as on SQLite."""
    from tests.databases import empty_database

    url = empty_database("postgresql", tmp_path)
    sqlite_content, _ = drafted
    shutil.copytree(DEMO_DIR, tmp_path / "snapshot")
    with pytest.MonkeyPatch.context() as mp, digest_world(tmp_path / "snapshot", url, mp) as w:
        content, _ = draft(w.engine, W47, tmp_path / "out", NOW)
    assert content.figures == sqlite_content.figures
    # Item ids may hold snapshot ids, which each database numbers its own way.
    assert [(i.section, i.title, i.summary) for i in content.items] == [
        (i.section, i.title, i.summary) for i in sqlite_content.items
    ]
    assert content.rates == sqlite_content.rates
