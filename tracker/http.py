"""One HTTP layer for every source: retries, per-host limits, conditional GETs, safe tokens.

    with HttpClient.from_settings(settings) as http:
        first = http.get(url)                        # HttpResult: status, headers, content, etag
        again = http.get(url, etag=first.etag)       # again.not_modified when the server says 304

`HttpClient` wraps one `httpx.Client` and is safe to share between threads (a scrape may use a
thread pool). What it does, in order, for each attempt of a GET:

- **Per-host pacing and concurrency.** Each host (`host:port`) has a gate: at most
  `max_concurrency` requests in flight (a `BoundedSemaphore`), starts at least `min_interval`
  seconds apart, and none before a rate-limit wait the host asked for has passed, whichever
  thread it asked.
- **Retries** on 429, 500, 502, 503, 504, on a 403 that says the rate limit is exhausted
  (`X-RateLimit-Remaining: 0`, or `Retry-After`), on timeouts, and on network and remote protocol
  errors (connection reset, a body cut short): up to `max_retries` more attempts. A wait the
  server gives is honoured as given (`Retry-After` in seconds or as an HTTP date, else GitHub's
  `X-RateLimit-Reset` epoch when `X-RateLimit-Remaining` is 0, else the Hub's
  `RateLimit: "api";r=0;t=N`); a wait longer than `max_wait` is not waited out: the GET fails at
  once. Without a server wait, the wait is exponential backoff with full jitter:
  `uniform(0, min(backoff_cap, backoff_base * 2 ** (attempt - 1)))`.
- **Failures** raise `tracker.errors.FetchError(url, reason, status)` with a one-line reason: at
  once for other 4xx (404 included) and for errors a retry cannot fix (a bad URL, too many
  redirects, a body over `max_bytes`), else after the last attempt.
- **Tokens** are given per base URL (`{"https://api.github.com": token}`); the `Authorization`
  header goes only to URLs under that base (the longest base wins), and httpx drops it on a
  redirect to another origin. Tokens never appear in reasons, logs, events or `repr()`.
- **Events**: every attempt is recorded as an `HttpEvent` (url, attempt, status or exception
  name, the wait before the next attempt) in `client.events` (the latest `event_history`) and
  passed to `on_event`, for progress display and for tests.

`sleep` is injectable (`time.sleep` by default) so tests can record waits instead of sleeping.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import httpx

from tracker.errors import BodyTooLarge, ConfigError, FetchError
from tracker.settings import DEFAULT_HTTP_TIMEOUT, Settings

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Errors another attempt may fix; other httpx errors (bad URL, redirect loop) fail at once.
RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_TOKEN = re.compile(r"[\x21-\x7e]+")  # visible ASCII: a header value that cannot be split
_HF_RATELIMIT = re.compile(r"\br=(\d+)\s*;\s*t=(\d+)")


@functools.cache
def user_agent() -> str:
    """`genai-tracker/<version>`; looked up on first use (package metadata costs ~20 ms)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"genai-tracker/{version('genai-tracker')}"
    except PackageNotFoundError:
        return "genai-tracker/0+unknown"


@dataclass(frozen=True)
class HttpConfig:
    """How patient and how polite a client is; times are in seconds."""

    timeout: float = DEFAULT_HTTP_TIMEOUT
    max_retries: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    #: The longest server-requested wait (Retry-After, rate-limit reset) a GET will wait out.
    max_wait: float = 60.0
    #: Per host: requests in flight at once, and the least time between two request starts.
    max_concurrency: int = 4
    min_interval: float = 0.0
    #: A larger body fails the GET (None: no limit).
    max_bytes: int | None = 20 * 1024 * 1024
    user_agent: str = field(default_factory=user_agent)
    event_history: int = 1000

    def __post_init__(self) -> None:
        if self.max_concurrency < 1 or self.max_retries < 0 or self.event_history < 0:
            raise ConfigError("max_concurrency must be >= 1, max_retries and event_history >= 0")


@dataclass(frozen=True)
class HttpEvent:
    """One attempt: its status (or the exception's name) and the wait before the next one."""

    url: str
    attempt: int
    status: int | None
    error: str | None
    wait: float

    @property
    def outcome(self) -> str:
        return str(self.status) if self.error is None else self.error


@dataclass(frozen=True)
class HttpResult:
    """A completed GET: the final URL (after redirects), status, headers and the whole body."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes
    etag: str | None

    @property
    def not_modified(self) -> bool:
        """True for a 304: the `etag` sent still names the current content."""
        return self.status == 304

    def json(self) -> Any:
        return json.loads(self.content)


class _HostGate:
    """Concurrency slots and start times for one host."""

    def __init__(self, max_concurrency: int, min_interval: float) -> None:
        self.slots = threading.BoundedSemaphore(max_concurrency)
        self.min_interval = min_interval
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._blocked_until = 0.0

    def reserve(self, now: float) -> float:
        """Book the next start time; returns how long to wait for it."""
        with self._lock:
            start = max(now, self._next_start, self._blocked_until)
            self._next_start = start + self.min_interval
        return start - now

    def block(self, until: float) -> None:
        """No request to this host starts before `until` (monotonic time)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, until)


