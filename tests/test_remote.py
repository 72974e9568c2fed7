"""Fetching Hub and GitHub targets into RepoViews via the real clients and the replay server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import DEMO_DIR, REPO_ROOT
from tracker.errors import FetchError, TargetNotFound
from tracker.remote import (
    fetch_github_repo,
    fetch_hub_license,
    fetch_hub_repo,
    parse_github_target,
)
from tracker.replay import App, ReplayServer, Request, Response, snapshot_app
from tracker.replay.messages import json_response
from tracker.settings import Settings

HF_SECRET = "hf_SecretTokenValue0123456789"
GH_SECRET = "ghp_SecretTokenValue0123456789"


class Recorder:
    """An App that keeps every request it forwards (to see what the clients sent)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        return self.app(request)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def error_chain_text(error: BaseException) -> str:
    parts = []
    current: BaseException | None = error
    while current is not None:
        parts += [str(current), repr(current)]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def test_importing_remote_does_not_import_huggingface_hub() -> None:
    code = "import sys, tracker.remote, tracker.replay; print('huggingface_hub' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert result.stdout.strip() == "False"


# --- Settings ----------------------------------------------------------------------------------


def test_settings_defaults_and_environment() -> None:
    assert Settings.from_env({}) == Settings()
    env = {
        "HF_ENDPOINT": "http://127.0.0.1:9/",
        "HF_TOKEN": HF_SECRET,
        "GITHUB_API_URL": "http://127.0.0.1:9/github-api/",
        "GITHUB_TOKEN": "",
    }
    settings = Settings.from_env(env)
    assert settings.hf_endpoint == "http://127.0.0.1:9"
    assert settings.github_api_url == "http://127.0.0.1:9/github-api"
    assert (settings.hf_token, settings.github_token) == (HF_SECRET, None)
    assert settings.http_timeout == 30.0


def test_settings_repr_hides_tokens() -> None:
    settings = Settings(hf_token=HF_SECRET, github_token=GH_SECRET)
    text = repr(settings) + str(settings)
    assert HF_SECRET not in text and GH_SECRET not in text
    assert "hf_token='***'" in text
    assert "github_token=None" in repr(Settings())


# --- Hub ---------------------------------------------------------------------------------------


def test_fetch_hub_repo_builds_the_view(settings: Settings) -> None:
    view = fetch_hub_repo("abdd68/output", settings)
    assert (view.name, view.repo_id) == ("abdd68/output", "abdd68/output")
    assert sorted(view.files) == ["LICENSE", "README.md"]
    assert view.card_file is view.files["README.md"]
    assert [f.path for f in view.license_files] == ["LICENSE"]
    expected = (DEMO_DIR / "hub/abdd68/output/LICENSE").read_text(encoding="utf-8")
    assert view.files["LICENSE"].text == expected
    assert view.hub_metadata is not None
    assert view.hub_metadata["license"] == "creativeml-openrail-m"
    assert view.hub_metadata["base_model"] == "runwayml/stable-diffusion-v1-5"
    assert "license:creativeml-openrail-m" in view.hub_metadata["tags"]


def test_fetch_hub_repo_keeps_hub_tags_and_pipeline_tag(settings: Settings) -> None:
    view = fetch_hub_repo("CompVis/stable-diffusion-v1-4", settings)
    assert view.hub_metadata is not None
    assert view.hub_metadata["pipeline_tag"] == "text-to-image"
    assert "diffusers:StableDiffusionPipeline" in view.hub_metadata["tags"]


def test_fetch_hub_repo_finds_license_md(settings: Settings) -> None:
    view = fetch_hub_repo("sayakpaul/sd-model-finetuned-lora-t4", settings)
    assert [f.path for f in view.license_files] == ["LICENSE.md"]
    assert view.files["LICENSE.md"].text is not None
    assert "CreativeML Open RAIL-M License" in view.files["LICENSE.md"].text


def test_fetch_hub_repo_skips_files_an_audit_does_not_read(snapshot_copy: Path) -> None:
    repo = snapshot_copy / "hub" / "abdd68" / "output"
    (repo / "unet").mkdir()
    (repo / "unet" / "LICENSE").write_text("nested, not top-level\n")
    (repo / "model.safetensors").write_bytes(b"\x00" * 64)
    with ReplayServer(snapshot_copy) as server:
        settings = Settings(hf_endpoint=server.url)
        view = fetch_hub_repo("abdd68/output", settings)
    assert sorted(view.files) == ["LICENSE", "README.md"]


def test_missing_hub_repo_is_target_not_found(settings: Settings) -> None:
    with pytest.raises(TargetNotFound) as caught:
        fetch_hub_repo("nobody/nothing", settings)
    assert caught.value.target == "nobody/nothing"
    assert "nobody/nothing" in str(caught.value)
    assert settings.hf_endpoint in str(caught.value)


