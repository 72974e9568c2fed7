"""The generated Hub: the corpus parquet's real models served virtually, through huggingface_hub."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import RepositoryNotFoundError
from sqlmodel import Session, select

from tests.conftest import DEMO_DIR, REPO_ROOT, SHARED_DIR
from tracker.db.engine import make_engine, upgrade_to_head
from tracker.db.models import Artifact, Snapshot
from tracker.replay import ReplayServer
from tracker.replay.generated import DEFAULT_PARQUET, GeneratedHub
from tracker.scrape import scrape_hub
from tracker.settings import Settings

PARQUET = SHARED_DIR / "corpus" / "meta" / "model_info.parquet"
CARDS = SHARED_DIR / "corpus" / "cards"
LICENSES = SHARED_DIR / "corpus" / "licenses"
N_MODELS = 2000
PAGE_SIZE = 100

if not PARQUET.is_file():
    pytest.skip(f"corpus metadata not found at {PARQUET}", allow_module_level=True)
pq = pytest.importorskip(
    "pyarrow.parquet", reason="the generated Hub needs pyarrow (pip install 'pyarrow>=15')"
)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    """The parquet's first N_MODELS rows, read independently of the server."""
    rows: list[dict[str, Any]] = pq.read_table(PARQUET).slice(0, N_MODELS).to_pylist()
    return rows


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    with ReplayServer.generated(N_MODELS, parquet=PARQUET, page_size=PAGE_SIZE) as server:
        yield server


def api(server: ReplayServer) -> HfApi:
    return HfApi(endpoint=server.url, token=False)


def first_row(rows: list[dict[str, Any]], **wanted: Any) -> dict[str, Any]:
    return next(row for row in rows if all(row[k] == v for k, v in wanted.items()))


def download(server: ReplayServer, repo_id: str, filename: str, cache: Path) -> bytes:
    local = hf_hub_download(repo_id, filename, endpoint=server.url, cache_dir=cache, token=False)
    return Path(local).read_bytes()


def test_default_parquet_is_the_shared_corpus() -> None:
    assert DEFAULT_PARQUET.resolve() == PARQUET.resolve()


def test_model_info_has_the_real_metadata(server: ReplayServer, rows: list[dict[str, Any]]) -> None:
    row = first_row(rows, has_modelcard=True, task_domain="nlp")
    info = api(server).model_info(row["modelId"])
    assert info.id == row["modelId"] and info.author == row["author"]
    assert info.downloads == int(row["downloads"])
    assert info.pipeline_tag == row["task_category"] and row["task_category"] in (info.tags or [])
    assert info.created_at == row["creation_time"]
    card = info.card_data.to_dict() if info.card_data is not None else {}
    license_tags = [t.removeprefix("license:") for t in info.tags or [] if t.startswith("license:")]
    assert license_tags == ([card["license"]] if isinstance(card.get("license"), str) else [])


