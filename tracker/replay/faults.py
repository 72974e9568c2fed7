"""Fault injection for the replay server: answer chosen requests badly, a set number of times.

A `FaultPlan` is a list of `FaultRule`s (path regex, kind, count, params). The server consults it
before routing: the first rule whose regex is found in the raw request path (`re.search`, so
`README\\.md$` works), whose method matches (any method unless `method` is given) and which has
`remaining > 0` fires, and its count goes down by one. A rule with a `query` regex also needs it
found in the query string (`query="cursor="`: a listing's second page onwards). A rule that has
fired `count` times stays in the plan but no longer matches, so a first scrape meets the fault
and a second one does not.
HEAD requests consume a count too: give `method="GET"` to aim at downloads only.

    server.faults.add("429", r"/api/models/", count=2, retry_after=1)
    server.faults.add("truncate", r"README\\.md$", method="GET")

Over HTTP, for manual runs (never faulted themselves):

    POST   {server}/_replay/faults   {"kind": "5xx", "path": "...", "count": 3, "params": {...}}
                                     (or a list of such objects) → 201 with the rules added
    GET    {server}/_replay/faults   the rules with `remaining` and `fired`
    DELETE {server}/_replay/faults   clear the plan

Kinds (the table FAULT_KINDS; params and defaults in brackets):

    429             429 with `Retry-After` [retry_after=1 s; as_date=false sends an HTTP date]
    5xx             an error status [status=503]; a burst of N is `count=N`
    ratelimit       GitHub's exhausted primary limit: 403, `X-RateLimit-Remaining: 0` and
                    `X-RateLimit-Reset` (epoch seconds) [status=403, reset=2 s ahead, limit=60]
    reset           close the connection without answering (TCP RST)
    slow            wait before answering normally [delay=1.0 s]
    truncate        full `Content-Length` but only part of the body, then close [fraction=0.5]
    malformed-yaml  the file with a front matter YAML cannot parse
    huge-card       a README of `size` bytes generated while it is sent [size=50 MiB]
    binary-license  the file replaced by binary bytes (PNG-like, with NULs)
    non-utf8        the file re-encoded as cp1252, with non-ASCII characters added

Content faults (the last four) change a 200 file body: raw bytes, or the base64 `content` of a
GitHub contents object (where `huge-card` answers as GitHub does for files over 1 MB: no content).
They give the changed body its own ETag, so a client caching by ETag refetches the real file.
Other responses pass through unchanged.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from email.utils import formatdate
from typing import Any
from urllib.parse import urlencode

from tracker.replay.messages import Request, Response, json_response
from tracker.replay.routing import App, Route, route
from tracker.replay.snapshot import blob_sha

CONTROL_PATH = "/_replay/faults"
HUGE_CARD_SIZE = 50 * 1024 * 1024
_CHUNK = 64 * 1024
Params = Mapping[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What the server does for one request: the response, and how to send it.

    `response=None` resets the connection without answering. `delay` is slept before answering.
    `chunks`, when given, are sent instead of `response.body`; `length` is the Content-Length
    declared (the body's length by default), and `close` ends the connection after sending.
    """

    response: Response | None
    delay: float = 0.0
    chunks: Iterable[bytes] | None = None
    length: int | None = None
    close: bool = False


@dataclass(frozen=True)
class FaultKind:
    """One entry of the fault table: what it does and the params it takes (with defaults)."""

    name: str
    apply: Callable[[Request, App, Params], Outcome]
    defaults: Mapping[str, Any]


