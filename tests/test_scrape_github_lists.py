"""GitHub repos and ecosystem lists scraped through the replay server into a real database."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from tests.corpus import CORPUS, SHARED
from tests.scrape_world import events, scrape_world
from tracker.db.models import Artifact, ListEntry, Snapshot
from tracker.scrape import scrape_github, scrape_lists
from tracker.settings import Settings

LISTS = SHARED / "fixtures" / "sd-lists"
AWESOME = "awesome-stable-diffusion/awesome-stable-diffusion"


@pytest.fixture
def world(tmp_path: Path):  # type: ignore[no-untyped-def]
    snapshot = tmp_path / "snapshot"
    (snapshot / "hub").mkdir(parents=True)
    with scrape_world(snapshot, tmp_path / "tracker.db") as (engine, settings):
        yield engine, settings, snapshot


def test_github_repo_license_changes_from_none_to_agpl(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, snapshot = world
    repo = snapshot / "github" / "acme" / "diffusion-tools"
    repo.mkdir(parents=True)
    shutil.copy(CORPUS / "cards" / "addy88__gpt-j-8bit.md", repo / "README.md")
    first = scrape_github(
        engine, settings, ["https://github.com/acme/diffusion-tools"], progress=False
    )
    assert first.fetched == 1
    shutil.copy(CORPUS / "licenses" / "agpl-3.0.txt", repo / "LICENSE")
    second = scrape_github(engine, settings, ["acme/diffusion-tools"], progress=False)
    assert second.fetched == 1
    assert ("license-changed", {"from": None, "to": "agpl-3.0"}) in events(
        engine, "acme/diffusion-tools"
    )
    third = scrape_github(engine, settings, ["acme/diffusion-tools"], progress=False)
    assert (third.unchanged, third.events) == (1, 0)


def test_unchanged_github_repo_costs_one_conditional_request(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, snapshot = world
    repo = snapshot / "github" / "acme" / "tools"
    repo.mkdir(parents=True)
    shutil.copy(CORPUS / "cards" / "addy88__gpt-j-8bit.md", repo / "README.md")
    shutil.copy(CORPUS / "licenses" / "mit.txt", repo / "LICENSE")
    scrape_github(engine, settings, ["acme/tools"], progress=False)
    server = world_server(settings)
    before = server["requests"]
    again = scrape_github(engine, settings, ["acme/tools"], progress=False)
    assert (again.fetched, again.unchanged, again.events) == (0, 1, 0)
    assert world_server(settings)["requests"] - before == 2  # the 304, and this stats call
    with Session(engine) as s:
        snaps = s.exec(select(Snapshot).order_by(Snapshot.id)).all()
    assert [x.status for x in snaps] == ["ok", "unchanged"] and snaps[1].etag == snaps[0].etag


def world_server(settings: Settings) -> dict[str, int]:
    """The replay server's request counters (GET /_replay/stats)."""
    return dict(httpx.get(settings.hf_endpoint + "/_replay/stats").json())


def test_real_week_of_an_awesome_list_gives_entry_events(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, snapshot = world
    repo = snapshot / "github" / AWESOME
    repo.mkdir(parents=True)
    week1 = LISTS / "awesome-stable-diffusion__awesome-stable-diffusion__README__2022-10-17.md"
    week2 = LISTS / "awesome-stable-diffusion__awesome-stable-diffusion__README__2022-10-24.md"
    shutil.copy(week1, repo / "README.md")
    scrape_lists(engine, settings, [AWESOME], progress=False)
    shutil.copy(week2, repo / "README.md")
    scrape_lists(engine, settings, [AWESOME], progress=False)

    from tracker.sources.sd_lists import diff_entries, parse_list

    old = parse_list(week1.read_text(encoding="utf-8"), repo=AWESOME)
    new = parse_list(week2.read_text(encoding="utf-8"), repo=AWESOME)
    added, removed = diff_entries(old, new)
    got = events(engine, AWESOME)
    assert got[0][0] == "new-artifact"
    assert {d["link"] for k, d in got if k == "list-entry-added"} == {e.link for e in added}
    assert {d["link"] for k, d in got if k == "list-entry-removed"} == {e.link for e in removed}
    assert added or removed, "the real week changed the list"
    with Session(engine) as s:
        assert len(s.exec(select(ListEntry)).all()) == len(old) + len(new)
        tracked = {a.kind for a in s.exec(select(Artifact)).all()}
    assert "github-repo" in tracked  # linked repos become tracked artifacts


def test_missing_list_repo_is_a_recorded_failure(world) -> None:  # type: ignore[no-untyped-def]
    engine, settings, _ = world
    summary = scrape_lists(engine, settings, ["nobody/no-list"], progress=False)
    assert summary.failed == 1 and "nobody/no-list" in summary.failures[0][1]
