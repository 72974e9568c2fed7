"""HttpClient against the replay server with injected faults: retries, waits, limits, ETags, tokens.

Waits are recorded by a `Sleeps` object given as the client's `sleep`, so a test of a 2 s
Retry-After takes milliseconds; pacing and concurrency tests use real time.
"""

from __future__ import annotations

import logging
import random
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import DEMO_DIR
from tracker.errors import ConfigError, FetchError
from tracker.http import HttpClient, HttpConfig, HttpEvent, user_agent
from tracker.replay import FaultPlan, ReplayServer, Request, Response
from tracker.replay.messages import json_response
from tracker.settings import Settings

HUB_README = "/CompVis/stable-diffusion-v1-4/resolve/main/README.md"
RAW_LICENSE = "/github-raw/meta-llama/llama/main/LICENSE"
CONTENTS_CARD = "/github-api/repos/meta-llama/llama/contents/MODEL_CARD.md"
README_BYTES = (DEMO_DIR / "hub/CompVis/stable-diffusion-v1-4/README.md").read_bytes()
SECRET = "hf_s3cr3tTOKENvalue0123456789"


class Sleeps(list[float]):
    """A `sleep` that records how long it was asked to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


MakeClient = Callable[..., HttpClient]


@pytest.fixture
def make_client(sleeps: Sleeps) -> Iterator[MakeClient]:
    """Clients with fast backoff and recorded sleeps; config fields and client options as kwargs."""
    made: list[HttpClient] = []
    options = {"tokens", "headers", "sleep", "on_event", "transport"}

    def make(**kwargs: Any) -> HttpClient:
        fields: dict[str, Any] = {"timeout": 2.0, "backoff_base": 0.01, "backoff_cap": 0.05}
        fields.update({k: v for k, v in kwargs.items() if k not in options})
        extra = {k: v for k, v in kwargs.items() if k in options}
        extra.setdefault("sleep", sleeps)
        made.append(HttpClient(HttpConfig(**fields), rng=random.Random(7), **extra))
        return made[-1]

    yield make
    for client in made:
        client.close()


def outcomes(client: HttpClient) -> list[str]:
    return [event.outcome for event in client.events]


# --- plain GETs -------------------------------------------------------------------------------


def test_get_returns_status_body_etag_and_url(
    server: ReplayServer, make_client: MakeClient
) -> None:
    result = make_client().get(server.url + HUB_README)
    assert (result.status, result.content, result.not_modified) == (200, README_BYTES, False)
    assert result.etag is not None and result.etag == result.headers["etag"]
    assert result.url == server.url + HUB_README


def test_params_are_sent_and_named(server: ReplayServer, make_client: MakeClient) -> None:
    client = make_client()
    url = server.url + "/api/models/CompVis/stable-diffusion-v1-4"
    result = client.get(url, params={"expand": "downloads"})
    assert set(result.json()) == {"_id", "id", "downloads"}
    assert client.events[0].url == url + "?expand=downloads"


@pytest.mark.parametrize("path", [HUB_README, RAW_LICENSE, CONTENTS_CARD])
def test_etag_round_trip_is_not_modified(
    server: ReplayServer, make_client: MakeClient, path: str
) -> None:
    client = make_client()
    first = client.get(server.url + path)
    again = client.get(server.url + path, etag=first.etag)
    assert again.not_modified and again.content == b"" and again.etag == first.etag
    changed = client.get(server.url + path, etag='"stale"')
    assert changed.status == 200 and changed.content == first.content


# --- retries ----------------------------------------------------------------------------------


def test_429_retry_after_is_honoured(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faults.add("429", "README", count=2, retry_after=2)
    client = make_client()
    assert client.get(server.url + HUB_README).content == README_BYTES
    assert sleeps == pytest.approx([2, 2], abs=0.05)
    assert outcomes(client) == ["429", "429", "200"]
    assert [event.wait for event in client.events] == [2, 2, 0]


def test_retry_after_as_http_date(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faults.add("429", "README", retry_after=3, as_date=True)
    make_client().get(server.url + HUB_README)
    assert len(sleeps) == 1 and 1.5 < sleeps[0] <= 3.05


def test_5xx_burst_backs_off_with_jitter(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faults.add("5xx", "README", count=3, status=502)
    client = make_client(backoff_base=0.01, backoff_cap=0.03)
    assert client.get(server.url + HUB_README).status == 200
    assert outcomes(client) == ["502", "502", "502", "200"]
    ceilings = [0.01, 0.02, 0.03]
    assert len(sleeps) == 3 and all(0 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))


@pytest.mark.parametrize(
    ("kind", "params", "errors"),
    [
        ("reset", {}, {"ReadError", "RemoteProtocolError", "WriteError"}),
        ("truncate", {}, {"RemoteProtocolError"}),
        ("slow", {"delay": 0.3}, {"ReadTimeout"}),
    ],
)
def test_transport_faults_are_retried(
    server: ReplayServer,
    faults: FaultPlan,
    make_client: MakeClient,
    kind: str,
    params: dict[str, Any],
    errors: set[str],
) -> None:
    faults.add(kind, "README", **params)
    client = make_client(timeout=0.1)
    assert client.get(server.url + HUB_README).content == README_BYTES
    first, second = client.events
    assert first.error in errors and first.status is None
    assert second.status == 200


def test_gives_up_after_max_retries(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faults.add("5xx", "README", count=10)
    client = make_client(max_retries=2)
    url = server.url + HUB_README
    with pytest.raises(FetchError) as caught:
        client.get(url)
    assert (caught.value.url, caught.value.status) == (url, 503)
    assert "HTTP 503: injected server error 503 (gave up after 3 attempts)" == caught.value.reason
    assert outcomes(client) == ["503"] * 3 and len(sleeps) == 2


def test_404_fails_at_once(server: ReplayServer, make_client: MakeClient, sleeps: Sleeps) -> None:
    client = make_client()
    url = server.url + "/CompVis/stable-diffusion-v1-4/resolve/main/missing.txt"
    with pytest.raises(FetchError) as caught:
        client.get(url)
    assert caught.value.status == 404 and caught.value.reason == "HTTP 404: Entry not found"
    assert outcomes(client) == ["404"] and sleeps == []


def test_unsupported_scheme_fails_at_once(make_client: MakeClient) -> None:
    with pytest.raises(FetchError, match="UnsupportedProtocol") as caught:
        make_client().get("ftp://example.invalid/file")
    assert caught.value.status is None


def test_github_rate_limit_reset_is_honoured(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faults.add("ratelimit", "/github-api/", reset=2)
    client = make_client()
    result = client.get(server.url + CONTENTS_CARD)
    assert result.status == 200 and outcomes(client) == ["403", "200"]
    assert len(sleeps) == 1 and 0.5 < sleeps[0] <= 2.05


def test_rate_limit_longer_than_max_wait_fails_at_once(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faults.add("ratelimit", "/github-api/", reset=3600)
    with pytest.raises(FetchError, match="over max_wait=5 s") as caught:
        make_client(max_wait=5).get(server.url + CONTENTS_CARD)
    assert caught.value.status == 403 and "API rate limit exceeded" in caught.value.reason
    assert sleeps == []


def test_a_rate_limit_holds_back_the_whole_host(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faults.add("429", "README", retry_after=2)
    client = make_client()
    client.get(server.url + HUB_README)
    client.get(server.url + RAW_LICENSE)  # fake sleeps: the host is still blocked for ~2 s
    assert sleeps == pytest.approx([2, 2], abs=0.05)


def test_hub_ratelimit_header_is_honoured(make_client: MakeClient, sleeps: Sleeps) -> None:
    calls: list[str] = []

    def limited_once(request: Request) -> Response:
        calls.append(request.path)
        if len(calls) > 1:
            return json_response({"ok": True})
        headers = (("RateLimit", '"api";r=0;t=7'), ("RateLimit-Policy", '"fixed window";q=500'))
        return json_response({"error": "rate limited"}, 429, headers)

    with ReplayServer(app=limited_once) as server:
        assert make_client().get(server.url + "/api/models").json() == {"ok": True}
    assert sleeps == pytest.approx([7], abs=0.05)


# --- per-host limits --------------------------------------------------------------------------


def test_per_host_concurrency_is_bounded(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient
) -> None:
    faults.add("slow", "README", count=8, delay=0.15)
    client = make_client(max_concurrency=2)
    threads = [
        threading.Thread(target=client.get, args=(server.url + HUB_README,)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes(client) == ["200"] * 8
    assert (server.stats.requests, server.stats.max_in_flight) == (8, 2)


def test_min_interval_spaces_request_starts(
    server: ReplayServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    client = make_client(min_interval=0.5)
    for _ in range(3):
        client.get(server.url + HUB_README)
    assert sleeps == pytest.approx([0.5, 1.0], abs=0.1)


def test_body_over_max_bytes_fails_without_retry(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient, sleeps: Sleeps
) -> None:
    faults.add("huge-card", "README")
    client = make_client(max_bytes=1024 * 1024)
    with pytest.raises(FetchError, match="body of 52428800 bytes is over max_bytes=1048576"):
        client.get(server.url + HUB_README)
    assert outcomes(client) == ["TooLarge"] and sleeps == []
    assert client.get(server.url + HUB_README).content == README_BYTES


# --- a scrape under faults --------------------------------------------------------------------

#: kind, path, params; each fires as often as one run tries: twice with max_retries=1, once for
#: the faults that fail at once (a body over max_bytes, a rate limit over max_wait).
SCRAPE_FAULTS: list[tuple[str, str, dict[str, Any]]] = [
    ("429", "/CompVis/stable-diffusion-v1-4/resolve/main/README.md", {"retry_after": 1}),
    ("5xx", "/CompVis/stable-diffusion-v1-4/resolve/main/LICENSE", {"status": 500}),
    ("reset", "/google/gemma-7b/resolve/main/README.md", {}),
    ("slow", "/google/gemma-7b/resolve/main/LICENSE", {"delay": 0.3}),
    ("truncate", "/nerijs/pixel-art-xl/resolve/main/README.md", {}),
    ("huge-card", "/nerijs/pixel-art-xl/resolve/main/LICENSE", {"count": 1}),
    (
        "ratelimit",
        "/github-api/repos/meta-llama/llama/contents/LICENSE",
        {"reset": 600, "count": 1},
    ),
]
REASONS = {
    "429": "HTTP 429: Rate limit reached",
    "5xx": "HTTP 500: injected server error",
    "reset": "(gave up after 2 attempts)",
    "slow": "ReadTimeout",
    "truncate": "RemoteProtocolError: peer closed connection",
    "huge-card": "over max_bytes=1048576",
    "ratelimit": "over max_wait=30 s",
}
UNFAULTED = "/abdd68/output/resolve/main/README.md"


def scrape(client: HttpClient, urls: list[str]) -> tuple[dict[str, bytes], dict[str, str]]:
    """Fetch every URL; a failure is recorded with its reason and the scrape goes on."""
    fetched, failed = {}, {}
    for url in urls:
        try:
            fetched[url] = client.get(url).content
        except FetchError as error:
            failed[url] = error.reason
    return fetched, failed


def test_a_scrape_records_failures_and_the_next_run_fetches_them(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient
) -> None:
    for kind, path, params in SCRAPE_FAULTS:
        faults.add(kind, re.escape(path) + "$", **{"count": 2, **params})
    client = make_client(max_retries=1, timeout=0.1, max_wait=30, max_bytes=1024 * 1024)
    urls = [server.url + path for _, path, _ in SCRAPE_FAULTS]
    fetched, failed = scrape(client, [*urls, server.url + UNFAULTED])
    assert list(fetched) == [server.url + UNFAULTED] and list(failed) == urls
    assert all(rule.remaining == 0 for rule in faults.rules)
    for (kind, _, _), url in zip(SCRAPE_FAULTS, urls, strict=True):
        assert REASONS[kind] in failed[url]
    again, failed_again = scrape(client, list(failed))
    assert failed_again == {} and list(again) == urls


# --- tokens and headers -----------------------------------------------------------------------


def echo_auth(request: Request) -> Response:
    """401 that echoes the Authorization header back, as a careless server might."""
    auth = request.header("authorization") or "none"
    body = {"message": f"Bad credentials: {auth}", "ua": request.header("user-agent")}
    status = 401 if request.path.startswith("/private") else 200
    return json_response(body, status)


def test_token_never_leaks(caplog: pytest.LogCaptureFixture, make_client: MakeClient) -> None:
    caplog.set_level(logging.DEBUG)
    with ReplayServer(app=echo_auth) as server:
        client = make_client(tokens={server.url + "/private": SECRET})
        assert client.get(server.url + "/public").json()["message"] == "Bad credentials: none"
        with pytest.raises(FetchError) as caught:
            client.get(server.url + "/private/repo")
    assert caught.value.status == 401
    assert caught.value.reason == "HTTP 401: Bad credentials: Bearer ***"
    texts = [str(caught.value), repr(caught.value), caplog.text, repr(client), str(client.events)]
    assert all(SECRET not in text for text in texts)
    assert caplog.records, "the attempts are logged"


def test_from_settings_sends_each_token_to_its_own_base(make_client: MakeClient) -> None:
    with ReplayServer(app=echo_auth) as server:
        settings = Settings(
            hf_endpoint=server.url,
            hf_token="hf_token",
            github_api_url=server.url + "/github-api",
            github_token="gh_token",
        )
        with HttpClient.from_settings(settings) as client:
            hub = client.get(server.url + "/api/models").json()
            github = client.get(server.url + "/github-api/repos/a/b").json()
    assert hub["message"].endswith("Bearer hf_token")
    assert github["message"].endswith("Bearer gh_token")
    assert hub["ua"] == user_agent() == "genai-tracker/0.1.0"
    assert "hf_token" not in repr(client) and "gh_token" not in repr(client)


def test_a_token_that_could_split_a_header_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        HttpClient(tokens={"https://api.github.com": "abc\r\nX-Evil: 1"})
    assert "X-Evil" not in str(caught.value)


def test_impossible_limits_are_refused() -> None:
    with pytest.raises(ConfigError, match="max_concurrency"):
        HttpConfig(max_concurrency=0)


def test_events_reach_the_hook(
    server: ReplayServer, faults: FaultPlan, make_client: MakeClient
) -> None:
    seen: list[HttpEvent] = []
    faults.add("5xx", "README")
    make_client(on_event=seen.append).get(server.url + HUB_README)
    assert [(e.attempt, e.status) for e in seen] == [(1, 503), (2, 200)]