@dataclass
class FaultRule:
    """One rule of a plan; `remaining` counts down as it fires."""

    kind: str
    path: str = ".*"
    count: int = 1
    method: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    query: str | None = None  # a regex the query string must contain, e.g. "cursor=" (page 2+)
    remaining: int = field(init=False)
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _query: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._pattern = _compile(self.path, "path")
        self._query = None if self.query is None else _compile(self.query, "query")
        self.remaining = self.count

    @property
    def fired(self) -> int:
        return self.count - self.remaining

    def matches(self, request: Request) -> bool:
        if self.remaining <= 0 or (self.method and self.method.upper() != request.method):
            return False
        if self._query is not None and not self._query.search(urlencode(request.query)):
            return False
        return self._pattern.search(request.path) is not None

    def apply(self, request: Request, app: App) -> Outcome:
        return FAULT_KINDS[self.kind].apply(request, app, self.params)

    def to_json(self) -> dict[str, Any]:
        keys = ("kind", "path", "query", "count", "method", "params", "remaining")
        return {**{key: getattr(self, key) for key in keys}, "fired": self.fired}


class FaultPlan:
    """The rules a server consults before routing; safe to change while it serves."""

    def __init__(self, rules: Iterable[FaultRule] = ()) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        for rule in rules:
            self._append(rule)

    def add(
        self,
        kind: str,
        path: str = ".*",
        *,
        count: int = 1,
        method: str | None = None,
        query: str | None = None,
        **params: Any,
    ) -> FaultRule:
        """Add a rule; raises ValueError for an unknown kind, param or a bad regex."""
        return self._append(FaultRule(kind, path, count, method, dict(params), query))

    def add_spec(self, spec: Mapping[str, Any]) -> FaultRule:
        """Add a rule from its JSON form `{"kind", "path", "query", "count", "method",
        "params"}`."""
        keys = {"kind", "path", "query", "count", "method", "params"}
        if not isinstance(spec, Mapping) or "kind" not in spec or set(spec) - keys:
            raise ValueError(
                f"a fault needs 'kind' and takes path/query/count/method/params: {spec}"
            )
        params = spec.get("params") or {}
        if not isinstance(params, Mapping):
            raise ValueError("'params' must be an object")
        count = int(spec.get("count", 1))
        method = None if spec.get("method") is None else str(spec["method"])
        path = str(spec.get("path", ".*"))
        query = None if spec.get("query") is None else str(spec["query"])
        kind = str(spec["kind"])
        return self.add(kind, path, count=count, method=method, query=query, **params)

    def take(self, request: Request) -> FaultRule | None:
        """The first live rule for `request`, counted as fired; None when none matches."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(request):
                    rule.remaining -= 1
                    return rule
        return None

    def clear(self) -> int:
        """Remove every rule; returns how many there were."""
        with self._lock:
            cleared = len(self._rules)
            self._rules.clear()
        return cleared

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def _append(self, rule: FaultRule) -> FaultRule:
        validate(rule)
        with self._lock:
            self._rules.append(rule)
        return rule


def _compile(pattern: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(f"bad {what} regex {pattern!r}: {error}") from None


def validate(rule: FaultRule) -> None:
    """Raise ValueError naming what is wrong with `rule`; fill in default params."""
    kind = FAULT_KINDS.get(rule.kind)
    if kind is None:
        raise ValueError(f"unknown fault kind {rule.kind!r}; known: {', '.join(FAULT_KINDS)}")
    unknown = set(rule.params) - set(kind.defaults)
    if unknown:
        allowed = ", ".join(kind.defaults) or "none"
        raise ValueError(f"fault {rule.kind!r} takes params {allowed}, not {sorted(unknown)}")
    if rule.count < 1:
        raise ValueError("a fault's count must be at least 1")
    given = {name: _coerce(name, kind.defaults[name], value) for name, value in rule.params.items()}
    rule.params = {**kind.defaults, **given}
    if rule.kind == "5xx" and not 500 <= rule.params["status"] <= 599:
        raise ValueError("fault '5xx' needs a status from 500 to 599")


def _coerce(name: str, default: Any, value: Any) -> Any:
    """`value` as the type of the param's default (JSON may send 2 for 2.0, or "3" for 3)."""
    try:
        if isinstance(default, bool) or isinstance(value, bool):
            if isinstance(value, bool) and isinstance(default, bool):
                return value
            raise ValueError
        return type(default)(value)
    except (TypeError, ValueError):
        raise ValueError(f"param {name!r} must be a {type(default).__name__}") from None


