"""Scraping what the Hub's full listing streams (`tracker.sources.hf.list_models`): the revision,
files and card data come with the listing, so no model-info request is made per model, the
stored result is the same as scraping the same models by id, an unchanged model costs no request
at all, and a listing that fails half-way keeps what it listed and is recorded as a failure."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub.hf_api import ModelInfo

from tests.conftest import SHARED_DIR
from tests.scrape_world import stored_audits
from tracker.db.engine import make_engine, upgrade_to_head
from tracker.replay import ReplayServer
from tracker.scrape import Summary, scrape_hub
from tracker.settings import Settings
from tracker.sources.hf import list_models

PARQUET = SHARED_DIR / "corpus" / "meta" / "model_info.parquet"
MODELS = 45
PAGE = 20  # three pages: the read-ahead and the cursor are exercised

if not PARQUET.is_file():
    pytest.skip(f"corpus metadata not found at {PARQUET}", allow_module_level=True)
pytest.importorskip("pyarrow.parquet", reason="the generated Hub needs pyarrow")


@pytest.fixture
def hub() -> Iterator[ReplayServer]:
    with ReplayServer.generated(MODELS, parquet=PARQUET, page_size=PAGE) as server:
        yield server


def settings_for(server: ReplayServer) -> Settings:
    return Settings(hf_endpoint=server.url, http_timeout=10.0)


def scrape(
    server: ReplayServer, db: Path, targets: Iterable[str | ModelInfo]
) -> tuple[Summary, dict[str, Any]]:
    """Scrape `targets` into SQLite file `db`; the summary and what each artifact stored."""
    engine = make_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    try:
        summary = scrape_hub(
            engine, settings_for(server), targets, follow_bases=False, progress=False
        )
        return summary, stored_audits(engine)
    finally:
        engine.dispose()


def test_listed_models_need_no_model_info_and_store_what_a_scrape_by_id_stores(
    hub: ReplayServer, tmp_path: Path
) -> None:
    assert hub.generated_hub is not None
    settings = settings_for(hub)
    listed, by_listing = scrape(hub, tmp_path / "listed.db", list_models(settings))
    assert hub.generated_hub.info_requests == 0
    assert (listed.fetched, listed.failed) == (MODELS, 0)

    ids = [info.id for info in list_models(settings)]
    _, by_id = scrape(hub, tmp_path / "ids.db", ids)
    assert hub.generated_hub.info_requests == MODELS
    assert len(by_listing) == MODELS and any(findings for _, findings in by_listing.values())
    assert by_listing == by_id


def test_an_unchanged_listed_model_costs_no_request(hub: ReplayServer, tmp_path: Path) -> None:
    settings = settings_for(hub)
    db = tmp_path / "t.db"
    scrape(hub, db, list_models(settings))
    info = hub.faults.add("5xx", r"^/api/models/.", count=1000)  # any model info
    files = hub.faults.add("5xx", r"/resolve/", count=1000)  # any file
    again, _ = scrape(hub, db, list_models(settings))
    assert (again.unchanged, again.fetched, again.failed) == (MODELS, 0, 0)
    assert info.fired == files.fired == 0


def test_a_listing_failing_half_way_keeps_what_it_listed(hub: ReplayServer, tmp_path: Path) -> None:
    settings = settings_for(hub)
    db = tmp_path / "t.db"
    # A 501: huggingface_hub retries 500 and 502-504 itself, with pauses a test need not wait.
    hub.faults.add("5xx", r"^/api/models/?$", query="cursor=", count=1, status=501)
    first, stored = scrape(hub, db, list_models(settings))
    assert (first.fetched, first.failed) == (PAGE, 1)
    [(key, reason)] = first.failures
    assert key == "listing" and "501" in reason
    assert len(stored) == PAGE

    second, stored = scrape(hub, db, list_models(settings))  # the fault has fired: all listed
    assert (second.unchanged, second.fetched, second.failed) == (PAGE, MODELS - PAGE, 0)


def test_reading_ahead_raises_where_the_item_would_be_and_stops_with_its_reader() -> None:
    from tracker.errors import FetchError
    from tracker.scrape import _read_ahead

    def failing() -> Iterator[int]:
        yield 1
        raise FetchError("http://hub/api/models", "HTTP 501")

    got = []
    with pytest.raises(FetchError, match="HTTP 501"):
        for item in _read_ahead(failing(), 4):
            got.append(item)
    assert got == [1]

    produced: list[int] = []

    def endless() -> Iterator[int]:
        for i in range(1, 100_000):
            produced.append(i)
            yield i

    ahead = _read_ahead(endless(), 5)
    assert next(ahead) == 1
    ahead.close()  # the consumer is gone: the thread stops reading
    time.sleep(0.5)
    stopped_at = len(produced)
    time.sleep(0.5)
    assert len(produced) == stopped_at <= 7  # the queue's 5, the one taken, one in hand
