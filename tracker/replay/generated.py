"""A large, realistic Hub served virtually: the real models of the corpus metadata, no files.

`GeneratedHub` loads `../shared/corpus/meta/model_info.parquet` (74,970 real models from Liang et
al., "What's documented in AI?") into compact arrays and answers the Hub routes for any of them,
building each answer on request:

    model info   id, author, downloads, createdAt and pipeline_tag (the parquet's `task_category`)
                 are the model's real values; `cardData` and the card-derived tags come from its
                 README; `likes` is 0 (the parquet has no likes); `lastModified` is `createdAt`
    README.md    for models the parquet marks `has_modelcard`: an unmodified corpus card
                 (`corpus/cards/*.md`), chosen by a hash of the repo id
    LICENSE      for about half the models whose card declares a license (or `license_name`)
                 with a text in `corpus/licenses/`: that text, unmodified
    .gitattributes  every repo, the Hub's default first lines

The parquet has no license or tag columns: a model's license is the one its card declares.
Everything is a pure function of the repo id, so the same id always gives the same files and
`sha`. Memory stays small: ids, authors and three numeric columns for the models, plus each card
and license read once (618 + 93 files at most) and cached by path.

The listing (`GET /api/models?search=&author=&filter=&pipeline_tag=&sort=&limit=`) pages like
the Hub: at most `page_size` items per answer (the Hub's cap is 1000), and a `Link:
<{server}/api/models?{same query}&cursor=...>; rel="next"` header while more remain, which
`huggingface_hub`'s `paginate` follows as given. The cursor is opaque (base64 JSON). Models
come in parquet order (most downloaded first), `sort=createdAt` newest first.

Ids without an owner (`gpt2`, `bert-base-uncased`: 68 legacy ids) are served at `/api/models/gpt2`
and `/gpt2/resolve/...`, as the Hub served them before it moved them under organisations.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tracker.replay import hub
from tracker.replay.messages import Request, Response, apply_range, json_response
from tracker.replay.routing import Route, route
from tracker.replay.snapshot import blob_sha, iso_time

CORPUS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
DEFAULT_PARQUET = CORPUS_DIR / "meta" / "model_info.parquet"
#: The most items one listing page holds (the Hub's own cap for `/api/models`).
DEFAULT_PAGE_SIZE = 1000
#: `createdAt` for models the parquet has no creation time for: the Hub's "before dates" value.
UNKNOWN_CREATED_AT = "2022-03-02T23:29:04.000Z"
GITATTRIBUTES = (
    b"*.7z filter=lfs diff=lfs merge=lfs -text\n"
    b"*.bin filter=lfs diff=lfs merge=lfs -text\n"
    b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
    b"*.pt filter=lfs diff=lfs merge=lfs -text\n"
)
_GITATTRIBUTES_FILE = (GITATTRIBUTES, blob_sha(GITATTRIBUTES))
_SEGMENT = r"[^/]+"
_REPO_ID = rf"(?:(?P<owner>{_SEGMENT})/)?(?P<name>{_SEGMENT})"
_LISTED_KEYS = (*hub.LISTED_KEYS, "createdAt")


# --- the models ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelTable:
    """The parquet's models as compact columns, in file order (most downloaded first)."""

    ids: list[str]
    authors: list[str]
    downloads: array[int]  # 'q'
    created: array[float]  # 'd', epoch seconds; NaN when unknown
    task: array[int]  # 'H', an index into `tasks`; 0 is "no pipeline tag"
    tasks: tuple[str | None, ...]
    has_card: bytes  # b"\x01" per model with a model card
    index: dict[str, int]

    def __len__(self) -> int:
        return len(self.ids)

    def created_at(self, i: int) -> str:
        seconds = self.created[i]
        return UNKNOWN_CREATED_AT if math.isnan(seconds) else iso_time(seconds)


def load_models(parquet: Path, limit: int | None = None) -> ModelTable:
    """The first `limit` models (all when None) of the parquet; needs pyarrow."""
    try:
        import pyarrow.parquet as pq
    except ImportError as error:
        raise ImportError(
            "the generated Hub reads the corpus parquet with pyarrow: pip install 'pyarrow>=15'"
        ) from error
    table = pq.read_table(parquet)
    table = table.slice(0, limit) if limit is not None else table
    ids: list[str] = table.column("modelId").to_pylist()
    names = table.column_names
    tasks: dict[str | None, int] = {None: 0}
    task_column = table.column("task_category").to_pylist() if "task_category" in names else []
    codes = [
        tasks.setdefault(None if t in (None, "unknown") else t, len(tasks)) for t in task_column
    ]
    return ModelTable(
        ids=ids,
        authors=_authors(ids, _column(table, "author", len(ids))),
        downloads=array("q", (int(d or 0) for d in _column(table, "downloads", len(ids)))),
        created=array("d", (_epoch(t) for t in _column(table, "creation_time", len(ids)))),
        task=array("H", codes or [0] * len(ids)),
        tasks=tuple(tasks),
        has_card=bytes(bool(c) for c in _column(table, "has_modelcard", len(ids), True)),
        index={repo_id: i for i, repo_id in enumerate(ids)},
    )