# --- the kinds --------------------------------------------------------------------------------


def _too_many_requests(request: Request, app: App, params: Params) -> Outcome:
    seconds = float(params["retry_after"])
    value = formatdate(time.time() + seconds, usegmt=True) if params["as_date"] else _num(seconds)
    body = {"error": "Rate limit reached. Please log in or use a HF access token"}
    return Outcome(json_response(body, 429, (("Retry-After", value),)))


def _server_error(request: Request, app: App, params: Params) -> Outcome:
    status = int(params["status"])
    return Outcome(json_response({"error": f"injected server error {status}"}, status))


def _rate_limited(request: Request, app: App, params: Params) -> Outcome:
    limit = int(params["limit"])
    headers = (
        ("X-RateLimit-Limit", str(limit)),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", str(int(time.time() + float(params["reset"])))),
        ("X-RateLimit-Used", str(limit)),
        ("X-RateLimit-Resource", "core"),
    )
    body = {
        "message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: "
        "Authenticated requests get a higher rate limit.)",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    }
    return Outcome(json_response(body, int(params["status"]), headers))


def _reset(request: Request, app: App, params: Params) -> Outcome:
    return Outcome(None)


def _slow(request: Request, app: App, params: Params) -> Outcome:
    return Outcome(app(request), delay=float(params["delay"]))


def _truncate(request: Request, app: App, params: Params) -> Outcome:
    response = app(request)
    cut = int(len(response.body) * float(params["fraction"]))
    if cut >= len(response.body):  # nothing would be missing: cut at least one byte
        cut = max(len(response.body) - 1, 0)
    return Outcome(response, chunks=(response.body[:cut],), length=len(response.body), close=True)


_BROKEN_YAML = "broken: [unclosed\n- a stray list item after a mapping\n"


def malformed_yaml(data: bytes) -> bytes:
    """The file with a YAML front matter that cannot parse (a new one when it had none)."""
    text = data.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith("---") and "\n" in stripped:
        head, rest = stripped.split("\n", 1)
        return f"{head}\n{_BROKEN_YAML}{rest}".encode()
    return f"---\n{_BROKEN_YAML}---\n{text}".encode()


def binary_license(data: bytes) -> bytes:
    """Binary bytes in place of a license text: a PNG signature, NULs and every byte value."""
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16


_NON_ASCII = "\nCafé, naïve, “smart quotes” — © 2024, 10 € per month, ½ price.\n"


def non_utf8(data: bytes) -> bytes:
    """The text re-encoded as cp1252 (Windows Latin-1), with non-ASCII characters added."""
    text = data.decode("utf-8", errors="replace") + _NON_ASCII
    return text.encode("cp1252", errors="replace")


