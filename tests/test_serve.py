"""`tracker serve` as a researcher uses it: Datasette in its own process over the two-week
world, opened in headless Chromium (Playwright with Debian's /usr/bin/chromium): a canned
query, a facet, a screenshot; and the database stays read-only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.digest_world import NEW_SD
from tests.processes import CHROMIUM, CHROMIUM_ARGS, free_port
from tracker.serve import CANNED_QUERIES, metadata
from tracker.views import VIEWS


@pytest.fixture(scope="module")
def served(sqlite_db: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_DB"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker.cli", "serve", "--db", str(sqlite_db), "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/-/versions.json", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"tracker serve did not answer: {process.communicate()[1][-2000:]}")
    yield url
    process.terminate()
    process.wait(timeout=20)
    assert process.stderr is not None
    process.stderr.close()


def test_metadata_describes_every_view_and_question() -> None:
    meta = metadata("tracker")["databases"]["tracker"]
    assert set(meta["tables"]) == {v.name for v in VIEWS}
    assert meta["tables"]["compliance"]["columns"]["status"] == "pass, fail or not applicable"
    assert set(meta["queries"]) == set(CANNED_QUERIES)


def test_views_and_canned_queries_over_http(served: str) -> None:
    tables = httpx.get(f"{served}/tracker.json").json()
    views = {v["name"] for v in tables["views"]}
    assert {v.name for v in VIEWS} <= views
    answer = httpx.get(f"{served}/tracker/rail_restrictions_dropped.json?_shape=objects").json()
    (row,) = answer["rows"]
    assert row["drop_restrictions"] == 1  # the SD 1.5 derivative relicensed to MIT
    since = httpx.get(
        f"{served}/tracker/license_changes_since.json",
        params={"since": "2026-11-16", "_shape": "objects"},
    ).json()
    assert [(r["license_from"], r["license_to"]) for r in since["rows"]] == [
        ("mit", "creativeml-openrail-m")
    ]


def test_writes_are_refused(served: str, sqlite_db: Path) -> None:
    before = sqlite_db.read_bytes()
    for sql in ("DELETE FROM artifact", "UPDATE artifact SET key = 'x'", "PRAGMA user_version = 9"):
        response = httpx.get(f"{served}/tracker.json", params={"sql": sql})
        assert response.status_code == 400, sql
        assert response.json()["ok"] is False
    assert sqlite_db.read_bytes() == before


def test_canned_query_and_facet_in_chromium(served: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shot = tmp_path / "datasette.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{served}/tracker/compliance_by_base_model")
        heading = page.locator("h1").inner_text()
        cells = page.locator("table.rows-and-columns td.col-base_model").all_inner_texts()
        page.goto(f"{served}/tracker/compliance")
        facet = page.locator(".facet-info[data-column='status'] a", has_text="fail").first
        facet.click()
        page.wait_for_load_state("networkidle")
        filtered_url = page.url
        statuses = page.locator("table.rows-and-columns td.col-status").all_inner_texts()
        keys = page.locator("table.rows-and-columns td.col-key").all_inner_texts()
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert heading == CANNED_QUERIES["compliance_by_base_model"]["title"]
    assert "Stable Diffusion 1.x" in cells
    assert "status=fail" in filtered_url
    assert statuses and set(statuses) == {"fail"}
    assert NEW_SD in keys
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 30_000


def test_serve_refuses_a_postgresql_database() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tracker.cli", "serve", "--db", "postgresql://u@127.0.0.1:1/db"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert "tracker serve needs a SQLite database file (Datasette reads SQLite only)" in done.stderr
