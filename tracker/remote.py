"""Fetching a remote audit target (a Hub repo or a GitHub repo) into an `auditors.repo.RepoView`.

Only the files an audit reads are fetched: the card (README / MODEL_CARD) and the top-level
license-like files (LICENSE*, COPYING*, NOTICE, USE_POLICY...). Clients are built from `Settings`,
so pointing `hf_endpoint` / `github_api_url` at a mirror or at the local replay server is all a
test needs. Third-party exceptions are translated here, once per service, into
`tracker.errors.TargetNotFound` (the repo does not exist or is not visible) and `FetchError`
(anything else: HTTP errors, timeouts, refused connections). Messages name the repo, the URL, the
status and the server's message; tokens are never part of them.

Model info comes from `huggingface_hub` (`HfApi.model_info`); the files, and everything from
GitHub, are GETs through the tracker's HTTP layer (tracker.http: retries with backoff,
rate-limit waits, per-host limits, conditional requests, tokens scoped to their base URL).

Credentials come only from `Settings` (`HF_TOKEN`, `GITHUB_TOKEN`); a token stored by
`hf auth login` is not picked up implicitly. `huggingface_hub` is imported inside the Hub
functions: it costs ~0.3 s, which a local-directory audit must not pay.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from auditors.repo import CARD_NAMES, MAX_TEXT_BYTES, RepoFile, RepoView
from tracker.errors import BodyTooLarge, FetchError, TargetNotFound
from tracker.http import HttpClient, HttpConfig
from tracker.settings import Settings

if TYPE_CHECKING:
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import ModelInfo

GITHUB_ACCEPT = "application/vnd.github+json"
GITHUB_API_VERSION = "2022-11-28"


def is_audited_file(path: str) -> bool:
    """A top-level card or license-like file: what a remote audit downloads."""
    return "/" not in path and (path in CARD_NAMES or RepoFile(path, None, 0).is_license_file)


# --- Hugging Face Hub -------------------------------------------------------------------------


def fetch_hub_repo(repo_id: str, settings: Settings, http: HttpClient | None = None) -> RepoView:
    """The card, license files and card metadata of Hub model repo `repo_id`."""
    return fetch_hub_files(hub_model_info(repo_id, settings), settings, http)


def hub_model_info(repo_id: str, settings: Settings) -> ModelInfo:
    """The Hub's model info for `repo_id` (revision sha, siblings, card data)."""
    with hub_errors(repo_id, settings):
        return _hub_api(settings).model_info(repo_id, timeout=settings.http_timeout)


def fetch_hub_files(
    info: ModelInfo, settings: Settings, http: HttpClient | None = None
) -> RepoView:
    """Download the audited files of the repo `info` describes, pinned to its revision.

    Each file is one GET of the Hub's resolve URL (`hf_hub_url`) through the tracker's HTTP
    layer (retries, per-host limits, the token for `hf_endpoint` only). `hf_hub_download` would
    add a HEAD and a cache on disk per file, which a scrape of thousands of repos, reading each
    file once, pays for and never uses (5x the CPU of the GET here). A file over
    `MAX_TEXT_BYTES` is recorded as too large, unread.
    """
    from huggingface_hub import hf_hub_url

    view = RepoView(name=info.id, repo_id=info.id, hub_metadata=hub_metadata(info))
    with _hub_files_client(settings, http) as client:
        for filename in audited_siblings(info):
            url = hf_hub_url(info.id, filename, revision=info.sha, endpoint=settings.hf_endpoint)
            try:
                data = client.get(url).content
            except BodyTooLarge as error:
                view.add(RepoFile.too_large(filename, error.size))
                continue
            except FetchError as error:
                if error.status in (401, 403):  # model info is public, the files are gated
                    raise FetchError(error.url, _gated(error.reason), error.status) from error
                raise
            view.add(RepoFile.from_bytes(filename, data))
    return view