def huge_card_chunks(size: int) -> Iterator[bytes]:
    """A valid model card of exactly `size` bytes, made one 64 KiB block at a time."""
    head = b"---\nlicense: mit\ntags:\n- huge-card\n---\n# A very large model card\n\n"
    line = b"This card repeats one line to test how clients cope with very large files.\n"
    block = (line * (_CHUNK // len(line) + 1))[:_CHUNK]
    yield head[:size]
    remaining = size - min(size, len(head))
    while remaining > 0:
        piece = block[: min(remaining, _CHUNK)]
        remaining -= len(piece)
        yield piece


def _content_fault(change: Callable[[bytes], bytes]) -> Callable[[Request, App, Params], Outcome]:
    def apply(request: Request, app: App, params: Params) -> Outcome:
        response = app(_unconditional(request))
        if response.status != 200:
            return Outcome(response)
        contents = _contents_object(response)
        if contents is None:
            return Outcome(_with_body(response, change(response.body)))
        data = change(base64.b64decode(str(contents["content"])))
        return Outcome(_contents_response(response, contents, data))

    return apply


def _huge_card(request: Request, app: App, params: Params) -> Outcome:
    size = int(params["size"])
    response = app(_unconditional(request))
    if response.status != 200:
        return Outcome(response)
    contents = _contents_object(response)
    if contents is not None:  # GitHub leaves `content` empty for files over 1 MB
        payload = {**contents, "content": "", "encoding": "none", "size": size}
        return Outcome(_replace_json(response, payload))
    headers = _replace_header(response.headers, "ETag", f'"huge-card-{size}"')
    empty = replace(response, body=b"", headers=headers)
    return Outcome(empty, chunks=huge_card_chunks(size), length=size)


FAULT_KINDS: dict[str, FaultKind] = {
    kind.name: kind
    for kind in (
        FaultKind("429", _too_many_requests, {"retry_after": 1, "as_date": False}),
        FaultKind("5xx", _server_error, {"status": 503}),
        FaultKind("ratelimit", _rate_limited, {"status": 403, "reset": 2, "limit": 60}),
        FaultKind("reset", _reset, {}),
        FaultKind("slow", _slow, {"delay": 1.0}),
        FaultKind("truncate", _truncate, {"fraction": 0.5}),
        FaultKind("malformed-yaml", _content_fault(malformed_yaml), {}),
        FaultKind("huge-card", _huge_card, {"size": HUGE_CARD_SIZE}),
        FaultKind("binary-license", _content_fault(binary_license), {}),
        FaultKind("non-utf8", _content_fault(non_utf8), {}),
    )
}


# --- helpers for content faults ---------------------------------------------------------------


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _unconditional(request: Request) -> Request:
    """The request without If-None-Match / Range, so the app answers with the whole file."""
    dropped = {"if-none-match", "if-modified-since", "range"}
    headers = {k: v for k, v in request.headers.items() if k not in dropped}
    return replace(request, headers=headers)


def _contents_object(response: Response) -> dict[str, Any] | None:
    """The body as a GitHub contents object with base64 content, else None."""
    if "json" not in (response.header("content-type") or ""):
        return None
    try:
        payload = json.loads(response.body)
    except ValueError:
        return None
    if isinstance(payload, dict) and payload.get("encoding") == "base64":
        return payload
    return None


def _with_body(response: Response, body: bytes) -> Response:
    headers = _replace_header(response.headers, "ETag", f'"{blob_sha(body)}"')
    return replace(response, body=body, headers=headers)


def _contents_response(response: Response, contents: dict[str, Any], data: bytes) -> Response:
    encoded = base64.b64encode(data).decode()
    wrapped = "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))
    payload = {**contents, "content": wrapped, "size": len(data), "sha": blob_sha(data)}
    return _replace_json(response, payload)


def _replace_json(response: Response, payload: dict[str, Any]) -> Response:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return _with_body(response, body)


def _replace_header(
    headers: tuple[tuple[str, str], ...], name: str, value: str
) -> tuple[tuple[str, str], ...]:
    kept = tuple((k, v) for k, v in headers if k.lower() != name.lower())
    return (*kept, (name, value))


# --- control over HTTP ------------------------------------------------------------------------


def control_routes(plan: FaultPlan) -> list[Route]:
    """`/_replay/faults`: GET lists, POST adds (an object or a list), DELETE clears."""

    def listing(request: Request, groups: Mapping[str, str]) -> Response:
        return json_response([rule.to_json() for rule in plan.rules])

    def add(request: Request, groups: Mapping[str, str]) -> Response:
        try:
            specs = json.loads(request.body or b"null")
            specs = specs if isinstance(specs, list) else [specs]
            added = [plan.add_spec(spec) for spec in specs]
        except (ValueError, TypeError) as error:
            return json_response({"error": f"bad fault: {error}"}, 400)
        return json_response([rule.to_json() for rule in added], 201)

    def clear(request: Request, groups: Mapping[str, str]) -> Response:
        return json_response({"cleared": plan.clear()})

    return [
        route("GET", CONTROL_PATH, listing),
        route("POST", CONTROL_PATH, add),
        route("DELETE", CONTROL_PATH, clear),
    ]