def test_invalid_hub_repo_id_is_target_not_found(settings: Settings) -> None:
    with pytest.raises(TargetNotFound) as caught:
        fetch_hub_repo("a/b/c", settings)
    assert "a/b/c" in str(caught.value)


def test_unreachable_hub_is_fetch_error() -> None:
    settings = Settings(hf_endpoint=closed_port_url(), http_timeout=5)
    with pytest.raises(FetchError) as caught:
        fetch_hub_repo("abdd68/output", settings)
    assert settings.hf_endpoint in caught.value.url
    assert "could not reach the Hub" in caught.value.reason


def test_hub_server_error_is_fetch_error_with_status() -> None:
    def overloaded(request: Request) -> Response:
        return json_response({"error": "Internal Error - We're working hard to fix this"}, 500)

    with ReplayServer(app=overloaded) as server:
        settings = Settings(hf_endpoint=server.url)
        with pytest.raises(FetchError) as caught:
            fetch_hub_repo("abdd68/output", settings)
    assert caught.value.status == 500
    assert "We're working hard" in caught.value.reason
    assert caught.value.url.startswith(settings.hf_endpoint + "/api/models/abdd68/output")


def test_hub_token_is_sent_but_never_in_messages() -> None:
    recorder = Recorder(snapshot_app(DEMO_DIR))
    with ReplayServer(app=recorder) as server:
        settings = Settings(hf_endpoint=server.url, hf_token=HF_SECRET)
        fetch_hub_repo("abdd68/output", settings)
        with pytest.raises(TargetNotFound) as caught:
            fetch_hub_repo("nobody/nothing", settings)
    assert all(r.header("authorization") == f"Bearer {HF_SECRET}" for r in recorder.requests)
    assert HF_SECRET not in error_chain_text(caught.value)


def test_gated_hub_repo_needs_a_token(snapshot_copy: Path) -> None:
    overrides = snapshot_copy / "hub" / "google" / "gemma-7b" / ".model_info.json"
    overrides.write_text('{"gated": "manual"}')
    with ReplayServer(snapshot_copy) as server:
        anonymous = Settings(hf_endpoint=server.url)
        with pytest.raises(FetchError) as caught:
            fetch_hub_repo("google/gemma-7b", anonymous)
        view = fetch_hub_repo("google/gemma-7b", replace(anonymous, hf_token=HF_SECRET))
    assert caught.value.status == 401
    assert "gated" in caught.value.reason and "HF_TOKEN" in caught.value.reason
    assert sorted(view.files) == ["LICENSE", "README.md"]


def test_fetch_hub_license(settings: Settings) -> None:
    assert fetch_hub_license("CompVis/stable-diffusion-v1-4", settings) == (
        "creativeml-openrail-m",
        None,
    )
    assert fetch_hub_license("nobody/nothing", settings) == (None, None)


def test_fetch_hub_license_with_license_name(snapshot_copy: Path) -> None:
    repo = snapshot_copy / "hub" / "someone" / "custom"
    repo.mkdir(parents=True)
    card = "---\nlicense: other\nlicense_name: yi-license\nlicense_link: LICENSE\n---\n# Custom\n"
    (repo / "README.md").write_text(card)
    with ReplayServer(snapshot_copy) as server:
        result = fetch_hub_license("someone/custom", Settings(hf_endpoint=server.url))
    assert result == ("other", "yi-license")


# --- GitHub ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://github.com/meta-llama/llama",
        "https://github.com/meta-llama/llama/",
        "https://github.com/meta-llama/llama.git",
        "http://www.github.com/meta-llama/llama.git/",
        "github.com/meta-llama/llama",
        "meta-llama/llama",
    ],
)
def test_github_target_forms(target: str) -> None:
    assert parse_github_target(target) == ("meta-llama", "llama")


@pytest.mark.parametrize("target", ["https://gitlab.com/a/b", "a/b/c", "llama", ""])
def test_github_target_rejects_other_inputs(target: str) -> None:
    with pytest.raises(TargetNotFound):
        parse_github_target(target)


def test_fetch_github_repo_builds_the_view(settings: Settings) -> None:
    view = fetch_github_repo("https://github.com/meta-llama/llama.git", settings)
    assert view.name == "https://github.com/meta-llama/llama.git"
    assert view.repo_id is None
    assert sorted(view.files) == ["LICENSE", "MODEL_CARD.md", "USE_POLICY.md"]
    assert view.card_file is view.files["MODEL_CARD.md"]
    assert [f.path for f in view.license_files] == ["LICENSE", "USE_POLICY.md"]
    expected = (DEMO_DIR / "github/meta-llama/llama/LICENSE").read_text(encoding="utf-8")
    assert view.files["LICENSE"].text == expected


