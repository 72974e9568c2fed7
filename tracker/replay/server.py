"""The HTTP server that runs a replay App on 127.0.0.1 in a background thread.

`ReplayServer` owns the socket and the thread; what it answers is an App (see routing.py): the
snapshot services by default, or recorded fixtures (`ReplayServer.from_fixtures`), or a large
generated Hub from the corpus metadata beside a snapshot or alone (`ReplayServer.generated`,
generated.py). Every response is sent with a `Content-Length` equal to the bytes sent, over
HTTP/1.1 keep-alive, unless a fault says otherwise. `stop()` closes open client connections too
(and cuts `slow` faults short), so no thread or socket outlives the server.

Each request first meets the server's `FaultPlan` (`server.faults`, see faults.py): a matching
rule decides the answer (a 429, a reset, a truncated body...) instead of, or around, the App.
`/_replay/faults` (fault control) and `/_replay/stats` are answered by the server itself and are
never faulted. `server.stats` counts requests and how many were in flight at once.

Both the snapshot and the fixture Apps answer conditional GETs: a 200 without an `ETag` gets one
(the SHA-1 of its body, weak `W/"..."` for JSON as GitHub sends it), and a GET or HEAD whose
`If-None-Match` names the current ETag gets `304 Not Modified` with no body.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import struct
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from tracker.replay import github, hub
from tracker.replay.faults import FaultPlan, Outcome, control_routes
from tracker.replay.fixtures import fixtures_app
from tracker.replay.generated import DEFAULT_PAGE_SIZE, GeneratedHub
from tracker.replay.messages import HOP_BY_HOP, Request, Response, json_response
from tracker.replay.routing import App, Router, route

logger = logging.getLogger(__name__)


CONTROL_PREFIX = "/_replay/"


def snapshot_app(snapshot_dir: Path | None, generated: GeneratedHub | None = None) -> App:
    """The Hub and GitHub services over `snapshot_dir/hub` and `snapshot_dir/github`; with
    `generated`, its models too (the snapshot's Hub answers for repos it does not have)."""
    if generated is None:
        if snapshot_dir is None:
            raise ValueError("give a snapshot directory, a generated hub, or both")
        services = [*github.routes(snapshot_dir / "github"), *hub.routes(snapshot_dir / "hub")]
        return conditional(Router(services))
    if snapshot_dir is None:
        return conditional(Router(generated.routes()))
    fallback = hub.HubService(snapshot_dir / "hub")
    services = [*github.routes(snapshot_dir / "github"), *generated.routes(fallback)]
    return conditional(Router(services))


def conditional(app: App) -> App:
    """`app` with ETags on its 200s and `304 Not Modified` for a matching `If-None-Match`."""

    def answer(request: Request) -> Response:
        response = app(request)
        if response.status != 200 or request.method not in ("GET", "HEAD"):
            return response
        etag = response.header("etag")
        if etag is None:
            etag = body_etag(response)
            response = response.with_headers([("ETag", etag)])
        if etag_matches(request.header("if-none-match"), etag):
            return not_modified(response)
        return response

    return answer


def body_etag(response: Response) -> str:
    """A strong ETag from the body, weak (`W/"..."`) for JSON, as GitHub's API sends those."""
    digest = hashlib.sha1(response.body).hexdigest()
    return f'W/"{digest}"' if "json" in (response.header("content-type") or "") else f'"{digest}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110's weak comparison of `etag` against an `If-None-Match` list (or `*`)."""
    if not if_none_match:
        return False
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in wanted or etag.removeprefix("W/") in wanted


def not_modified(response: Response) -> Response:
    """The 304 for `response`: its validators and cache headers, no body."""
    keep = {"etag", "x-repo-commit", "cache-control", "last-modified", "vary", "date"}
    headers = tuple((k, v) for k, v in response.headers if k.lower() in keep)
    return Response(304, b"", headers)


class ReplayStats:
    """Counts of requests seen, and the most that were being answered at once.

    A request is "in flight" from when it is read until its answer starts to be written (a
    `slow` fault's delay included), so a client that waits for each answer before sending the
    next never shows more in flight than it has open requests.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = self.in_flight = self.max_in_flight = 0

    @contextmanager
    def track(self) -> Iterator[None]:
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def reset(self) -> None:
        with self._lock:
            self.requests = self.max_in_flight = 0

    def to_json(self) -> dict[str, int]:
        with self._lock:
            keys = ("requests", "in_flight", "max_in_flight")
            return {key: getattr(self, key) for key in keys}


class ReplayServer:
    """A local Hub + GitHub API server; use as a context manager or call start()/stop().

    The Hub endpoint is `.url` (give it to `HfApi(endpoint=...)` or `HF_ENDPOINT`); the GitHub
    API base is `.github_api_url` (`.url + "/github-api"`, for `GITHUB_API_URL`).
    """

    def __init__(
        self,
        snapshot_dir: Path | None = None,
        *,
        app: App | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        generated: GeneratedHub | None = None,
    ) -> None:
        if (snapshot_dir is None and generated is None) == (app is None):
            raise ValueError("give an app, or a snapshot_dir and/or a generated hub")
        snapshot = Path(snapshot_dir) if snapshot_dir is not None else None
        self.app: App = app if app is not None else snapshot_app(snapshot, generated)
        self.generated_hub = generated
        self.host = host
        self.port = port
        self.faults = faults if faults is not None else FaultPlan()
        self.stats = ReplayStats()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_fixtures(cls, fixtures_dir: Path, *, port: int = 0) -> ReplayServer:
        """A server replaying the recordings in `fixtures_dir` (e.g. shared/fixtures)."""
        return cls(app=conditional(fixtures_app(Path(fixtures_dir))), port=port)

    @classmethod
    def generated(
        cls,
        n: int | None = None,
        snapshot_dir: Path | None = None,
        *,
        parquet: Path | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        port: int = 0,
    ) -> ReplayServer:
        """A server for the first `n` models of the corpus parquet (all when None), plus the
        repos of `snapshot_dir` when given; see generated.py."""
        generated_hub = GeneratedHub(parquet, limit=n, page_size=page_size)
        return cls(snapshot_dir, generated=generated_hub, port=port)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, the Hub endpoint; only known once started."""
        if self._httpd is None:
            raise RuntimeError("the replay server is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def hub_endpoint(self) -> str:
        return self.url

    @property
    def github_api_url(self) -> str:
        return self.url + github.PREFIX

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._httpd = _HTTPServer((self.host, self.port), self.app, self.faults, self.stats)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"replay-server {self.url}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers open connections so stop() can close them."""

    daemon_threads = False
    block_on_close = True

    def __init__(
        self, address: tuple[str, int], app: App, faults: FaultPlan, stats: ReplayStats
    ) -> None:
        self.app = app
        self.faults = faults
        self.stats = stats
        self.control = Router(
            [*control_routes(faults), route("GET", "/_replay/stats", self._stats)]
        )
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def _stats(self, request: Request, groups: Mapping[str, str]) -> Response:
        return json_response(self.stats.to_json())

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handlers waiting on idle keep-alive connections so their threads end."""
        self.stopping.set()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("replay connection from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    """Turns one HTTP request into a Request, asks the App, writes the Response."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        request = self._read_request()
        with self.server.stats.track():
            outcome = self._outcome(request)
            if outcome.delay > 0:
                self.server.stopping.wait(outcome.delay)
        if outcome.response is None:
            self._reset()
        else:
            self._write(outcome.response, outcome, send_body=request.method != "HEAD")

    def _outcome(self, request: Request) -> Outcome:
        try:
            return self._route(request)
        except Exception as error:  # a handler bug must show up as a 500, not a hung client
            logger.exception("replay handler failed for %s %s", request.method, request.path)
            return Outcome(json_response({"error": f"replay server error: {error!r}"}, 500))

    def _route(self, request: Request) -> Outcome:
        """The control routes' answer, a fault's, or the App's."""
        if request.path.startswith(CONTROL_PREFIX):
            return Outcome(self.server.control(request))
        rule = self.server.faults.take(request)
        if rule is None:
            return Outcome(self.server.app(request))
        logger.debug("replay fault %s for %s %s", rule.kind, request.method, request.path)
        return rule.apply(request, self.server.app)

    def _read_request(self) -> Request:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        host, port = self.server.server_address[:2]
        return Request(
            method=self.command,
            path=parts.path,
            query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            base_url=f"http://{host!s}:{port}",
        )

    def _write(self, response: Response, outcome: Outcome, send_body: bool) -> None:
        self.log_request(response.status)
        self.send_response_only(response.status)
        names = {name.lower() for name, _ in response.headers}
        if "date" not in names:  # recorded responses keep their own Date
            self.send_header("Date", self.date_time_string())
        for name, value in response.headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        length = len(response.body) if outcome.length is None else outcome.length
        self.send_header("Content-Length", str(length))
        self.end_headers()
        chunks = (response.body,) if outcome.chunks is None else outcome.chunks
        for chunk in chunks if send_body else ():
            if chunk:
                self.wfile.write(chunk)
        if outcome.close:
            self.close_connection = True

    def _reset(self) -> None:
        """Close the connection with a TCP RST, without answering (linger on, timeout 0)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()  # the descriptor closes once finish() releases rfile/wfile

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("replay %s " + format, self.address_string(), *args)
