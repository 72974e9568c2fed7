"""The Hugging Face Hub endpoints, served from `<snapshot>/hub/<owner>/<name>/`.

Routes (paths as huggingface_hub builds them; see fixtures/hf/ENDPOINTS.md):

    GET       /api/models/{owner}/{name}                     model info (HfApi.model_info)
    GET       /api/models/{owner}/{name}/revision/{rev}      same, at a revision
    GET/HEAD  /{owner}/{name}/resolve/{rev}/{path}           a file (hf_hub_download)
    GET/HEAD  /{owner}/{name}/raw/{rev}/{path}               the same bytes

The model info is synthesised from the folder in the shape of the recorded real responses:
`sha` is a hash of the file contents, `siblings` lists the files, `cardData` is the README's YAML
front matter (found as huggingface_hub's own card parser finds it, so a front matter after a
blank line still counts), `tags` adds the tags the Hub derives (`license:`, `base_model:`,
`dataset:`, the library). `.model_info.json` in the repo folder overrides any key except the
ones that must agree with the files (`_id`, `id`, `modelId`, `sha`, `siblings`).

A repo whose overrides say `"gated": "manual"` (or `"auto"`) still shows its model info, but its
files answer 401 `GatedRepo` to requests without an `Authorization` header (any token passes).
A revision is `main` or the repo's `sha`. File responses carry what `hf_hub_download` requires:
`X-Repo-Commit`, an `ETag` (the git blob id), a correct `Content-Length`, and no Xet headers.
Errors are 404s with the Hub's `X-Error-Code` (RepoNotFound, RevisionNotFound, EntryNotFound).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tracker.replay.messages import Request, Response, apply_range, json_response
from tracker.replay.routing import Route, route
from tracker.replay.snapshot import SnapshotRepo, blob_sha, find_repo

MODEL_INFO_OVERRIDES = ".model_info.json"
_PROTECTED_KEYS = frozenset({"_id", "id", "modelId", "sha", "siblings"})
_ALWAYS_RETURNED = ("_id", "id")

# huggingface_hub.repocard.REGEX_YAML_BLOCK (v2.4), copied to keep this module free of the import.
_FRONT_MATTER = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
_SEGMENT = r"[^/]+"
#: The keys a model listing returns for each model (as the Hub does without `expand`).
LISTED_KEYS = (
    "_id",
    "id",
    "modelId",
    "likes",
    "downloads",
    "private",
    "tags",
    "pipeline_tag",
    "library_name",
    "lastModified",
    "sha",
)


def routes(hub_dir: Path) -> list[Route]:
    """The Hub's routing table over the repos in `hub_dir`."""
    hub = HubService(hub_dir)
    repo = rf"/(?P<owner>{_SEGMENT})/(?P<name>{_SEGMENT})"
    return [
        route("GET", r"/api/models/?", hub.list_models),
        route("GET", rf"/api/models{repo}", hub.model_info),
        route("GET", rf"/api/models{repo}/revision/(?P<revision>{_SEGMENT})", hub.model_info),
        route("GET", r"/api/models/.*", hub.repo_not_found),
        route("GET", rf"{repo}/(?:resolve|raw)/(?P<revision>{_SEGMENT})/(?P<path>.+)", hub.file),
    ]