def hub_files_client(settings: Settings, max_concurrency: int = 4) -> HttpClient:
    """The client `fetch_hub_files` uses: stops reading a file past `MAX_TEXT_BYTES`."""
    config = HttpConfig(
        timeout=settings.http_timeout, max_bytes=MAX_TEXT_BYTES, max_concurrency=max_concurrency
    )
    return HttpClient.from_settings(settings, config)


@contextmanager
def _hub_files_client(settings: Settings, shared: HttpClient | None) -> Iterator[HttpClient]:
    if shared is not None:
        yield shared
        return
    with hub_files_client(settings) as own:
        yield own


def fetch_hub_license(repo_id: str, settings: Settings) -> tuple[str | None, str | None]:
    """(license id, license_name) declared by Hub repo `repo_id`; (None, None) if it is absent.

    Used for lineage: the license of a base model. The id comes from the card data, or failing
    that from the Hub's `license:` tag; a list of licenses is joined with ", ".
    """
    try:
        with hub_errors(repo_id, settings):
            info = _hub_api(settings).model_info(repo_id, timeout=settings.http_timeout)
    except TargetNotFound:
        return None, None
    card = card_dict(info)
    license_id = _license_text(card.get("license")) or _license_from_tags(info.tags or [])
    return license_id, _license_text(card.get("license_name"))


def audited_siblings(info: ModelInfo) -> list[str]:
    """The sibling files a remote audit downloads, sorted."""
    return sorted(s.rfilename for s in info.siblings or () if is_audited_file(s.rfilename))


def hub_metadata(info: ModelInfo) -> dict[str, Any]:
    """Card data as a plain dict, with the Hub's computed `tags` and its `pipeline_tag`."""
    metadata = card_dict(info)
    if info.tags is not None:
        metadata["tags"] = list(info.tags)
    if info.pipeline_tag is not None:
        metadata["pipeline_tag"] = info.pipeline_tag
    return metadata


def card_dict(info: ModelInfo) -> dict[str, Any]:
    """The card data as a plain dict ({} when the repo has no card metadata).

    What `CardData.to_dict()` returns, without its deep copy of every value (half a millisecond
    a model in a bulk scrape): nothing here changes the nested values, only the top level.
    """
    data = info.card_data
    if data is None:
        return {}
    fields = dict(vars(data))
    to_dict = getattr(data, "_to_dict", None)
    if not callable(to_dict):  # a huggingface_hub without the hook: the public way
        return dict(data.to_dict())  # type: ignore[no-untyped-call]
    to_dict(fields)
    return {key: value for key, value in fields.items() if value is not None}


def _hub_api(settings: Settings) -> HfApi:
    from huggingface_hub import HfApi

    # "Invalid model-index. Not loading eval results into CardData." once per such card: the
    # tracker reads no eval results from card data, and thousands of these bury the progress.
    logging.getLogger("huggingface_hub.repocard_data").setLevel(logging.ERROR)

    return HfApi(endpoint=settings.hf_endpoint, token=_hf_token(settings))


def _hf_token(settings: Settings) -> str | bool:
    """The token from settings, or False: never a token huggingface_hub finds on its own."""
    return settings.hf_token or False


def _license_text(value: Any) -> str | None:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or None
    return str(value) if value else None


def _license_from_tags(tags: list[str]) -> str | None:
    found = [tag.removeprefix("license:") for tag in tags if tag.startswith("license:")]
    return ", ".join(found) or None


