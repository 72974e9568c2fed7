"""The replay server answers the real clients (huggingface_hub, httpx) like the Hub and GitHub."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import (
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from tests.conftest import DEMO_DIR, REPO_ROOT, SHARED_DIR
from tracker.replay import ReplayServer, Request, Response
from tracker.replay.snapshot import blob_sha

HUB_FILES = sorted(
    path.relative_to(DEMO_DIR / "hub").as_posix()
    for path in (DEMO_DIR / "hub").rglob("*")
    if path.is_file() and not path.name.startswith(".")
)


def hub_api(server: ReplayServer) -> HfApi:
    return HfApi(endpoint=server.url, token=False)


def split_hub_path(rel: str) -> tuple[str, str]:
    owner, name, filename = rel.split("/", 2)
    return f"{owner}/{name}", filename


# --- Hub: model info ---------------------------------------------------------------------------


def test_model_info_returns_card_data_and_overrides(replay_server: ReplayServer) -> None:
    info = hub_api(replay_server).model_info("CompVis/stable-diffusion-v1-4")
    assert info.id == "CompVis/stable-diffusion-v1-4"
    assert info.card_data is not None and info.card_data.license == "creativeml-openrail-m"
    assert [s.rfilename for s in info.siblings or []] == ["LICENSE", "README.md"]
    assert info.sha is not None and len(info.sha) == 40
    assert (info.downloads, info.likes, info.pipeline_tag) == (1155072, 6729, "text-to-image")


def test_model_info_derives_hub_tags_from_the_card(replay_server: ReplayServer) -> None:
    info = hub_api(replay_server).model_info("nerijs/pixel-art-xl")
    assert info.card_data is not None
    assert info.card_data.base_model == "stabilityai/stable-diffusion-xl-base-1.0"
    assert "license:creativeml-openrail-m" in (info.tags or [])
    assert "base_model:stabilityai/stable-diffusion-xl-base-1.0" in (info.tags or [])


def test_front_matter_after_a_blank_line_is_read_like_huggingface_hub(
    replay_server: ReplayServer,
) -> None:
    readme = (DEMO_DIR / "hub/sayakpaul/sd-model-finetuned-lora-t4/README.md").read_bytes()
    assert readme.startswith(b"\n---")
    info = hub_api(replay_server).model_info("sayakpaul/sd-model-finetuned-lora-t4")
    assert (
        info.card_data is not None and info.card_data.base_model == "CompVis/stable-diffusion-v1-4"
    )


def test_repo_without_front_matter_has_no_card_data(snapshot_copy: Path) -> None:
    repo = snapshot_copy / "hub" / "someone" / "plain"
    repo.mkdir(parents=True)
    (repo / "README.md").write_text("# Plain\n\nNo metadata here.\n")
    with ReplayServer(snapshot_copy) as server:
        body = httpx.get(f"{server.url}/api/models/someone/plain").json()
        info = hub_api(server).model_info("someone/plain")
    assert "cardData" not in body
    assert info.card_data is None


def test_sha_is_stable_and_follows_content(snapshot_copy: Path) -> None:
    with ReplayServer(snapshot_copy) as server:
        first = hub_api(server).model_info("abdd68/output").sha
        again = hub_api(server).model_info("abdd68/output").sha
        (snapshot_copy / "hub/abdd68/output/LICENSE").write_text("changed\n")
        changed = hub_api(server).model_info("abdd68/output").sha
    assert first == again != changed


def test_model_info_at_revision(replay_server: ReplayServer) -> None:
    api = hub_api(replay_server)
    sha = api.model_info("google/gemma-7b").sha
    assert sha is not None
    assert api.model_info("google/gemma-7b", revision=sha).sha == sha
    assert api.model_info("google/gemma-7b", revision="main").sha == sha
    with pytest.raises(RevisionNotFoundError):
        api.model_info("google/gemma-7b", revision="refs/pr/1")


def test_expand_returns_only_the_requested_fields(replay_server: ReplayServer) -> None:
    url = f"{replay_server.url}/api/models/google/gemma-7b"
    body = httpx.get(url, params=[("expand", "cardData"), ("expand", "sha")]).json()
    assert sorted(body) == ["_id", "cardData", "id", "sha"]


def test_files_metadata_gives_sizes_and_blob_ids(replay_server: ReplayServer) -> None:
    info = hub_api(replay_server).model_info("google/gemma-7b", files_metadata=True)
    license_bytes = (DEMO_DIR / "hub/google/gemma-7b/LICENSE").read_bytes()
    sibling = {s.rfilename: s for s in info.siblings or []}["LICENSE"]
    assert (sibling.size, sibling.blob_id) == (len(license_bytes), blob_sha(license_bytes))


def test_missing_repo_is_repository_not_found(replay_server: ReplayServer) -> None:
    with pytest.raises(RepositoryNotFoundError) as caught:
        hub_api(replay_server).model_info("nobody/nothing")
    assert caught.value.server_message == "Repository not found"
    response = httpx.get(f"{replay_server.url}/api/models/nobody/nothing")
    assert response.status_code == 404
    assert response.json() == {"error": "Repository not found"}
    assert response.headers["X-Error-Code"] == "RepoNotFound"


# --- Hub: files --------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", HUB_FILES)
def test_hf_hub_download_is_byte_exact(
    replay_server: ReplayServer, cache_dir: Path, rel: str
) -> None:
    repo_id, filename = split_hub_path(rel)
    local = hf_hub_download(
        repo_id, filename, endpoint=replay_server.url, cache_dir=cache_dir, token=False
    )
    assert Path(local).read_bytes() == (DEMO_DIR / "hub" / rel).read_bytes()


def test_download_pinned_to_the_commit(replay_server: ReplayServer, cache_dir: Path) -> None:
    sha = hub_api(replay_server).model_info("abdd68/output").sha
    assert sha is not None
    local = hf_hub_download(
        "abdd68/output", "LICENSE", revision=sha, endpoint=replay_server.url, cache_dir=cache_dir
    )
    assert Path(local).parent.name == sha


def test_resolve_head_has_the_headers_hf_hub_download_needs(replay_server: ReplayServer) -> None:
    data = (DEMO_DIR / "hub/abdd68/output/README.md").read_bytes()
    url = f"{replay_server.url}/abdd68/output/resolve/main/README.md"
    response = httpx.head(url, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{blob_sha(data)}"'
    assert int(response.headers["Content-Length"]) == len(data)
    assert len(response.headers["X-Repo-Commit"]) == 40
    assert not any(name.lower().startswith("x-xet") for name in response.headers)
    assert response.content == b""


def test_resolve_answers_byte_ranges(replay_server: ReplayServer) -> None:
    data = (DEMO_DIR / "hub/abdd68/output/LICENSE").read_bytes()
    url = f"{replay_server.url}/abdd68/output/resolve/main/LICENSE"
    response = httpx.get(url, headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.content == data[10:20]
    assert response.headers["Content-Range"] == f"bytes 10-19/{len(data)}"


def test_missing_file_is_entry_not_found(replay_server: ReplayServer, cache_dir: Path) -> None:
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download(
            "abdd68/output", "nope.txt", endpoint=replay_server.url, cache_dir=cache_dir
        )


def test_download_from_missing_repo_is_repository_not_found(
    replay_server: ReplayServer, cache_dir: Path
) -> None:
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(
            "nobody/nothing", "README.md", endpoint=replay_server.url, cache_dir=cache_dir
        )


def test_control_files_are_not_served(replay_server: ReplayServer) -> None:
    url = f"{replay_server.url}/CompVis/stable-diffusion-v1-4/resolve/main/.model_info.json"
    response = httpx.get(url)
    assert response.status_code == 404
    assert response.headers["X-Error-Code"] == "EntryNotFound"


# --- GitHub ------------------------------------------------------------------------------------


@pytest.fixture
def github(replay_server: ReplayServer) -> Iterator[httpx.Client]:
    headers = {"Accept": "application/vnd.github+json"}
    with httpx.Client(base_url=replay_server.github_api_url, headers=headers) as client:
        yield client


def test_github_repository_object(github: httpx.Client) -> None:
    body = github.get("/repos/meta-llama/llama").json()
    assert body["full_name"] == "meta-llama/llama"
    assert body["default_branch"] == "main"
    assert body["license"]["key"] == "other"
    assert body["license"]["spdx_id"] == "NOASSERTION"
    assert body["url"] == f"{github.base_url}repos/meta-llama/llama"


def test_github_root_listing_and_file_contents(github: httpx.Client) -> None:
    listing = github.get("/repos/meta-llama/llama/contents").json()
    assert [(e["name"], e["type"]) for e in listing] == [
        ("LICENSE", "file"),
        ("MODEL_CARD.md", "file"),
        ("USE_POLICY.md", "file"),
    ]
    content = github.get("/repos/meta-llama/llama/contents/USE_POLICY.md").json()
    assert content["encoding"] == "base64"
    assert all(len(line) <= 60 for line in content["content"].splitlines())
    expected = (DEMO_DIR / "github/meta-llama/llama/USE_POLICY.md").read_bytes()
    assert base64.b64decode(content["content"]) == expected
    assert httpx.get(content["download_url"]).content == expected


def test_github_license_endpoint(github: httpx.Client) -> None:
    body = github.get("/repos/CompVis/stable-diffusion/license").json()
    expected = (DEMO_DIR / "github/CompVis/stable-diffusion/LICENSE").read_bytes()
    assert body["path"] == "LICENSE"
    assert base64.b64decode(body["content"]) == expected
    assert body["license"]["key"] == "other"


def test_github_license_override_and_missing_license(snapshot_copy: Path) -> None:
    repo = snapshot_copy / "github" / "meta-llama" / "llama"
    override = {"key": "llama2", "name": "Llama 2 Community License", "spdx_id": "NOASSERTION"}
    (repo / ".github_license.json").write_text(json.dumps(override))
    bare = snapshot_copy / "github" / "someone" / "bare"
    bare.mkdir(parents=True)
    (bare / "README.md").write_text("# bare\n")
    with ReplayServer(snapshot_copy) as server, httpx.Client(base_url=server.github_api_url) as gh:
        assert gh.get("/repos/meta-llama/llama").json()["license"]["key"] == "llama2"
        assert gh.get("/repos/meta-llama/llama/license").json()["license"]["key"] == "llama2"
        assert gh.get("/repos/someone/bare").json()["license"] is None
        assert gh.get("/repos/someone/bare/license").status_code == 404
        names = [e["name"] for e in gh.get("/repos/meta-llama/llama/contents").json()]
    assert ".github_license.json" not in names


def test_github_readme_json_and_raw(snapshot_copy: Path) -> None:
    repo = snapshot_copy / "github" / "someone" / "docs"
    (repo / "docs").mkdir(parents=True)
    (repo / "README.md").write_text("# Docs\n")
    (repo / "docs" / "guide.md").write_text("guide\n")
    with ReplayServer(snapshot_copy) as server, httpx.Client(base_url=server.github_api_url) as gh:
        readme = gh.get("/repos/someone/docs/readme").json()
        raw = gh.get("/repos/someone/docs/readme", headers={"Accept": "application/vnd.github.raw"})
        listing = gh.get("/repos/someone/docs/contents").json()
        subdir = gh.get("/repos/someone/docs/contents/docs").json()
    assert base64.b64decode(readme["content"]) == b"# Docs\n"
    assert raw.content == b"# Docs\n"
    assert [(e["path"], e["type"]) for e in listing] == [("README.md", "file"), ("docs", "dir")]
    assert [e["path"] for e in subdir] == ["docs/guide.md"]


def test_github_not_found_bodies(github: httpx.Client) -> None:
    missing_repo = github.get("/repos/nobody/nothing")
    assert missing_repo.status_code == 404
    assert missing_repo.json()["message"] == "Not Found"
    assert github.get("/repos/meta-llama/llama/readme").status_code == 404
    assert github.get("/repos/meta-llama/llama/contents/nope.md").status_code == 404
    bad_ref = github.get("/repos/meta-llama/llama/contents/LICENSE", params={"ref": "nope"})
    assert bad_ref.status_code == 404


# --- Recorded fixtures -------------------------------------------------------------------------


def test_fixture_model_info_through_hfapi(fixtures_server: ReplayServer) -> None:
    info = HfApi(endpoint=fixtures_server.url, token=False).model_info(
        "CompVis/stable-diffusion-v1-4"
    )
    assert info.sha == "133a221b8aa7292a167afc5127cb63fb5005638b"


def test_fixture_relative_307_is_followed(fixtures_server: ReplayServer) -> None:
    info = HfApi(endpoint=fixtures_server.url, token=False).model_info("bert-base-uncased")
    assert info.id == "google-bert/bert-base-uncased"


def test_fixture_latest_recording_wins(fixtures_server: ReplayServer) -> None:
    info = HfApi(endpoint=fixtures_server.url, token=False).model_info(
        "HuggingFaceH4/zephyr-7b-beta"
    )
    assert any(tag.startswith("base_model:finetune:") for tag in info.tags or [])


def test_fixture_gzip_recording_is_sent_plain_with_correct_length(
    fixtures_server: ReplayServer,
) -> None:
    url = f"{fixtures_server.github_api_url}/repos/PyGithub/PyGithub/commits"
    response = httpx.get(url, params={"sha": "release-v2-0", "per_page": "2"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert "transfer-encoding" not in response.headers
    assert int(response.headers["content-length"]) == len(response.content)
    assert len(response.json()) == 2
    assert response.links["next"]["url"].startswith(fixtures_server.github_api_url + "/")


def test_fixture_pagination_walk_follows_rewritten_links(fixtures_server: ReplayServer) -> None:
    first = "/repos/octokit-fixture-org/tmp-scenario-paginate-issues-20220719043836917-izyoe/issues"
    url: str | None = fixtures_server.github_api_url + first + "?per_page=3"
    issues = []
    with httpx.Client() as client:
        while url is not None:
            response = client.get(url)
            assert response.status_code == 200
            assert int(response.headers["content-length"]) == len(response.content)
            issues.extend(response.json())
            links = response.headers["link"]
            assert "api.github.com" not in links
            url = response.links.get("next", {}).get("url")
    assert len(issues) == 13


def test_fixture_absolute_location_is_rewritten(fixtures_server: ReplayServer) -> None:
    path = "/repos/octokit-fixture-org/tmp-scenario-rename-repository-20220719044033126-ukeod"
    response = httpx.get(fixtures_server.github_api_url + path)
    assert response.status_code == 301
    assert (
        response.headers["location"] == fixtures_server.github_api_url + "/repositories/515436299"
    )


def test_fixture_recorded_404_and_miss(fixtures_server: ReplayServer) -> None:
    recorded = httpx.get(fixtures_server.github_api_url + "/repos/jacquev6/Xxx")
    assert (recorded.status_code, recorded.json()) == (404, {"message": "Not Found"})
    assert recorded.headers["date"] == "Sat, 02 Jun 2012 12:11:47 GMT"
    miss = httpx.get(fixtures_server.url + "/api/models/never/recorded")
    assert miss.status_code == 404
    assert miss.headers["X-Replay-Miss"] == "1"


# --- The server itself -------------------------------------------------------------------------


def test_url_needs_a_started_server() -> None:
    server = ReplayServer(DEMO_DIR)
    with pytest.raises(RuntimeError):
        _ = server.url


def test_stop_closes_idle_keep_alive_connections() -> None:
    server = ReplayServer(DEMO_DIR).start()
    thread_name = f"replay-server {server.url}"
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/api/models/abdd68/output").status_code == 200
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 5
    assert not any(t.name == thread_name for t in threading.enumerate())


def test_a_failing_handler_answers_500() -> None:
    def broken(request: Request) -> Response:
        raise ValueError("boom")

    with ReplayServer(app=broken) as server:
        response = httpx.get(server.url + "/anything")
    assert response.status_code == 500
    assert "boom" in response.json()["error"]


def test_module_entry_point_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "tracker.replay", str(DEMO_DIR)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    ) as process:
        assert process.stdout is not None
        url = process.stdout.readline().split(" at ")[1].split()[0]
        status = httpx.get(url + "/api/models/google/gemma-7b").status_code
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert status == 200
    assert process.returncode == 0


# --- The bundled demo snapshot -----------------------------------------------------------------


def read_demo_manifest() -> list[dict[str, str]]:
    lines = (DEMO_DIR / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    assert header == ["path", "source_file", "source", "sha256"]
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def test_demo_manifest_lists_every_file_with_its_hash() -> None:
    rows = read_demo_manifest()
    on_disk = sorted(
        p.relative_to(DEMO_DIR).as_posix()
        for p in DEMO_DIR.rglob("*")
        if p.is_file() and p.name != "MANIFEST.tsv"
    )
    assert sorted(row["path"] for row in rows) == on_disk
    for row in rows:
        data = (DEMO_DIR / row["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"], row["path"]
        assert row["source"], row["path"]


def test_demo_files_are_byte_exact_corpus_copies() -> None:
    corpus = SHARED_DIR / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"corpus not found at {corpus}")
    copied = [
        row
        for row in read_demo_manifest()
        if row["source_file"].startswith(("cards/", "licenses/"))
    ]
    assert len(copied) >= 20
    for row in copied:
        source = (corpus / row["source_file"]).read_bytes()
        assert (DEMO_DIR / row["path"]).read_bytes() == source, row["path"]