class HubService:
    """Handlers for the Hub routes, reading repos from one folder."""

    def __init__(self, hub_dir: Path) -> None:
        self.hub_dir = hub_dir

    def model_info(self, request: Request, groups: Mapping[str, str]) -> Response:
        repo = find_repo(self.hub_dir, groups["owner"], groups["name"])
        if repo is None:
            return repo_not_found_response()
        revision = groups.get("revision")
        if revision is not None and revision not in ("main", repo.commit_sha()):
            return revision_not_found_response(revision)
        info = model_info_json(repo, with_blobs=request.param("blobs") == "true")
        return json_response(select_fields(info, request.params("expand")))

    def list_models(self, request: Request, groups: Mapping[str, str]) -> Response:
        """`/api/models?search=&filter=&limit=&full=&cardData=`: repos whose id contains
        `search` and which carry every `filter` tag, most downloaded first (one page; no
        cursor)."""
        found = self.listed(
            (request.param("search") or "").lower(),
            set(request.params("filter")),
            full=is_true(request.param("full")),
            card_data=is_true(request.param("cardData")),
        )
        limit = request.param("limit")
        return json_response(found[: int(limit)] if limit and limit.isdigit() else found)

    def listed(
        self, search: str, wanted: set[str], *, full: bool = False, card_data: bool = False
    ) -> list[dict[str, Any]]:
        """Listing items of the repos whose id contains `search` (lower case) and which carry
        every tag in `wanted`, most downloaded first (`full`, `card_data`: see listing_item)."""
        if not self.hub_dir.is_dir():
            return []
        found = []
        for owner in sorted(p for p in self.hub_dir.iterdir() if p.is_dir()):
            for folder in sorted(p for p in owner.iterdir() if p.is_dir()):
                repo = find_repo(self.hub_dir, owner.name, folder.name)
                if repo is None or search not in repo.full_name.lower():
                    continue
                info = model_info_json(repo)
                if wanted <= set(info["tags"]):
                    item = listing_item(info, full=full, card_data=card_data)
                    found.append({**dict.fromkeys(LISTED_KEYS), **item})
        found.sort(key=lambda i: -int(i["downloads"] or 0))
        return found

    def repo_not_found(self, request: Request, groups: Mapping[str, str]) -> Response:
        return repo_not_found_response()

    def file(self, request: Request, groups: Mapping[str, str]) -> Response:
        repo = find_repo(self.hub_dir, groups["owner"], groups["name"])
        if repo is None:
            return repo_not_found_response()
        commit = repo.commit_sha()
        if groups["revision"] not in ("main", commit):
            return revision_not_found_response(groups["revision"])
        if is_gated(repo) and request.header("authorization") is None:
            return gated_response(repo)
        data = repo.read(groups["path"])
        if data is None:
            return entry_not_found_response(commit)
        return apply_range(request, file_response(groups["path"], data, commit))


def file_response(path: str, data: bytes, commit: str) -> Response:
    """A non-LFS file as the Hub serves it from `/resolve/`."""
    filename = path.rsplit("/", 1)[-1]
    headers = (
        ("Content-Type", _content_type(filename)),
        ("ETag", f'"{blob_sha(data)}"'),
        ("X-Repo-Commit", commit),
        ("Accept-Ranges", "bytes"),
        ("Content-Disposition", f'inline; filename="{filename}"'),
    )
    return Response(200, data, headers)


def _content_type(filename: str) -> str:
    guessed, _ = mimetypes.guess_type(filename)
    if guessed is None or guessed.startswith("text/") or filename.endswith(".md"):
        return "text/plain; charset=utf-8"
    return guessed


def hub_error(status: int, code: str, message: str, *extra: tuple[str, str]) -> Response:
    """A Hub error: JSON `{"error": ...}` plus the `X-Error-Code`/`X-Error-Message` headers."""
    headers = (("X-Error-Code", code), ("X-Error-Message", message), *extra)
    return json_response({"error": message}, status, headers)


def repo_not_found_response() -> Response:
    return hub_error(404, "RepoNotFound", "Repository not found")


def revision_not_found_response(revision: str) -> Response:
    return hub_error(404, "RevisionNotFound", f"Invalid rev id: {revision}")


def entry_not_found_response(commit: str) -> Response:
    return hub_error(404, "EntryNotFound", "Entry not found", ("X-Repo-Commit", commit))


def is_gated(repo: SnapshotRepo) -> bool:
    """Gated by `"gated": "auto"|"manual"` in `.model_info.json`."""
    return bool(repo.control(MODEL_INFO_OVERRIDES).get("gated"))


def gated_response(repo: SnapshotRepo) -> Response:
    """What the Hub answers an anonymous download from a gated repo (any token is let through)."""
    message = (
        f"Access to model {repo.full_name} is restricted. You must have access to it and be "
        "authenticated to access it. Please log in."
    )
    return hub_error(401, "GatedRepo", message)