@contextmanager
def hub_errors(repo_id: str, settings: Settings) -> Iterator[None]:
    """Translate huggingface_hub's exceptions into TargetNotFound / FetchError, in one place."""
    from huggingface_hub import errors as hf

    url = f"{settings.hf_endpoint}/{repo_id}"
    unreachable: tuple[type[BaseException], ...] = (OSError, *_hf_transport_errors())
    try:
        yield
    except hf.GatedRepoError as error:
        raise FetchError(
            _hf_url(error, url), _gated(_hf_reason(error)), _hf_status(error)
        ) from error
    except hf.RepositoryNotFoundError as error:
        reason = f"no such model repo at {settings.hf_endpoint} (private repos need HF_TOKEN)"
        raise TargetNotFound(repo_id, reason) from error
    except hf.HfHubHTTPError as error:
        raise FetchError(_hf_url(error, url), _hf_reason(error), _hf_status(error)) from error
    except hf.HFValidationError as error:
        raise TargetNotFound(repo_id, f"not a valid Hub repo id ({error})") from error
    except unreachable as error:
        raise FetchError(url, f"could not reach the Hub: {_cause(error)}") from error


def _gated(reason: str) -> str:
    return f"gated repo, {reason} (request access on the Hub and set HF_TOKEN)"


def _hf_transport_errors() -> tuple[type[Exception], ...]:
    """The HTTP library's transport errors (httpx2 for huggingface_hub 2.x, else httpx)."""
    try:
        import httpx2

        return (httpx2.TransportError, httpx.TransportError)
    except ImportError:
        return (httpx.TransportError,)


def _hf_status(error: Any) -> int | None:
    response = getattr(error, "response", None)
    return getattr(response, "status_code", None)


def _hf_url(error: Any, default: str) -> str:
    response = getattr(error, "response", None)
    return str(response.url) if response is not None else default


def _hf_reason(error: Any) -> str:
    status = _hf_status(error)
    message = getattr(error, "server_message", None) or str(error).strip().splitlines()[0]
    return f"HTTP {status}: {message}" if status else str(message)


def _cause(error: BaseException) -> str:
    """The innermost cause's message (huggingface_hub wraps connection errors)."""
    while error.__cause__ is not None:
        error = error.__cause__
    return f"{type(error).__name__}: {error}"


# --- GitHub -----------------------------------------------------------------------------------

_GITHUB_URL = re.compile(
    r"^(?:(?:https?://)?(?:www\.)?github\.com/)?(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+?)"
    r"(?:\.git)?/?$"
)


@dataclass(frozen=True)
class GitHubRepo:
    """The parts of GitHub's repository object that an audit uses."""

    full_name: str  # after a rename GitHub redirects; this is the current name

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> GitHubRepo:
        return cls(str(payload["full_name"]))


@dataclass(frozen=True)
class GitHubEntry:
    """One item of a contents listing."""

    path: str
    type: str

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> GitHubEntry:
        return cls(str(payload["path"]), str(payload["type"]))


def parse_github_target(url_or_slug: str) -> tuple[str, str]:
    """(owner, name) from `https://github.com/o/n(.git)(/)`, `github.com/o/n` or `o/n`."""
    match = _GITHUB_URL.match(url_or_slug.strip())
    if match is None:
        expected = "expected https://github.com/OWNER/NAME or OWNER/NAME"
        raise TargetNotFound(url_or_slug, f"not a GitHub repository ({expected})")
    return match.group("owner"), match.group("name")


def fetch_github_repo(url_or_slug: str, settings: Settings) -> RepoView:
    """The README, card and license-like files of a GitHub repo, read through the REST API."""
    view, _ = fetch_github_repo_if_changed(url_or_slug, settings, etag=None)
    assert view is not None
    return view


def fetch_github_repo_if_changed(
    url_or_slug: str, settings: Settings, etag: str | None
) -> tuple[RepoView | None, str | None]:
    """Like `fetch_github_repo`, but asks for the repo with `If-None-Match: etag` first.

    Any push changes the repo resource (its `pushed_at`), so a 304 there means nothing to
    fetch: (None, etag) costs one conditional request, which GitHub does not count against
    the rate limit. Otherwise (view, the repo resource's new ETag).
    """
    owner, name = parse_github_target(url_or_slug)
    view = RepoView(name=url_or_slug)
    with github_client(settings) as client:
        api = _GitHubApi(client, settings.github_api_url, url_or_slug)
        payload, new_etag = api.get_json_if_changed(f"/repos/{owner}/{name}", etag)
        if payload is None:
            return None, etag
        repo = GitHubRepo.from_json(payload)
        for file in _audited_files(api, repo):
            view.add(file)
    return view, new_etag