def _column(table: Any, name: str, rows: int, default: Any = None) -> list[Any]:
    return table.column(name).to_pylist() if name in table.column_names else [default] * rows


def _authors(ids: list[str], column: list[str | None]) -> list[str]:
    """Each model's author (one shared string per author): the column, else the id's owner."""
    shared: dict[str, str] = {}
    found = [
        author or repo_id.partition("/")[0] for repo_id, author in zip(ids, column, strict=True)
    ]
    return [shared.setdefault(author, author) for author in found]


def _epoch(value: Any) -> float:
    return value.timestamp() if value is not None else math.nan


# --- the corpus files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusFile:
    """A corpus card or license text, read once: its bytes, blob id and (cards) metadata."""

    path: Path
    data: bytes
    blob: str
    card: dict[str, Any] | None = None
    license_file: Path | None = None


class Corpus:
    """The corpus cards and licenses, read on first use and cached by path."""

    def __init__(self, corpus_dir: Path) -> None:
        self.cards_dir = corpus_dir / "cards"
        self.licenses_dir = corpus_dir / "licenses"
        self.card_names = sorted(p.name for p in self.cards_dir.glob("*.md"))
        if not self.card_names:
            raise FileNotFoundError(f"no model cards (*.md) in {self.cards_dir}")
        self._cache: dict[Path, CorpusFile] = {}
        self._lock = threading.Lock()

    def card_for(self, digest: bytes) -> CorpusFile:
        """The card a repo whose id hashes to `digest` gets."""
        name = self.card_names[int.from_bytes(digest[:8], "big") % len(self.card_names)]
        return self.read(self.cards_dir / name, is_card=True)

    def read(self, path: Path, is_card: bool = False) -> CorpusFile:
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None:
            return cached
        data = path.read_bytes()
        card = hub.card_data(data) if is_card else None
        entry = CorpusFile(path, data, blob_sha(data), card, self._license_file(card))
        with self._lock:
            return self._cache.setdefault(path, entry)

    def _license_file(self, card: Mapping[str, Any] | None) -> Path | None:
        """The corpus text of the license a card declares (`license`, else `license_name`)."""
        if not card:
            return None
        for value in (card.get("license"), card.get("license_name")):
            for name in value if isinstance(value, list) else [value]:
                if not isinstance(name, str) or "/" in name or name.lower() == "other":
                    continue
                path = self.licenses_dir / f"{name.lower()}.txt"
                if path.is_file():
                    return path
        return None


# --- one model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedRepo:
    """One model as served: its row in the table and its files as (bytes, blob id), the
    bytes shared with the corpus cache."""

    table: ModelTable
    row: int
    files: dict[str, tuple[bytes, str]]
    card: dict[str, Any] | None

    @property
    def repo_id(self) -> str:
        return self.table.ids[self.row]

    def commit_sha(self) -> str:
        """40 hex from the id and the files' paths and blob ids: stable, distinct per repo."""
        digest = hashlib.sha1(self.repo_id.encode() + b"\n")
        for rel, (_, blob) in sorted(self.files.items()):
            digest.update(f"{rel}\x00{blob}\n".encode())
        return digest.hexdigest()

    @property
    def pipeline_tag(self) -> str | None:
        return self.table.tasks[self.table.task[self.row]]

    def tags(self) -> list[str]:
        tags = hub.hub_tags(self.card or {})
        if self.pipeline_tag and self.pipeline_tag not in tags:
            tags.insert(len(tags) - 1, self.pipeline_tag)  # before "region:us"
        return tags

    def model_info(self, with_blobs: bool = False) -> dict[str, Any]:
        """The `/api/models/{id}` body, in the shape of `hub.model_info_json`."""
        table, row, card = self.table, self.row, self.card
        created = table.created_at(row)
        info: dict[str, Any] = {
            "_id": hashlib.sha1(self.repo_id.encode()).hexdigest()[:24],
            "id": self.repo_id,
            "modelId": self.repo_id,
            "author": table.authors[row],
            "sha": self.commit_sha(),
            "lastModified": created,
            "createdAt": created,
            "private": False,
            "disabled": False,
            "gated": False,
            "downloads": table.downloads[row],
            "likes": 0,
            "library_name": card.get("library_name") if card else None,
            "pipeline_tag": self.pipeline_tag,
            "tags": self.tags(),
            "cardData": card,
            "siblings": self.siblings(with_blobs),
            "spaces": [],
            "usedStorage": sum(len(data) for data, _ in self.files.values()),
        }
        return {key: value for key, value in info.items() if value is not None}

    def siblings(self, with_blobs: bool) -> list[dict[str, Any]]:
        if not with_blobs:
            return [{"rfilename": rel} for rel in sorted(self.files)]
        return [
            {"rfilename": rel, "size": len(data), "blobId": blob}
            for rel, (data, blob) in sorted(self.files.items())
        ]