def model_info_json(repo: SnapshotRepo, with_blobs: bool = False) -> dict[str, Any]:
    """The `/api/models/{id}` body for a repo folder (keys as in the recorded responses)."""
    card = card_data(repo.read("README.md"))
    info: dict[str, Any] = {
        "_id": hashlib.sha1(repo.full_name.encode()).hexdigest()[:24],
        "id": repo.full_name,
        "modelId": repo.full_name,
        "author": repo.owner,
        "sha": repo.commit_sha(),
        "lastModified": repo.last_modified(),
        "private": False,
        "disabled": False,
        "gated": False,
        "downloads": 0,
        "likes": 0,
        "library_name": card.get("library_name") if card else None,
        "pipeline_tag": card.get("pipeline_tag") if card else None,
        "tags": hub_tags(card or {}),
        "cardData": card,
        "siblings": siblings(repo, with_blobs),
        "spaces": [],
        "usedStorage": repo.total_size(),
    }
    info = {key: value for key, value in info.items() if value is not None}
    overrides = repo.control(MODEL_INFO_OVERRIDES)
    info.update({k: v for k, v in overrides.items() if k not in _PROTECTED_KEYS})
    return info


def siblings(repo: SnapshotRepo, with_blobs: bool) -> list[dict[str, Any]]:
    """`[{"rfilename": ...}]`, with `size` and `blobId` when asked for (`blobs=true`)."""
    if not with_blobs:
        return [{"rfilename": rel} for rel in repo.files()]
    entries = []
    for rel in repo.files():
        data = (repo.root / rel).read_bytes()
        entries.append({"rfilename": rel, "size": len(data), "blobId": blob_sha(data)})
    return entries


def listing_item(
    info: dict[str, Any],
    listed_keys: tuple[str, ...] = LISTED_KEYS,
    *,
    expand: list[str] | tuple[str, ...] = (),
    full: bool = False,
    card_data: bool = False,
) -> dict[str, Any]:
    """A model info as one item of `/api/models`: `listed_keys`, plus the card data with
    `cardData=true`, plus the files, gating and card data with `full=true`; with `expand=...`
    only `_id`, `id` and the requested fields."""
    if expand:
        return select_fields(info, list(expand))
    keys = set(listed_keys)
    keys |= {"cardData"} if card_data or full else set()
    keys |= {"siblings", "gated", "disabled", "cardData"} if full else set()
    return {key: value for key, value in info.items() if key in keys}


def is_true(value: str | None) -> bool:
    """A boolean query parameter as the Hub reads it."""
    return value in ("true", "True", "1")


def select_fields(info: dict[str, Any], expand: list[str]) -> dict[str, Any]:
    """With `expand=...`, only `_id`, `id` and the requested fields come back."""
    if not expand:
        return info
    wanted = set(_ALWAYS_RETURNED) | set(expand)
    return {key: value for key, value in info.items() if key in wanted}


def card_data(readme: bytes | None) -> dict[str, Any] | None:
    """The README's YAML front matter as a dict, or None when there is none or it is invalid."""
    if readme is None:
        return None
    match = _FRONT_MATTER.search(readme.decode("utf-8", errors="replace"))
    if match is None:
        return None
    loaded = _safe_load(match.group(2))
    return loaded if isinstance(loaded, dict) else None


def _safe_load(text: str) -> Any:
    """`yaml.safe_load`, through libyaml when it can (the pure-Python parser cost the generated
    hub most of its time); None for YAML neither parser reads."""
    for loader in _LOADERS:
        try:
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError:
            continue
    return None


_LOADERS: tuple[type[Any], ...] = (
    *((yaml.CSafeLoader,) if hasattr(yaml, "CSafeLoader") else ()),
    yaml.SafeLoader,
)


def hub_tags(card: Mapping[str, Any]) -> list[str]:
    """Card tags plus the tags the Hub derives from the card's metadata."""
    tags = _strings(card.get("tags"))
    tags += _strings(card.get("library_name"))
    tags += [f"dataset:{name}" for name in _strings(card.get("datasets"))]
    tags += _strings(card.get("language"))
    tags += [f"license:{name}" for name in _strings(card.get("license"))]
    relation = card.get("base_model_relation")
    for base in _strings(card.get("base_model")):
        tags.append(f"base_model:{base}")
        if isinstance(relation, str):
            tags.append(f"base_model:{relation}:{base}")
    tags.append("region:us")
    return list(dict.fromkeys(tags))


def _strings(value: Any) -> list[str]:
    """A YAML value that may be a string or a list, as a list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int | float)]
    return []
