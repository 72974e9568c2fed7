"""A local replay server that answers like the Hugging Face Hub and the GitHub REST API.

Tests, benchmarks and `tracker demo` point the real clients (`huggingface_hub`, `httpx`) at it,
exactly as a user points them at a mirror; nothing is mocked and nothing leaves 127.0.0.1.

    with ReplayServer(Path("data/demo")) as server:
        HfApi(endpoint=server.url).model_info("CompVis/stable-diffusion-v1-4")
        httpx.get(server.github_api_url + "/repos/meta-llama/llama")

URL layout of one server (`server.url` is e.g. `http://127.0.0.1:54321`):

    {url}/api/models/{owner}/{name}[/revision/{rev}]   Hub model info         (hub.py)
    {url}/{owner}/{name}/resolve/{rev}/{path}          Hub files, HEAD + GET  (hub.py)
    {url}/github-api/repos/{owner}/{name}[/...]        GitHub REST API        (github.py)
    {url}/github-raw/{owner}/{name}/{ref}/{path}       GitHub raw files       (github.py)
    {url}/_replay/faults                               fault control          (faults.py)
    {url}/_replay/stats                                request counts         (server.py)

So the Hub endpoint (`HF_ENDPOINT`) is `server.url` and the GitHub API base (`GITHUB_API_URL`)
is `server.github_api_url`. A snapshot directory holds `hub/<owner>/<name>/<files>` and
`github/<owner>/<name>/<files>`, with optional control files (`.model_info.json`,
`.github_license.json`, `.github_repo.json`) overriding synthesised metadata.
`ReplayServer.from_fixtures(dir)` serves recorded real exchanges instead (fixtures.py), with the
Hub at `{url}/...` and GitHub at `{url}/github-api/...` as above.

Faults (a 429, a 5xx burst, a reset, a slow or truncated answer, a broken, huge, binary or
non-UTF-8 file) are injected per path and count with `server.faults.add(kind, path_regex, ...)`
or `POST {url}/_replay/faults`; each rule fires `count` times, then the path answers normally.
File routes answer `If-None-Match` with 304 when the ETag matches.

Modules: messages (Request/Response), routing (the route table and App type), snapshot (reading
a repo folder), hub, github, fixtures (the services), faults (fault injection), server (socket +
thread, stats).
Run `python -m tracker.replay SNAPSHOT_DIR [--port N]` to serve a snapshot by hand.
"""

from tracker.replay.faults import FAULT_KINDS, FaultPlan, FaultRule
from tracker.replay.messages import Request, Response
from tracker.replay.routing import App, Route, Router, route
from tracker.replay.server import ReplayServer, ReplayStats, snapshot_app

__all__ = [
    "FAULT_KINDS",
    "App",
    "FaultPlan",
    "FaultRule",
    "ReplayServer",
    "ReplayStats",
    "Request",
    "Response",
    "Route",
    "Router",
    "route",
    "snapshot_app",
]