def test_fetch_github_repo_reads_the_readme_once(snapshot_copy: Path) -> None:
    repo = snapshot_copy / "github" / "CompVis" / "stable-diffusion"
    (repo / "README.md").write_text("# Stable Diffusion\n")
    with ReplayServer(snapshot_copy) as server:
        view = fetch_github_repo(
            "CompVis/stable-diffusion", Settings(github_api_url=server.github_api_url)
        )
    assert sorted(view.files) == ["LICENSE", "README.md"]
    assert view.files["README.md"].text == "# Stable Diffusion\n"


def test_missing_github_repo_is_target_not_found(settings: Settings) -> None:
    with pytest.raises(TargetNotFound) as caught:
        fetch_github_repo("https://github.com/nobody/nothing", settings)
    assert caught.value.target == "https://github.com/nobody/nothing"
    assert "repos/nobody/nothing" in str(caught.value)


def test_recorded_github_404_is_target_not_found(fixtures_server: ReplayServer) -> None:
    settings = Settings(github_api_url=fixtures_server.github_api_url)
    with pytest.raises(TargetNotFound):
        fetch_github_repo("jacquev6/Xxx", settings)


def test_github_rate_limit_is_fetch_error() -> None:
    def limited(request: Request) -> Response:
        body = {"message": "API rate limit exceeded for 127.0.0.1."}
        return json_response(body, 403, [("x-ratelimit-remaining", "0")])

    with ReplayServer(app=limited) as server:
        with pytest.raises(FetchError) as caught:
            fetch_github_repo("meta-llama/llama", Settings(github_api_url=server.url))
    assert caught.value.status == 403
    assert "rate limit" in caught.value.reason
    assert "GITHUB_TOKEN" in caught.value.reason


def test_github_timeout_is_fetch_error() -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return json_response({})

    with ReplayServer(app=slow) as server:
        settings = Settings(github_api_url=server.url, http_timeout=0.2)
        with pytest.raises(FetchError) as caught:
            fetch_github_repo("meta-llama/llama", settings)
    assert "timed out" in caught.value.reason


def test_unreachable_github_is_fetch_error() -> None:
    settings = Settings(github_api_url=closed_port_url())
    with pytest.raises(FetchError) as caught:
        fetch_github_repo("meta-llama/llama", settings)
    assert "could not reach the GitHub API" in caught.value.reason


def test_github_token_only_when_set_and_never_in_messages(settings: Settings) -> None:
    recorder = Recorder(snapshot_app(DEMO_DIR))
    with ReplayServer(app=recorder) as server:
        anonymous = Settings(github_api_url=server.github_api_url)
        fetch_github_repo("meta-llama/llama", anonymous)
        assert all(r.header("authorization") is None for r in recorder.requests)
        recorder.requests.clear()
        with_token = replace(anonymous, github_token=GH_SECRET)
        fetch_github_repo("meta-llama/llama", with_token)
        with pytest.raises(TargetNotFound) as caught:
            fetch_github_repo("nobody/nothing", with_token)
    assert all(r.header("authorization") == f"Bearer {GH_SECRET}" for r in recorder.requests)
    assert all(r.header("x-github-api-version") == "2022-11-28" for r in recorder.requests)
    assert GH_SECRET not in error_chain_text(caught.value)


def test_github_requests_go_through_the_http_layer_and_survive_a_5xx_burst() -> None:
    with ReplayServer(DEMO_DIR) as server:
        settings = Settings(github_api_url=server.github_api_url)
        fetch_github_repo("meta-llama/llama", settings)
        calm = server.stats.requests
        server.stats.reset()
        server.faults.add("5xx", "^/github-api/repos/meta-llama/llama$", count=2, status=503)
        view = fetch_github_repo("meta-llama/llama", settings)
        stormy = server.stats.requests
    assert "LICENSE" in view.files
    assert stormy == calm + 2  # the two 503s were retried


def test_card_dict_is_what_huggingface_hub_to_dict_gives() -> None:
    """card_dict skips to_dict's deep copy; the result must not differ, for generated models
    with every kind of card metadata the corpus holds, and for the demo's real ones."""
    import httpx
    from huggingface_hub.hf_api import ModelInfo

    from tracker.remote import card_dict

    with ReplayServer.generated(300) as server:
        listed = httpx.get(f"{server.url}/api/models?limit=300").json()
        infos = [
            ModelInfo(**httpx.get(f"{server.url}/api/models/{m['id']}").json()) for m in listed
        ]
    with ReplayServer(DEMO_DIR) as server:
        infos.append(
            ModelInfo(**httpx.get(f"{server.url}/api/models/CompVis/stable-diffusion-v1-4").json())
        )
    with_card = [i for i in infos if i.card_data is not None]
    assert len(with_card) > 100
    for info in with_card:
        assert card_dict(info) == info.card_data.to_dict()  # type: ignore[union-attr,no-untyped-call]
