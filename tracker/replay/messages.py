"""The request and response values that replay handlers take and return.

Handlers never touch sockets: they get a `Request` and return a `Response`, and the server writes
it (always with a `Content-Length` that matches the bytes sent). That keeps handlers pure and
lets wrappers (fault injection, recording) sit between the server and the routing table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"

#: Headers the server computes itself; a handler's values for these are dropped.
HOP_BY_HOP = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection"})


@dataclass(frozen=True)
class Request:
    """One HTTP request as the handlers see it.

    `path` is the raw (still percent-encoded) path without the query, so that an encoded `/`
    inside a revision (`refs%2Fpr%2F1`) does not split a segment; the router decodes captured
    groups. `headers` has lower-case names. `base_url` is this server's own address, used to
    build absolute URLs that point back at it.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    base_url: str = ""

    def param(self, name: str) -> str | None:
        """The first value of query parameter `name`, or None."""
        values = self.params(name)
        return values[0] if values else None

    def params(self, name: str) -> list[str]:
        """All values of a repeated query parameter (`expand=a&expand=b`)."""
        return [value for key, value in self.query if key == name]

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Response:
    """Status, headers (in order, repeats allowed) and the full body."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def with_headers(self, extra: Iterable[tuple[str, str]]) -> Response:
        return replace(self, headers=self.headers + tuple(extra))


def json_response(
    payload: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    """A compact JSON body, as both the Hub and GitHub send it."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)
    return Response(status, body.encode(), (("Content-Type", JSON_TYPE), *headers))


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def apply_range(request: Request, response: Response) -> Response:
    """Answer a single `Range: bytes=a-b` request with 206 (or 416), as file hosts do."""
    wanted = request.header("range")
    match = _RANGE.fullmatch(wanted.strip()) if wanted else None
    if match is None or response.status != 200:
        return response
    total = len(response.body)
    start, end = _range_bounds(match.group(1), match.group(2), total)
    if start >= total or start > end:
        return Response(416, b"", (("Content-Range", f"bytes */{total}"),))
    part = response.body[start : end + 1]
    headers = response.headers + (("Content-Range", f"bytes {start}-{end}/{total}"),)
    return Response(206, part, headers)


def _range_bounds(first: str, last: str, total: int) -> tuple[int, int]:
    if not first:  # suffix range: the last N bytes
        return max(total - int(last or 0), 0), total - 1
    return int(first), min(int(last), total - 1) if last else total - 1
