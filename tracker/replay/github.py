"""The GitHub REST endpoints, served from `<snapshot>/github/<owner>/<name>/` under a prefix.

Routes (relative to the API base `{server}/github-api`; see fixtures/github/ENDPOINTS.md):

    GET /repos/{owner}/{name}                   the repository object
    GET /repos/{owner}/{name}/license           the license file (base64) + detected license
    GET /repos/{owner}/{name}/readme            the README (base64)
    GET /repos/{owner}/{name}/contents[/{path}] a file (base64) or a directory listing
    GET {server}/github-raw/{owner}/{name}/{ref}/{path}   raw bytes (the `download_url`)

Send `Accept: application/vnd.github.raw` (or `...v3.raw`, `...raw+json`) to get raw bytes from
`readme` and `contents`. `ref` may be the default branch (`main`) or the folder's content hash.

GitHub detects licenses with licensee; this server does not try: a top-level LICENSE/COPYING
file is reported as `other` (spdx_id `NOASSERTION`), as GitHub does for texts it does not know,
unless `.github_license.json` in the repo folder gives the license object to report instead.
`.github_repo.json` overrides keys of the repository object (description, topics, dates...).
Unknown repos, paths and refs answer GitHub's 404 body `{"message": "Not Found", ...}`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracker.replay.messages import Request, Response, json_response
from tracker.replay.routing import Route, route
from tracker.replay.snapshot import SnapshotRepo, blob_sha, find_repo

PREFIX = "/github-api"
RAW_PREFIX = "/github-raw"
DEFAULT_BRANCH = "main"
LICENSE_OVERRIDE = ".github_license.json"
REPO_OVERRIDE = ".github_repo.json"
OTHER_LICENSE = {
    "key": "other",
    "name": "Other",
    "spdx_id": "NOASSERTION",
    "url": None,
    "node_id": "MDc6TGljZW5zZTA=",
}
RAW_TYPE = "application/vnd.github.v3.raw; charset=utf-8"
DOCS_URL = "https://docs.github.com/rest"

_LICENSE_NAME = re.compile(r"^(?:un)?licen[sc]e(?:[-_.].*)?$|^copying(?:[-_.].*)?$", re.I)
_README_NAME = re.compile(r"^readme(?:\.[A-Za-z0-9]+)?$", re.I)
_SEGMENT = r"[^/]+"


def routes(github_dir: Path) -> list[Route]:
    """GitHub's routing table over the repos in `github_dir`."""
    gh = GitHubService(github_dir)
    owner_name = rf"(?P<owner>{_SEGMENT})/(?P<name>{_SEGMENT})"
    repo = rf"{PREFIX}/repos/{owner_name}"
    return [
        route("GET", repo, gh.repository),
        route("GET", rf"{repo}/license", gh.license),
        route("GET", rf"{repo}/readme", gh.readme),
        route("GET", rf"{repo}/contents/?", gh.contents),
        route("GET", rf"{repo}/contents/(?P<path>.+)", gh.contents),
        route("GET", rf"{RAW_PREFIX}/{owner_name}/(?P<ref>{_SEGMENT})/(?P<path>.+)", gh.raw),
        route("GET POST PUT PATCH DELETE", rf"{PREFIX}(?:/.*)?", gh.not_found),
    ]


def not_found_response(message: str = "Not Found") -> Response:
    return json_response({"message": message, "documentation_url": DOCS_URL, "status": "404"}, 404)


class GitHubService:
    """Handlers for the GitHub routes, reading repos from one folder."""

    def __init__(self, github_dir: Path) -> None:
        self.github_dir = github_dir

    def _repo(self, groups: Mapping[str, str]) -> SnapshotRepo | None:
        return find_repo(self.github_dir, groups["owner"], groups["name"])

    def repository(self, request: Request, groups: Mapping[str, str]) -> Response:
        repo = self._repo(groups)
        if repo is None:
            return not_found_response()
        return json_response(repository_json(repo, request.base_url))

    def license(self, request: Request, groups: Mapping[str, str]) -> Response:
        repo = self._repo(groups)
        path = license_path(repo) if repo else None
        if repo is None or path is None or not _ref_ok(repo, request):
            return not_found_response()
        payload = file_json(repo, path, request.base_url)
        payload["license"] = detected_license(repo)
        return json_response(payload)

    def readme(self, request: Request, groups: Mapping[str, str]) -> Response:
        repo = self._repo(groups)
        path = readme_path(repo) if repo else None
        if repo is None or path is None or not _ref_ok(repo, request):
            return not_found_response()
        return _file_or_raw(repo, path, request)

    def contents(self, request: Request, groups: Mapping[str, str]) -> Response:
        repo = self._repo(groups)
        if repo is None:
            return not_found_response()
        if not _ref_ok(repo, request):
            return not_found_response(f"No commit found for the ref {request.param('ref')}")
        path = groups.get("path", "").strip("/")
        if path == "" or repo.is_dir(path):
            return json_response(directory_json(repo, path, request.base_url))
        if repo.read(path) is None:
            return not_found_response()
        return _file_or_raw(repo, path, request)

    def raw(self, request: Request, groups: Mapping[str, str]) -> Response:
        repo = self._repo(groups)
        data = repo.read(groups["path"]) if repo else None
        if repo is None or data is None or groups["ref"] not in _refs(repo):
            return Response(404, b"404: Not Found", (("Content-Type", "text/plain"),))
        return Response(200, data, (("Content-Type", "text/plain; charset=utf-8"),))

    def not_found(self, request: Request, groups: Mapping[str, str]) -> Response:
        return not_found_response()