# --- the hub ------------------------------------------------------------------------------------


class GeneratedHub:
    """The first `limit` models of the parquet (all when None), served from memory.

    `page_size` caps a listing page. `info_requests` counts model-info answers (a benchmark
    reads it to see how far a scrape has got).
    """

    def __init__(
        self,
        parquet: Path | None = None,
        *,
        limit: int | None = None,
        corpus_dir: Path | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        parquet = Path(parquet) if parquet is not None else DEFAULT_PARQUET
        if not parquet.is_file():
            raise FileNotFoundError(f"model metadata not found at {parquet} (give parquet=...)")
        self.models = load_models(parquet, limit)
        self.corpus = Corpus(corpus_dir if corpus_dir is not None else parquet.parents[1])
        self.page_size = page_size
        self.info_requests = 0
        self._orders: dict[str, Sequence[int]] = {}

    def __len__(self) -> int:
        return len(self.models)

    def __contains__(self, repo_id: object) -> bool:
        return repo_id in self.models.index

    @property
    def ids(self) -> list[str]:
        return self.models.ids

    def repo(self, repo_id: str) -> GeneratedRepo | None:
        """The model `repo_id` with its files, or None when it is not one of this hub's."""
        row = self.models.index.get(repo_id)
        if row is None:
            return None
        files = {".gitattributes": _GITATTRIBUTES_FILE}
        digest = hashlib.sha1(repo_id.encode()).digest()
        card = self.corpus.card_for(digest) if self.models.has_card[row] else None
        if card is not None:
            files["README.md"] = (card.data, card.blob)
            if card.license_file is not None and digest[8] & 1:
                text = self.corpus.read(card.license_file)
                files["LICENSE"] = (text.data, text.blob)
        return GeneratedRepo(self.models, row, files, card.card if card else None)

    def order(self, sort: str | None) -> Sequence[int]:
        """Rows in listing order: file order, or newest first for `createdAt`/`lastModified`."""
        if sort not in ("createdAt", "lastModified"):
            return range(len(self.models))
        if "created" not in self._orders:
            created = self.models.created
            key = [-c if not math.isnan(c) else math.inf for c in created]
            self._orders["created"] = array("I", sorted(range(len(created)), key=key.__getitem__))
        return self._orders["created"]

    def routes(self, fallback: hub.HubService | None = None) -> list[Route]:
        """The Hub routes for these models; other repos go to `fallback` (a snapshot's Hub)."""
        service = GeneratedHubService(self, fallback)
        return [
            route("GET", r"/api/models/?", service.list_models),
            route("GET", rf"/api/models/{_REPO_ID}", service.model_info),
            route(
                "GET",
                rf"/api/models/{_REPO_ID}/revision/(?P<revision>{_SEGMENT})",
                service.model_info,
            ),
            route("GET", r"/api/models/.*", service.repo_not_found),
            route(
                "GET",
                rf"/{_REPO_ID}/(?:resolve|raw)/(?P<revision>{_SEGMENT})/(?P<path>.+)",
                service.file,
            ),
        ]


def repo_id_of(groups: Mapping[str, str]) -> str:
    owner = groups.get("owner")
    return f"{owner}/{groups['name']}" if owner else groups["name"]


class GeneratedHubService:
    """Handlers for the generated hub's routes, falling back to a snapshot's Hub service."""

    def __init__(self, generated: GeneratedHub, fallback: hub.HubService | None) -> None:
        self.generated = generated
        self.fallback = fallback
        self._lock = threading.Lock()

    def model_info(self, request: Request, groups: Mapping[str, str]) -> Response:
        repo = self.generated.repo(repo_id_of(groups))
        if repo is None:
            return self._fall_back("model_info", request, groups)
        with self._lock:
            self.generated.info_requests += 1
        revision = groups.get("revision")
        if revision is not None and revision not in ("main", repo.commit_sha()):
            return hub.revision_not_found_response(revision)
        info = repo.model_info(with_blobs=request.param("blobs") == "true")
        return json_response(hub.select_fields(info, request.params("expand")))

    def file(self, request: Request, groups: Mapping[str, str]) -> Response:
        repo = self.generated.repo(repo_id_of(groups))
        if repo is None:
            return self._fall_back("file", request, groups)
        commit = repo.commit_sha()
        if groups["revision"] not in ("main", commit):
            return hub.revision_not_found_response(groups["revision"])
        found = repo.files.get(groups["path"])
        if found is None:
            return hub.entry_not_found_response(commit)
        return apply_range(request, hub.file_response(groups["path"], found[0], commit))

    def repo_not_found(self, request: Request, groups: Mapping[str, str]) -> Response:
        return hub.repo_not_found_response()

    def _fall_back(self, handler: str, request: Request, groups: Mapping[str, str]) -> Response:
        if self.fallback is None or not groups.get("owner"):
            return hub.repo_not_found_response()
        answer: Response = getattr(self.fallback, handler)(request, groups)
        return answer

    def list_models(self, request: Request, groups: Mapping[str, str]) -> Response:
        """A page of the listing: the snapshot's matching repos first, then generated ones.

        A position counts the snapshot's matches, then rows of the generated hub's order; the
        cursor carries the position after the last row looked at.
        """
        query = ListQuery.from_request(request)
        wanted = query.page_length(self.generated.page_size)
        snapshot = self._snapshot_items(query)
        position = decode_cursor(request.param("cursor"))
        page = snapshot[position : position + wanted]
        position += len(page)
        if len(page) < wanted:
            start = position - len(snapshot)
            end, found = self._generated_items(query, start, wanted - len(page))
            page, position = page + found, len(snapshot) + end
        headers: tuple[tuple[str, str], ...] = ()
        if position < len(snapshot) + len(self.generated):
            headers = (("Link", f'<{next_url(request, position)}>; rel="next"'),)
        return json_response(page, headers=headers)

    def _snapshot_items(self, query: ListQuery) -> list[dict[str, Any]]:
        if self.fallback is None:
            return []
        found = self.fallback.listed(
            query.search, set(query.filters), full=query.full, card_data=query.card_data
        )
        return [item for item in found if query.author in (None, item["id"].partition("/")[0])]

    def _generated_items(
        self, query: ListQuery, start: int, wanted: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """(the position after the last row looked at, up to `wanted` matching items)."""
        table, order = self.generated.models, self.generated.order(query.sort)
        items: list[dict[str, Any]] = []
        position = max(start, 0)
        while position < len(order) and len(items) < wanted:
            row = order[position]
            position += 1
            if not query.row_matches(table, row):
                continue
            repo = self.generated.repo(table.ids[row])
            if repo is not None and query.repo_matches(repo):
                items.append(query.item(repo))
        return position, items


@dataclass(frozen=True)
class ListQuery:
    """The listing parameters the generated hub understands."""

    search: str = ""
    author: str | None = None
    filters: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    sort: str | None = None
    limit: int | None = None
    expand: tuple[str, ...] = ()
    full: bool = False
    card_data: bool = False

    @classmethod
    def from_request(cls, request: Request) -> ListQuery:
        limit = request.param("limit")
        return cls(
            search=(request.param("search") or "").lower(),
            author=request.param("author"),
            filters=tuple(request.params("filter")),
            pipeline_tag=request.param("pipeline_tag"),
            sort=request.param("sort"),
            limit=int(limit) if limit and limit.isdigit() else None,
            expand=tuple(request.params("expand") + request.params("expand[]")),
            full=hub.is_true(request.param("full")),
            card_data=hub.is_true(request.param("cardData")),
        )

    def page_length(self, page_size: int) -> int:
        return min(self.limit, page_size) if self.limit else page_size

    def row_matches(self, table: ModelTable, row: int) -> bool:
        """The checks that need only the table (cheap: a whole-hub scan makes no repos)."""
        if self.search and self.search not in table.ids[row].lower():
            return False
        if self.author is not None and table.authors[row] != self.author:
            return False
        return self.pipeline_tag is None or table.tasks[table.task[row]] == self.pipeline_tag

    def repo_matches(self, repo: GeneratedRepo) -> bool:
        return not self.filters or set(self.filters) <= set(repo.tags())

    def item(self, repo: GeneratedRepo) -> dict[str, Any]:
        return hub.listing_item(
            repo.model_info(),
            _LISTED_KEYS,
            expand=self.expand,
            full=self.full,
            card_data=self.card_data,
        )


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"position": position}).encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The position a cursor names (0 for none or a cursor this server did not make)."""
    if not cursor:
        return 0
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))["position"]
    except (ValueError, KeyError, TypeError):
        return 0
    return position if isinstance(position, int) and position >= 0 else 0


def next_url(request: Request, position: int) -> str:
    """The absolute URL of the page after `position`: the same query, a new cursor."""
    query = [(key, value) for key, value in request.query if key != "cursor"]
    query.append(("cursor", encode_cursor(position)))
    return f"{request.base_url}{request.path}?{urlencode(query)}"
