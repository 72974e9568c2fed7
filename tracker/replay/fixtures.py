"""Replaying recorded real exchanges (`fixtures/{hf,github}/*.json`) by method, path and query.

Each recording is `{"request": {"method", "url"}, "response": {"status", "headers", "body"}}`.
The real host decides where a recording is served on the local server:

    https://huggingface.co/...                →  {server}/...
    https://api.github.com/...                →  {server}/github-api/...
    https://api-inference.huggingface.co/...  →  {server}/hf-inference/...

Following the fixtures README: `Content-Encoding`, `Transfer-Encoding` and `Connection` are
dropped (bodies are stored decompressed), `Content-Length` is recomputed from the bytes sent, and
absolute URLs on those hosts in header values (`Link`, `Location`) are rewritten to the local
server, since clients follow them as given. Bodies are sent byte-for-byte as recorded. When two
recordings answer the same request, the one with the latest `Date` header wins. A request with no
recording gets a 404 naming it, with the header `X-Replay-Miss: 1`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tracker.replay.messages import HOP_BY_HOP, Request, Response, json_response
from tracker.replay.routing import App

HOST_PREFIXES = {
    "huggingface.co": "",
    "api.github.com": "/github-api",
    "api-inference.huggingface.co": "/hf-inference",
}

Key = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its response, keyed by where it is served locally."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    recorded_at: float
    source: str

    @property
    def key(self) -> Key:
        return (self.method, self.path, self.query)


def load_exchanges(fixtures_dir: Path) -> dict[Key, Exchange]:
    """All recordings under `fixtures_dir` (its `*.json` and `*/*.json`), newest per request."""
    table: dict[Key, Exchange] = {}
    files = sorted([*fixtures_dir.glob("*.json"), *fixtures_dir.glob("*/*.json")])
    for path in files:
        exchange = parse_exchange(path)
        if exchange is None:
            continue
        current = table.get(exchange.key)
        if current is None or exchange.recorded_at >= current.recorded_at:
            table[exchange.key] = exchange
    return table


def parse_exchange(path: Path) -> Exchange | None:
    """One recording file as an Exchange; None when it is not a recording of a known host."""
    record = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(record, dict) or "request" not in record:
        return None
    url = urlsplit(record["request"]["url"])
    prefix = HOST_PREFIXES.get(url.hostname or "")
    if prefix is None:
        return None
    response = record["response"]
    headers = tuple(_header_pairs(response.get("headers", {})))
    return Exchange(
        method=record["request"]["method"].upper(),
        path=prefix + url.path,
        query=_query_key(url.query),
        status=int(response["status"]),
        headers=headers,
        body=str(response.get("body", "")).encode("utf-8"),
        recorded_at=_recorded_at(headers),
        source=path.name,
    )


def _header_pairs(headers: dict[str, Any]) -> list[tuple[str, str]]:
    """Recorded headers as pairs; a repeated header is stored as a list."""
    pairs: list[tuple[str, str]] = []
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, str(item)) for item in values)
    return pairs


def _query_key(query: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(parse_qsl(query, keep_blank_values=True)))


def _recorded_at(headers: tuple[tuple[str, str], ...]) -> float:
    for name, value in headers:
        if name.lower() == "date":
            try:
                return parsedate_to_datetime(value).timestamp()
            except (TypeError, ValueError):
                return 0.0
    return 0.0


def rewrite_urls(value: str, base_url: str) -> str:
    """Point absolute URLs on the recorded hosts at the local server."""
    for host, prefix in sorted(HOST_PREFIXES.items(), key=lambda item: -len(item[0])):
        value = value.replace(f"https://{host}", base_url + prefix)
    return value


def fixtures_app(fixtures_dir: Path) -> App:
    """An App answering each request with its recording (HEAD uses the GET recording)."""
    table = load_exchanges(fixtures_dir)

    def app(request: Request) -> Response:
        query = tuple(sorted(request.query))
        exchange = table.get((request.method, request.path, query))
        if exchange is None and request.method == "HEAD":
            exchange = table.get(("GET", request.path, query))
        if exchange is None:
            return miss_response(request)
        return replay_response(exchange, request.base_url)

    return app


def replay_response(exchange: Exchange, base_url: str) -> Response:
    headers = tuple(
        (name, rewrite_urls(value, base_url))
        for name, value in exchange.headers
        if name.lower() not in HOP_BY_HOP
    )
    return Response(exchange.status, exchange.body, headers)


def miss_response(request: Request) -> Response:
    message = f"no recorded exchange for {request.method} {request.path}"
    return json_response({"error": message, "message": message}, 404, (("X-Replay-Miss", "1"),))