def _audited_files(api: _GitHubApi, repo: GitHubRepo) -> Iterator[RepoFile]:
    """The preferred README (any name GitHub accepts), then top-level card and license files.

    No `ref` is sent: GitHub answers from the default branch.
    """
    readme = api.get_json(f"/repos/{repo.full_name}/readme", missing_ok=True)
    seen = set()
    if readme is not None:
        seen.add(readme["path"])
        yield repo_file(readme)
    for entry in api.listing(repo.full_name):
        if entry.type == "file" and is_audited_file(entry.path) and entry.path not in seen:
            yield repo_file(api.get_json(f"/repos/{repo.full_name}/contents/{entry.path}"))


def github_client(settings: Settings) -> HttpClient:
    """The tracker's HTTP layer set up for the GitHub REST API: its media type and version,
    and the token (if set) sent to `github_api_url` only."""
    headers = {"Accept": GITHUB_ACCEPT, "X-GitHub-Api-Version": GITHUB_API_VERSION}
    return HttpClient(
        HttpConfig(timeout=settings.http_timeout),
        tokens={settings.github_api_url: settings.github_token},
        headers=headers,
    )


def repo_file(content: Mapping[str, Any]) -> RepoFile:
    """A RepoFile from a contents object (base64 `content`; empty for files over 1 MB)."""
    path, size = str(content["path"]), int(content.get("size") or 0)
    if content.get("encoding") != "base64":
        return RepoFile(path, None, size, "too large for the GitHub contents API (over 1 MB)")
    return RepoFile.from_bytes(path, base64.b64decode(str(content.get("content") or "")))


class _GitHubApi:
    """GET helpers that translate HTTP failures into tracker errors, in one place. Retries,
    rate-limit waits and conditional requests are the HTTP layer's (tracker.http)."""

    def __init__(self, client: HttpClient, base_url: str, target: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.target = target

    def listing(self, full_name: str) -> list[GitHubEntry]:
        items = self.get_json(f"/repos/{full_name}/contents")
        if not isinstance(items, list):
            return []
        return [GitHubEntry.from_json(item) for item in items]

    def get_json(self, path: str, *, missing_ok: bool = False) -> Any:
        return self._get(path, None, missing_ok)[0]

    def get_json_if_changed(self, path: str, etag: str | None) -> tuple[Any, str | None]:
        """(payload, ETag), or (None, etag) when the server answers 304 Not Modified."""
        return self._get(path, etag, False)

    def _get(self, path: str, etag: str | None, missing_ok: bool) -> tuple[Any, str | None]:
        url = f"{self.base_url}/{path.lstrip('/')}"
        try:
            result = self.client.get(url, etag=etag)
        except FetchError as error:
            if error.status == 404:
                if missing_ok:
                    return None, None
                reason = f"not found at {url} (private repos need GITHUB_TOKEN)"
                raise TargetNotFound(self.target, reason) from error
            if error.status is None:
                reason = f"could not reach the GitHub API: {error.reason}"
                raise FetchError(url, reason) from error
            raise FetchError(url, _rate_limit_hint(error), error.status) from error
        if result.not_modified:
            return None, etag
        return result.json(), result.etag


def _rate_limit_hint(error: FetchError) -> str:
    """GitHub's reason, with what to do about it when it is the rate limit."""
    if error.status in (403, 429) and "rate limit" in error.reason.lower():
        return error.reason + " (rate limited: set GITHUB_TOKEN or retry after x-ratelimit-reset)"
    return error.reason
