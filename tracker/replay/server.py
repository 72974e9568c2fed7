"""The HTTP server that runs a replay App on 127.0.0.1 in a background thread.

`ReplayServer` owns the socket and the thread; what it answers is an App (see routing.py): the
snapshot services by default, or recorded fixtures (`ReplayServer.from_fixtures`). Every response
is sent with a `Content-Length` equal to the bytes sent, over HTTP/1.1 keep-alive. `stop()` closes
open client connections too, so no thread or socket outlives the server.
"""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from tracker.replay import github, hub
from tracker.replay.fixtures import fixtures_app
from tracker.replay.messages import HOP_BY_HOP, Request, Response, json_response
from tracker.replay.routing import App, Router

logger = logging.getLogger(__name__)


def snapshot_app(snapshot_dir: Path) -> App:
    """The Hub and GitHub services over `snapshot_dir/hub` and `snapshot_dir/github`."""
    return Router([*github.routes(snapshot_dir / "github"), *hub.routes(snapshot_dir / "hub")])


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
    ) -> None:
        if (snapshot_dir is None) == (app is None):
            raise ValueError("give exactly one of snapshot_dir and app")
        self.app: App = app if app is not None else snapshot_app(Path(snapshot_dir or "."))
        self.host = host
        self.port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_fixtures(cls, fixtures_dir: Path, *, port: int = 0) -> ReplayServer:
        """A server replaying the recordings in `fixtures_dir` (e.g. shared/fixtures)."""
        return cls(app=fixtures_app(Path(fixtures_dir)), port=port)

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
        self._httpd = _HTTPServer((self.host, self.port), self.app)
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

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

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
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        request = self._read_request()
        try:
            response = self.server.app(request)
        except Exception as error:  # a handler bug must show up as a 500, not a hung client
            logger.exception("replay handler failed for %s %s", request.method, request.path)
            response = json_response({"error": f"replay server error: {error!r}"}, 500)
        self._write(response, send_body=request.method != "HEAD")

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

    def _write(self, response: Response, send_body: bool) -> None:
        self.log_request(response.status)
        self.send_response_only(response.status)
        names = {name.lower() for name, _ in response.headers}
        if "date" not in names:  # recorded responses keep their own Date
            self.send_header("Date", self.date_time_string())
        for name, value in response.headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body and response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("replay %s " + format, self.address_string(), *args)