def _refs(repo: SnapshotRepo) -> tuple[str, str]:
    return _default_branch(repo), repo.commit_sha()


def _ref_ok(repo: SnapshotRepo, request: Request) -> bool:
    ref = request.param("ref")
    return ref is None or ref in _refs(repo)


def _default_branch(repo: SnapshotRepo) -> str:
    return str(repo.control(REPO_OVERRIDE).get("default_branch", DEFAULT_BRANCH))


def _file_or_raw(repo: SnapshotRepo, path: str, request: Request) -> Response:
    if "raw" in (request.header("accept") or ""):
        media = (("X-GitHub-Media-Type", "github.v3; param=raw"),)
        return Response(200, repo.read(path) or b"", (("Content-Type", RAW_TYPE), *media))
    return json_response(file_json(repo, path, request.base_url))


def license_path(repo: SnapshotRepo) -> str | None:
    """The top-level file GitHub would take as the license: LICENSE* before COPYING*."""
    names = [f for f in repo.files() if "/" not in f and _LICENSE_NAME.match(f)]
    names.sort(key=lambda name: (name.lower().startswith("copying"), name))
    return names[0] if names else None


def readme_path(repo: SnapshotRepo) -> str | None:
    """The top-level README, preferring README.md."""
    names = [f for f in repo.files() if "/" not in f and _README_NAME.match(f)]
    names.sort(key=lambda name: (name != "README.md", name))
    return names[0] if names else None


def detected_license(repo: SnapshotRepo) -> dict[str, Any] | None:
    """The `license` object of the repo and license endpoints (None without a license file)."""
    if license_path(repo) is None:
        return None
    return {**OTHER_LICENSE, **repo.control(LICENSE_OVERRIDE)}


def repository_json(repo: SnapshotRepo, base_url: str) -> dict[str, Any]:
    """The `/repos/{owner}/{name}` body, with the keys a tracker reads (see ENDPOINTS.md §1)."""
    api = f"{base_url}{PREFIX}/repos/{repo.full_name}"
    repo_id = int(hashlib.sha1(repo.full_name.encode()).hexdigest()[:7], 16)
    stamp = repo.last_modified()[:19] + "Z"
    payload: dict[str, Any] = {
        "id": repo_id,
        "node_id": base64.b64encode(f"010:Repository{repo_id}".encode()).decode(),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": False,
        "owner": {"login": repo.owner, "type": "Organization"},
        "html_url": f"https://github.com/{repo.full_name}",
        "description": None,
        "fork": False,
        "url": api,
        "contents_url": api + "/contents/{+path}",
        "created_at": stamp,
        "updated_at": stamp,
        "pushed_at": stamp,
        "homepage": None,
        "size": repo.total_size() // 1024,
        "stargazers_count": 0,
        "forks_count": 0,
        "open_issues_count": 0,
        "archived": False,
        "disabled": False,
        "license": detected_license(repo),
        "topics": [],
        "visibility": "public",
        "default_branch": _default_branch(repo),
    }
    return {**payload, **repo.control(REPO_OVERRIDE)}


def entry_json(repo: SnapshotRepo, path: str, base_url: str) -> dict[str, Any]:
    """One contents entry (file or directory) without its content."""
    is_dir = repo.is_dir(path)
    data = b"" if is_dir else (repo.read(path) or b"")
    branch = _default_branch(repo)
    api = f"{base_url}{PREFIX}/repos/{repo.full_name}/contents/{path}?ref={branch}"
    html = f"https://github.com/{repo.full_name}/{'tree' if is_dir else 'blob'}/{branch}/{path}"
    sha = _tree_sha(repo, path) if is_dir else blob_sha(data)
    git = f"{base_url}{PREFIX}/repos/{repo.full_name}/git/{'trees' if is_dir else 'blobs'}/{sha}"
    raw = None if is_dir else f"{base_url}{RAW_PREFIX}/{repo.full_name}/{branch}/{path}"
    return {
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "size": len(data),
        "url": api,
        "html_url": html,
        "git_url": git,
        "download_url": raw,
        "type": "dir" if is_dir else "file",
        "_links": {"self": api, "git": git, "html": html},
    }


def file_json(repo: SnapshotRepo, path: str, base_url: str) -> dict[str, Any]:
    """A file's contents object: base64 wrapped every 60 characters, as GitHub sends it."""
    encoded = base64.b64encode(repo.read(path) or b"").decode()
    wrapped = "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))
    entry = entry_json(repo, path, base_url)
    links = entry.pop("_links")
    return {**entry, "content": wrapped, "encoding": "base64", "_links": links}


def directory_json(repo: SnapshotRepo, path: str, base_url: str) -> list[dict[str, Any]]:
    """The listing of directory `path` ("" for the root): its direct children."""
    prefix = f"{path}/" if path else ""
    children = {
        prefix + rel[len(prefix) :].split("/", 1)[0]
        for rel in repo.files()
        if rel.startswith(prefix)
    }
    return [entry_json(repo, child, base_url) for child in sorted(children)]


def _tree_sha(repo: SnapshotRepo, path: str) -> str:
    inside = [f for f in repo.files() if f.startswith(path + "/")]
    listing = "\n".join(f"{f} {blob_sha((repo.root / f).read_bytes())}" for f in inside)
    return hashlib.sha1(listing.encode()).hexdigest()