def test_readme_is_a_corpus_card_and_license_a_corpus_text(
    server: ReplayServer, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    cards = {path.read_bytes() for path in CARDS.glob("*.md")}
    licenses = {path.read_bytes() for path in LICENSES.glob("*.txt")}
    with_license = 0
    for row in [r for r in rows if r["has_modelcard"]][:20]:
        info = api(server).model_info(row["modelId"])
        files = {s.rfilename for s in info.siblings or []}
        assert download(server, row["modelId"], "README.md", tmp_path) in cards
        if "LICENSE" in files:
            with_license += 1
            assert download(server, row["modelId"], "LICENSE", tmp_path) in licenses
    assert 0 < with_license < 20


def test_model_without_a_card_has_no_readme(
    server: ReplayServer, rows: list[dict[str, Any]]
) -> None:
    info = api(server).model_info(first_row(rows, has_modelcard=False)["modelId"])
    assert [s.rfilename for s in info.siblings or []] == [".gitattributes"]
    assert info.card_data is None


def test_legacy_id_without_owner_is_served(server: ReplayServer, tmp_path: Path) -> None:
    info = api(server).model_info("gpt2")
    assert info.id == "gpt2" and info.sha is not None
    assert download(server, "gpt2", ".gitattributes", tmp_path).startswith(b"*.7z filter=lfs")


def test_same_id_gives_the_same_sha_and_card(server: ReplayServer, tmp_path: Path) -> None:
    repo_id = "Jean-Baptiste/camembert-ner"
    first, second = api(server).model_info(repo_id), api(server).model_info(repo_id)
    assert first.sha == second.sha and first.card_data == second.card_data
    readme = download(server, repo_id, "README.md", tmp_path / "a")
    assert download(server, repo_id, "README.md", tmp_path / "b") == readme
    again = GeneratedHub(PARQUET, limit=10).repo(repo_id)
    assert again is not None and again.commit_sha() == first.sha
    other = api(server).model_info("bert-base-uncased")
    assert other.sha != first.sha


def test_unknown_model_is_repository_not_found(server: ReplayServer) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api(server).model_info("nobody/not-a-model")
    beyond = pq.read_table(PARQUET, columns=["modelId"]).column(0)[N_MODELS].as_py()
    with pytest.raises(RepositoryNotFoundError):
        api(server).model_info(beyond)


def test_list_models_pages_with_a_cursor(server: ReplayServer, rows: list[dict[str, Any]]) -> None:
    before = server.stats.requests
    listed = [m.id for m in api(server).list_models(limit=250)]
    assert listed == [row["modelId"] for row in rows[:250]]
    assert server.stats.requests - before == 3  # pages of 100, 100 and 50
    first = httpx.get(server.url + "/api/models", params={"limit": 100})
    assert 'rel="next"' in first.headers["link"] and "cursor=" in first.headers["link"]
    assert first.headers["link"].startswith(f"<{server.url}/api/models?limit=100&cursor=")


def test_list_models_filters_across_pages(server: ReplayServer, rows: list[dict[str, Any]]) -> None:
    hub_api = api(server)
    tagged = list(hub_api.list_models(filter="license:apache-2.0", limit=150))
    assert len(tagged) == 150 and len({m.id for m in tagged}) == 150
    assert all("license:apache-2.0" in (m.tags or []) for m in tagged)
    by_author = [m.id for m in hub_api.list_models(author="EleutherAI")]
    assert by_author == [row["modelId"] for row in rows if row["author"] == "EleutherAI"]
    assert by_author


def test_the_last_page_has_no_next_link(server: ReplayServer) -> None:
    listed = list(api(server).list_models(search="bert-base-uncased"))
    assert listed and all("bert-base-uncased" in m.id.lower() for m in listed)
    response = httpx.get(server.url + "/api/models", params={"search": "bert-base-uncased"})
    assert "link" not in response.headers


def test_snapshot_repos_are_served_beside_generated_ones() -> None:
    with ReplayServer.generated(50, DEMO_DIR, parquet=PARQUET, page_size=20) as server:
        hub_api = api(server)
        demo = hub_api.model_info("CompVis/stable-diffusion-v1-4")
        assert demo.card_data is not None
        assert demo.card_data.license == "creativeml-openrail-m"
        assert hub_api.model_info("bert-base-uncased").id == "bert-base-uncased"
        listed = [m.id for m in hub_api.list_models()]
    assert "CompVis/stable-diffusion-v1-4" in listed and "bert-base-uncased" in listed
    assert len(listed) == len(set(listed)) == 50 + sum(1 for _ in (DEMO_DIR / "hub").glob("*/*"))


def test_scrape_of_generated_models_stores_each(
    server: ReplayServer, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    upgrade_to_head(engine)
    settings = Settings(hf_endpoint=server.url, http_timeout=10.0)
    repo_ids = [row["modelId"] for row in rows[:50]]
    summary = scrape_hub(engine, settings, repo_ids, follow_bases=False, progress=False)
    assert (summary.fetched, summary.failed) == (50, 0)
    with Session(engine) as session:
        assert sorted(a.key for a in session.exec(select(Artifact)).all()) == sorted(repo_ids)
        assert len(session.exec(select(Snapshot)).all()) == 50
    engine.dispose()


def test_module_entry_point_generates() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "tracker.replay", "--generate", "10", "--parquet", str(PARQUET)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    ) as process:
        assert process.stdout is not None
        url = process.stdout.readline().split(" at ")[1].split()[0]
        listed = httpx.get(url + "/api/models").json()
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert len(listed) == 10
    assert process.returncode == 0
