"""Faults injected by the replay server, observed through a plain httpx client; conditional GETs."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import yaml

from tests.conftest import DEMO_DIR
from tracker.replay import FaultPlan, ReplayServer
from tracker.replay.faults import HUGE_CARD_SIZE
from tracker.replay.snapshot import blob_sha

HUB_README = "/CompVis/stable-diffusion-v1-4/resolve/main/README.md"
HUB_LICENSE = "/CompVis/stable-diffusion-v1-4/resolve/main/LICENSE"
RAW_LICENSE = "/github-raw/meta-llama/llama/main/LICENSE"
CONTENTS_CARD = "/github-api/repos/meta-llama/llama/contents/MODEL_CARD.md"
README_BYTES = (DEMO_DIR / "hub/CompVis/stable-diffusion-v1-4/README.md").read_bytes()


@pytest.fixture
def http(server: ReplayServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5) as client:
        yield client


# --- status faults ----------------------------------------------------------------------------


def test_429_sends_retry_after_then_stops(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("429", r"README\.md$", retry_after=3)
    limited = http.get(HUB_README)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
    assert http.get(HUB_README).status_code == 200


def test_429_retry_after_as_http_date(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("429", "README", retry_after=60, as_date=True)
    value = http.get(HUB_README).headers["Retry-After"]
    assert value.endswith(" GMT")


def test_5xx_burst_fires_count_times(faults: FaultPlan, http: httpx.Client) -> None:
    rule = faults.add("5xx", "README", count=3, status=502)
    statuses = [http.get(HUB_README).status_code for _ in range(4)]
    assert statuses == [502, 502, 502, 200]
    assert (rule.remaining, rule.fired) == (0, 3)


def test_a_query_regex_narrows_a_rule_to_requests_carrying_it(
    faults: FaultPlan, http: httpx.Client
) -> None:
    rule = faults.add("5xx", "^/api/models/?$", query="cursor=", count=5)
    assert http.get("/api/models", params={"limit": 2}).status_code == 200
    assert http.get("/api/models", params={"cursor": "x", "limit": 2}).status_code == 503
    assert rule.fired == 1
    with pytest.raises(ValueError, match="bad query regex"):
        faults.add("5xx", "README", query="(")


def test_ratelimit_sends_github_headers(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("ratelimit", "/github-api/", reset=2)
    response = http.get("/github-api/repos/meta-llama/llama")
    assert response.status_code == 403
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert time.time() < int(response.headers["X-RateLimit-Reset"]) <= time.time() + 2
    assert "rate limit exceeded" in response.json()["message"]


def test_only_matching_paths_and_methods_are_faulted(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("5xx", r"LICENSE$", method="GET")
    assert http.get(HUB_README).status_code == 200
    assert http.head(HUB_LICENSE).status_code == 200
    assert http.get(HUB_LICENSE).status_code == 503


# --- connection faults ------------------------------------------------------------------------


def test_reset_is_a_transport_error(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("reset", "README")
    with pytest.raises(httpx.TransportError):
        http.get(HUB_README)
    assert http.get(HUB_README).content == README_BYTES


def test_truncated_body_is_a_remote_protocol_error(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("truncate", "README")
    with pytest.raises(httpx.RemoteProtocolError, match="expected 17079"):
        http.get(HUB_README)
    assert http.get(HUB_README).content == README_BYTES


def test_slow_response_hits_a_short_timeout(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("slow", "README", count=2, delay=0.3)
    with pytest.raises(httpx.ReadTimeout):
        http.get(HUB_README, timeout=0.05)
    started = time.monotonic()
    assert http.get(HUB_README).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_stop_cuts_a_slow_fault_short() -> None:
    with ReplayServer(DEMO_DIR) as server:
        server.faults.add("slow", delay=30)
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(server.url + HUB_README, timeout=0.1)
        started = time.monotonic()
    assert time.monotonic() - started < 5


# --- content faults ---------------------------------------------------------------------------


def test_huge_card_is_50_mb_streamed(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("huge-card", "README", count=2)
    assert http.head(HUB_README).headers["Content-Length"] == str(HUGE_CARD_SIZE)
    received, first = 0, b""
    with http.stream("GET", HUB_README) as response:
        for chunk in response.iter_bytes():
            first = first or chunk
            received += len(chunk)
    assert received == HUGE_CARD_SIZE == 50 * 1024 * 1024
    assert first.startswith(b"---\nlicense: mit\n")


def test_binary_license_has_nul_bytes(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("binary-license", "LICENSE")
    response = http.get(RAW_LICENSE)
    assert b"\x00" in response.content
    assert response.headers["ETag"] == f'"{blob_sha(response.content)}"'


def test_non_utf8_readme_fails_utf8_decoding(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("non-utf8", "README")
    body = http.get(HUB_README).content
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "Café, naïve" in body.decode("cp1252")


def test_malformed_yaml_front_matter_does_not_parse(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("malformed-yaml", "README")
    text = http.get(HUB_README).text
    front_matter = text.split("---\n")[1]
    assert "license: creativeml-openrail-m" in front_matter
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(front_matter)


def test_content_faults_change_github_contents_objects(
    faults: FaultPlan, http: httpx.Client
) -> None:
    faults.add("non-utf8", "MODEL_CARD")
    faults.add("huge-card", "MODEL_CARD")
    payload = http.get(CONTENTS_CARD).json()
    data = base64.b64decode(payload["content"])
    assert payload["size"] == len(data) and payload["sha"] == blob_sha(data)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    too_large = http.get(CONTENTS_CARD).json()
    assert (too_large["encoding"], too_large["content"]) == ("none", "")
    assert too_large["size"] == HUGE_CARD_SIZE


def test_content_fault_ignores_a_matching_etag(faults: FaultPlan, http: httpx.Client) -> None:
    etag = http.get(HUB_README).headers["ETag"]
    faults.add("non-utf8", "README")
    faulty = http.get(HUB_README, headers={"If-None-Match": etag})
    assert faulty.status_code == 200 and faulty.headers["ETag"] != etag
    assert http.get(HUB_README, headers={"If-None-Match": etag}).status_code == 304


# --- the plan and its control -----------------------------------------------------------------


def test_faults_over_http(faults: FaultPlan, http: httpx.Client) -> None:
    spec = {"kind": "5xx", "path": "README", "count": 2, "params": {"status": 500}}
    added = http.post("/_replay/faults", json=[spec])
    assert added.status_code == 201 and added.json()[0]["remaining"] == 2
    assert http.get(HUB_README).status_code == 500
    listed = http.get("/_replay/faults").json()
    assert [(r["kind"], r["remaining"], r["fired"]) for r in listed] == [("5xx", 1, 1)]
    assert http.delete("/_replay/faults").json() == {"cleared": 1}
    assert http.get(HUB_README).status_code == 200


def test_bad_faults_are_refused(faults: FaultPlan, http: httpx.Client) -> None:
    assert http.post("/_replay/faults", json={"kind": "meteor"}).status_code == 400
    assert http.post("/_replay/faults", json={"kind": "slow", "path": "("}).status_code == 400
    with pytest.raises(ValueError, match="takes params delay"):
        faults.add("slow", seconds=3)
    with pytest.raises(ValueError, match="500 to 599"):
        faults.add("5xx", status=404)
    assert faults.rules == []


def test_params_from_json_are_coerced_to_their_kind(faults: FaultPlan, http: httpx.Client) -> None:
    spec = {"kind": "slow", "params": {"delay": "0.25"}}
    assert http.post("/_replay/faults", json=spec).json()[0]["params"] == {"delay": 0.25}
    bad = {"kind": "429", "params": {"as_date": "yes"}}
    assert "must be a bool" in http.post("/_replay/faults", json=bad).json()["error"]


def test_control_paths_are_never_faulted(faults: FaultPlan, http: httpx.Client) -> None:
    faults.add("reset", count=5)
    assert http.get("/_replay/faults").status_code == 200
    assert http.get("/_replay/stats").json()["requests"] >= 1
    assert faults.rules[0].remaining == 5


def test_stats_count_requests_and_concurrency(
    server: ReplayServer, faults: FaultPlan, http: httpx.Client
) -> None:
    faults.add("slow", "README", count=3, delay=0.2)
    threads = [threading.Thread(target=http.get, args=(HUB_README,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (server.stats.requests, server.stats.max_in_flight) == (3, 3)


# --- conditional requests ---------------------------------------------------------------------


@pytest.mark.parametrize("path", [HUB_README, RAW_LICENSE, CONTENTS_CARD])
def test_matching_if_none_match_is_304(http: httpx.Client, path: str) -> None:
    first = http.get(path)
    etag = first.headers["ETag"]
    again = http.get(path, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag)
    other = http.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


def test_github_json_etags_are_weak_and_compared_weakly(http: httpx.Client) -> None:
    etag = http.get(CONTENTS_CARD).headers["ETag"]
    assert etag.startswith('W/"')
    strong = etag.removeprefix("W/")
    assert http.get(CONTENTS_CARD, headers={"If-None-Match": strong}).status_code == 304


def test_hub_etag_is_the_blob_id(http: httpx.Client) -> None:
    assert http.get(HUB_README).headers["ETag"] == f'"{blob_sha(README_BYTES)}"'