class HttpClient:
    """A thread-safe GET client with retries, per-host gates and per-base tokens."""

    def __init__(
        self,
        config: HttpConfig | None = None,
        *,
        tokens: Mapping[str, str | None] | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_event: Callable[[HttpEvent], None] | None = None,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config or HttpConfig()
        self._tokens = _check_tokens(tokens or {})
        self._sleep = sleep
        self._on_event = on_event
        self._rng = rng or random.Random()
        self._events: deque[HttpEvent] = deque(maxlen=self.config.event_history)
        self._lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._client = httpx.Client(
            headers={"User-Agent": self.config.user_agent, **(headers or {})},
            timeout=self.config.timeout,
            follow_redirects=True,
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings, config: HttpConfig | None = None) -> HttpClient:
        """A client with the Hub and GitHub tokens of `settings`, each for its own base URL."""
        tokens = {settings.hf_endpoint: settings.hf_token}
        tokens[settings.github_api_url] = settings.github_token
        return cls(config or HttpConfig(timeout=settings.http_timeout), tokens=tokens)

    @property
    def events(self) -> list[HttpEvent]:
        with self._lock:
            return list(self._events)

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResult:
        """GET `url`, retrying what can be retried; raises FetchError when it cannot succeed."""
        target = str(httpx.URL(url).copy_merge_params(params)) if params else url
        request_headers = self._request_headers(url, etag, headers)
        gate = self._gate(url)
        for attempt in itertools.count(1):
            result = self._attempt(gate, target, attempt, request_headers)
            if result is None:
                continue
            if not should_retry(result):
                self._record(HttpEvent(target, attempt, result.status, None, 0.0))
                return self._checked(target, result, etag)
            self._retry_after_response(gate, target, attempt, result)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        c = self.config
        bases = sorted(self._tokens)
        return (
            f"HttpClient(timeout={c.timeout}, max_retries={c.max_retries}, "
            f"max_concurrency={c.max_concurrency}, min_interval={c.min_interval}, "
            f"authenticated_bases={bases})"
        )

    # --- one attempt -------------------------------------------------------------------------

    def _attempt(
        self, gate: _HostGate, url: str, attempt: int, headers: Mapping[str, str]
    ) -> HttpResult | None:
        """The response, or None after a retryable error (having waited); raises otherwise."""
        try:
            return self._send(gate, url, attempt, headers)
        except RETRYABLE_ERRORS as error:
            name, reason = type(error).__name__, _describe(error)
            self._sleep(self._plan_retry(url, attempt, name, reason, None, self._backoff(attempt)))
            return None
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            self._record(HttpEvent(url, attempt, None, type(error).__name__, 0.0))
            raise self._error(url, _describe(error), None) from error

    def _send(
        self, gate: _HostGate, url: str, attempt: int, headers: Mapping[str, str]
    ) -> HttpResult:
        with gate.slots:
            wait = gate.reserve(time.monotonic())
            if wait > 0:
                self._sleep(wait)
            with self._client.stream("GET", url, headers=headers) as response:
                content = self._read(url, attempt, response)
        etag = response.headers.get("etag")
        return HttpResult(str(response.url), response.status_code, response.headers, content, etag)

    def _read(self, url: str, attempt: int, response: httpx.Response) -> bytes:
        """The body, refusing one over `max_bytes` before reading it where the size is declared."""
        limit = self.config.max_bytes
        declared = response.headers.get("content-length", "")
        if limit is not None and declared.isdigit() and int(declared) > limit:
            self._too_large(url, attempt, response.status_code, int(declared))
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if limit is not None and len(body) > limit:
                self._too_large(url, attempt, response.status_code, len(body))
        return bytes(body)

    def _too_large(self, url: str, attempt: int, status: int, size: int) -> None:
        self._record(HttpEvent(url, attempt, status, "TooLarge", 0.0))
        assert self.config.max_bytes is not None
        raise BodyTooLarge(url, size, self.config.max_bytes, status)

    # --- retries -----------------------------------------------------------------------------

    def _retry_after_response(
        self, gate: _HostGate, url: str, attempt: int, result: HttpResult
    ) -> None:
        """Wait before the next attempt, or raise when out of attempts or asked to wait long."""
        reason = f"HTTP {result.status}{_server_message(result)}"
        server_wait = retry_wait(result, time.time())
        if server_wait is None:
            backoff = self._backoff(attempt)
            self._sleep(self._plan_retry(url, attempt, None, reason, result.status, backoff))
            return
        self._plan_retry(url, attempt, None, reason, result.status, server_wait, server=True)
        gate.block(time.monotonic() + server_wait)  # the next _send waits, with every thread

    def _plan_retry(
        self,
        url: str,
        attempt: int,
        error: str | None,
        reason: str,
        status: int | None,
        wait: float,
        *,
        server: bool = False,
    ) -> float:
        """Record the attempt and return `wait`; raise FetchError if there is to be no retry."""
        c = self.config
        if attempt > c.max_retries:
            self._record(HttpEvent(url, attempt, status, error, 0.0))
            raise self._error(url, f"{reason} (gave up after {attempt} attempts)", status)
        if server and wait > c.max_wait:
            self._record(HttpEvent(url, attempt, status, error, 0.0))
            hint = f"the server asks to wait {wait:.0f} s, over max_wait={c.max_wait:g} s"
            raise self._error(url, f"{reason} ({hint})", status)
        self._record(HttpEvent(url, attempt, status, error, wait))
        logger.info("GET %s: %s; retry in %.2f s", url, reason, wait)
        return wait

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform over [0, min(cap, base * 2^(attempt-1))]."""
        ceiling = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (attempt - 1))
        with self._lock:
            return self._rng.uniform(0, ceiling)

    # --- helpers -----------------------------------------------------------------------------

    def _checked(self, url: str, result: HttpResult, etag: str | None) -> HttpResult:
        if result.status >= 400:
            reason = f"HTTP {result.status}{_server_message(result)}"
            raise self._error(url, reason, result.status)
        if result.not_modified and result.etag is None and etag is not None:
            return HttpResult(result.url, result.status, result.headers, result.content, etag)
        return result

    def _request_headers(
        self, url: str, etag: str | None, extra: Mapping[str, str] | None
    ) -> dict[str, str]:
        headers = dict(extra or {})
        if etag is not None:
            headers["If-None-Match"] = etag
        token = self._token_for(url)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def _token_for(self, url: str) -> str | None:
        """The token of the longest base URL that `url` is under."""
        bases = [b for b in self._tokens if url == b or url.startswith(b + "/")]
        return self._tokens[max(bases, key=len)] if bases else None

    def _gate(self, url: str) -> _HostGate:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = _HostGate(self.config.max_concurrency, self.config.min_interval)
                self._gates[host] = gate
        return gate

    def _record(self, event: HttpEvent) -> None:
        with self._lock:
            self._events.append(event)
        logger.debug("GET %s attempt %d: %s", event.url, event.attempt, event.outcome)
        if self._on_event is not None:
            self._on_event(event)

    def _error(self, url: str, reason: str, status: int | None) -> FetchError:
        """A FetchError whose reason is one line and names no token."""
        for token in self._tokens.values():
            reason = reason.replace(token, "***")
        return FetchError(url, " ".join(reason.split()), status)


def should_retry(result: HttpResult) -> bool:
    """A retryable status, or a 403 that is a rate limit (GitHub answers those with 403)."""
    if result.status in RETRY_STATUSES:
        return True
    headers = result.headers
    limited = headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers
    return result.status == 403 and limited


def retry_wait(result: HttpResult, now: float) -> float | None:
    """The wait the server asks for, in seconds from `now` (epoch), or None when it names none.

    In GitHub's documented order: `Retry-After`, then `X-RateLimit-Reset` when
    `X-RateLimit-Remaining` is 0; then the Hub's `RateLimit` header when `r=0`.
    """
    headers = result.headers
    retry_after = _retry_after_seconds(headers.get("retry-after", "").strip(), now)
    if retry_after is not None:
        return retry_after
    reset = headers.get("x-ratelimit-reset", "")
    if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
        return max(int(reset) - now, 0.0)
    match = _HF_RATELIMIT.search(headers.get("ratelimit", ""))
    if match is not None and match.group(1) == "0":
        return float(match.group(2))
    return None


def _retry_after_seconds(value: str, now: float) -> float | None:
    """`Retry-After` as seconds (`120`) or an HTTP date; None when absent or neither."""
    if value.isdigit():
        return float(value)
    try:
        return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError, IndexError):
        return None


def _server_message(result: HttpResult) -> str:
    """`: <message>` from the JSON body, the Hub's X-Error-Message or the text; else ''."""
    message = result.headers.get("x-error-message") or ""
    try:
        payload = json.loads(result.content)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        message = str(payload.get("message") or payload.get("error") or message)
    elif not message and result.content:
        message = result.content[:200].decode("utf-8", errors="replace")
    message = " ".join(message.split())[:200]
    return f": {message}" if message else ""


def _describe(error: Exception) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _check_tokens(tokens: Mapping[str, str | None]) -> dict[str, str]:
    """Tokens by base URL (no trailing slash), set ones only; each must be one visible word."""
    checked = {}
    for base, token in tokens.items():
        if not token:
            continue
        if not _TOKEN.fullmatch(token):
            raise ConfigError(f"the token for {base} has spaces or control characters")
        checked[base.rstrip("/")] = token
    return checked
