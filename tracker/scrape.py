"""Scrape runs: fetch artifacts from a source, store each as it arrives, summarise the run.

A run is a row in `run`; each artifact commits on its own (see `tracker.ingest`), so a run that
dies leaves everything it finished, and the next run skips what has not changed (same Hub
revision) and retries what failed.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Sized
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.progress import Progress
from sqlalchemy.engine import Engine
from sqlmodel import Session

from auditors.repo import RepoView
from auditors.report import Report
from tracker.audit_pool import PROCESS_POOL_FROM, audit_each, audit_pool
from tracker.db.models import Run, utcnow
from tracker.errors import FetchError, TargetNotFound
from tracker.http import HttpClient
from tracker.ingest import (
    FetchedRepo,
    Stored,
    artifact_for,
    last_etag,
    last_revision,
    last_revisions,
    record_failure,
    record_unchanged,
    store_list,
    store_repo,
    store_repos,
)
from tracker.remote import hub_files_client
from tracker.settings import Settings

if TYPE_CHECKING:
    from huggingface_hub.hf_api import ModelInfo

T = TypeVar("T")


@dataclass
class Summary:
    run_id: int
    fetched: int = 0
    unchanged: int = 0
    failed: int = 0
    events: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.fetched + self.unchanged + self.failed

    def add(self, stored: Stored, error: str | None = None) -> None:
        if stored.status == "ok":
            self.fetched += 1
        elif stored.status == "unchanged":
            self.unchanged += 1
        else:
            self.failed += 1
            self.failures.append((stored.key, error or ""))
        self.events += stored.events

    def line(self) -> str:
        return (
            f"run {self.run_id}: {self.fetched} fetched, {self.unchanged} unchanged, "
            f"{self.failed} failed, {self.events} new events"
        )


def start_run(engine: Engine, source: str) -> int:
    with Session(engine) as session:
        run = Run(source=source)
        session.add(run)
        session.commit()
        assert run.id is not None
        return run.id


def finish_run(engine: Engine, summary: Summary) -> None:
    with Session(engine) as session:
        run = session.get(Run, summary.run_id)
        assert run is not None
        run.finished_at = utcnow()
        run.status = "finished"
        run.fetched, run.unchanged = summary.fetched, summary.unchanged
        run.failed, run.events = summary.failed, summary.events
        session.add(run)
        session.commit()


@dataclass(frozen=True)
class _Fetched:
    """What a fetch worker brings back for one Hub model; storing happens on the main thread."""

    requested: str
    repo_id: str
    sha: str | None
    view: RepoView | None  # None when unchanged or failed
    error: str | None = None
    report: Report | None = None  # the view's audit, when a process of the pool did it
    downloads: int | None = None
    likes: int | None = None


def scrape_hub(
    engine: Engine,
    settings: Settings,
    targets: Iterable[str | ModelInfo],
    follow_bases: bool = True,
    progress: bool = True,
    workers: int = 16,
    batch_size: int = 64,
    audit_processes: int | None = None,
    expected: int | None = None,
) -> Summary:
    """Fetch and store each Hub model; with `follow_bases`, also the base models they name.

    A target is a repo id (its model info is fetched first) or a model info from a full listing
    (`tracker.sources.hf.list_models`), which already holds the revision, files and card data.
    `targets` is read lazily, as work is taken on: a listing streams page by page, so memory
    stays flat however many models it lists; an error of the listing is recorded as a failure
    and what was listed before it is scraped. `expected`: how many targets, when `targets`
    cannot say (for the progress bar and the choice of audit processes).

    `workers` threads fetch (network-bound); what they fetch goes, a few models a task, to a
    pool of `audit_processes` processes to audit (CPU-bound, so threads would share one core;
    None: one per CPU when at least `PROCESS_POOL_FROM` models are expected or the count is
    unknown, else 0, auditing on this thread; a script calling this must then guard its entry
    point with `if __name__ == "__main__":`, as for any "spawn" process pool). A fetch thread
    does not wait for its model's audit: it fetches the next. This thread stores
    the results, committed in batches of up to `batch_size` models and at least once a
    second: one transaction per model cost more than the fetch. A scrape killed mid-way loses
    at most the batch in hand; the next run fetches it again.
    """
    if isinstance(targets, Sized):
        expected = len(targets)
    todo = _Targets(targets, read_ahead=LISTING_PAGE)
    summary = Summary(start_run(engine, "hf"))
    in_flight = max(max(workers, 1) * 4, batch_size)  # bounded: memory stays flat
    batch: list[_Fetched] = []
    last_commit = time.monotonic()
    if audit_processes is None:
        many = expected is None or expected >= PROCESS_POOL_FROM
        audit_processes = (os.cpu_count() or 1) if many else 0
    with (
        hub_files_client(settings, max_concurrency=max(workers, 1)) as http,
        audit_pool(audit_processes) as auditor,
        _bar(progress) as bar,
        ThreadPoolExecutor(max_workers=max(workers, 1)) as pool,
    ):
        task = bar.add_task("scraping Hub models", total=expected)
        work = _InFlight(pool, auditor, audit_processes)
        while not todo.finished or work or batch:
            if in_flight - len(work) >= in_flight // 4:  # a look-up of known revisions a refill
                taken = todo.take(in_flight - len(work))
                known = _known_revisions(engine, [_key(t) for t in taken]) if taken else {}
                for t in taken:
                    work.fetch(settings, http, t, known.get(_key(t)))
            batch += work.collect(timeout=0.5)
            due = time.monotonic() - last_commit >= 1.0 or not (work or not todo.finished)
            if batch and (len(batch) >= batch_size or due):
                for stored, error in _store_batch(engine, batch, summary.run_id):
                    summary.add(stored, error)
                    if follow_bases:
                        todo.add(stored.bases)
                total = len(todo.seen) if todo.listed_all else expected
                bar.update(task, completed=summary.done, total=total)
                batch, last_commit = [], time.monotonic()
    if todo.error is not None:
        summary.failed += 1
        summary.failures.append(("listing", str(todo.error)))
    finish_run(engine, summary)
    return summary


class _Targets:
    """What `scrape_hub` has still to fetch: the base models found on the way, then the caller's
    targets, read only as they are taken (a listing fetches its next page then), each once."""

    def __init__(self, targets: Iterable[str | ModelInfo], read_ahead: int) -> None:
        self._source: Iterator[str | ModelInfo] | None = _read_ahead(targets, read_ahead)
        self._bases: deque[str] = deque()
        self.seen: set[str] = set()
        self.error: FetchError | TargetNotFound | None = None  # the listing's, when it failed

    @property
    def listed_all(self) -> bool:
        return self._source is None

    @property
    def finished(self) -> bool:
        return self._source is None and not self._bases

    def add(self, repo_ids: Iterable[str]) -> None:
        new = [r for r in repo_ids if r not in self.seen]
        self.seen.update(new)
        self._bases.extend(new)

    def take(self, n: int) -> list[str | ModelInfo]:
        out: list[str | ModelInfo] = []
        while self._bases and len(out) < n:
            out.append(self._bases.popleft())
        while self._source is not None and len(out) < n:
            try:
                target = next(self._source)
            except StopIteration:
                self._source = None
                break
            except (FetchError, TargetNotFound) as error:
                self._source, self.error = None, error
                break
            if _key(target) not in self.seen:
                self.seen.add(_key(target))
                out.append(target)
        return out


#: Models in a page of the Hub's full listing (huggingface_hub asks for the server's default).
LISTING_PAGE = 1000


def _read_ahead(items: Iterable[T], size: int) -> Iterator[T]:
    """`items`, read by a thread up to `size` ahead of the consumer, so that fetching a
    listing's next page overlaps with scraping the models of this one (a page of a thousand
    full model infos takes the Hub a while). An exception is raised where its item would be.
    `items` must not hold None (it marks the end)."""
    if isinstance(items, Collection):  # nothing to wait for
        yield from items
        return
    ahead: queue.Queue[tuple[T | None, BaseException | None]] = queue.Queue(maxsize=size)
    stop = threading.Event()

    def offer(entry: tuple[T | None, BaseException | None]) -> bool:
        """Queue `entry` unless the consumer has gone; whether it was queued."""
        while not stop.is_set():
            try:
                ahead.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            if all(offer((item, None)) for item in items):
                offer((None, None))
        except BaseException as error:  # handed to the consumer, which decides
            offer((None, error))

    threading.Thread(target=read, name="listing-read-ahead", daemon=True).start()
    try:
        while True:
            item, error = ahead.get()
            if error is not None:
                raise error
            if item is None:
                return
            yield item
    finally:
        stop.set()


def _key(target: str | ModelInfo) -> str:
    return target if isinstance(target, str) else target.id


def _known_revisions(engine: Engine, repo_ids: list[str]) -> dict[str, str]:
    with Session(engine) as session:
        return last_revisions(session, "hf-model", repo_ids)


class _InFlight:
    """The models between being taken and being stored: fetching on a thread of `pool`, then,
    with an `auditor` pool of `processes`, auditing in one of its processes.

    Fetched models wait to be audited AUDIT_CHUNK at a time, unless the processes would idle
    (fewer than two tasks each): a task a model kept them waiting on this process's hand-offs,
    which come after a GIL shared with every fetch thread.
    """

    def __init__(
        self, pool: ThreadPoolExecutor, auditor: ProcessPoolExecutor | None, processes: int
    ) -> None:
        self.pool, self.auditor, self.processes = pool, auditor, processes
        self.fetching: set[Future[_Fetched]] = set()
        self.auditing: dict[Future[list[Report]], list[_Fetched]] = {}
        self.unaudited: list[_Fetched] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def fetch(
        self, settings: Settings, http: HttpClient, target: str | ModelInfo, known: str | None
    ) -> None:
        self.fetching.add(self.pool.submit(_fetch_model, settings, http, target, known))
        self._count += 1

    def collect(self, timeout: float) -> list[_Fetched]:
        """What is ready to store, after waiting up to `timeout` s for something to finish."""
        waiting: set[Future[Any]] = {*self.fetching, *self.auditing}
        if not waiting:
            self._hand_out()
            return []
        done, _ = wait(waiting, timeout=timeout, return_when=FIRST_COMPLETED)
        ready, fetched = [], []
        for future in done:
            if future in self.auditing:
                models = self.auditing.pop(future)
                reports: list[Report] = future.result()
                ready += [replace(m, report=r) for m, r in zip(models, reports, strict=True)]
            else:
                self.fetching.discard(future)
                fetched.append(future.result())
        self.unaudited += [f for f in fetched if f.view is not None and self.auditor is not None]
        ready += [f for f in fetched if f.view is None or self.auditor is None]
        self._hand_out()
        self._count -= len(ready)
        return ready

    def _hand_out(self) -> None:
        """Give the audit processes chunks of what waits, or all of it if they would idle."""
        while self.unaudited and (
            len(self.unaudited) >= AUDIT_CHUNK or len(self.auditing) < 2 * self.processes
        ):
            models, self.unaudited = self.unaudited[:AUDIT_CHUNK], self.unaudited[AUDIT_CHUNK:]
            assert self.auditor is not None
            views = [m.view for m in models if m.view is not None]
            self.auditing[self.auditor.submit(audit_each, views)] = models


#: Models an audit process is handed at a time.
AUDIT_CHUNK = 8


def _fetch_model(
    settings: Settings, http: HttpClient, target: str | ModelInfo, known: str | None
) -> _Fetched:
    """Runs on a worker thread: the model info unless listed, then the files."""
    from tracker.remote import fetch_hub_files, hub_model_info

    requested = _key(target)
    try:
        if isinstance(target, str) or not (target.sha and target.siblings is not None):
            info = hub_model_info(requested, settings)
        else:
            info = target  # from a full listing: revision and files are there already
        if info.sha and info.sha == known:
            return _Fetched(
                requested, info.id, info.sha, None, downloads=info.downloads, likes=info.likes
            )
        view = fetch_hub_files(info, settings, http)
    except (FetchError, TargetNotFound) as exc:
        return _Fetched(requested, requested, None, None, str(exc))
    return _Fetched(requested, info.id, info.sha, view, None, None, info.downloads, info.likes)


def _store_batch(
    engine: Engine, batch: list[_Fetched], run_id: int
) -> list[tuple[Stored, str | None]]:
    """Store a batch of fetch results in one transaction, in the order given."""
    fetched = [
        FetchedRepo(g.view, g.sha, None, g.report, g.downloads, g.likes)
        for g in batch
        if g.view is not None
    ]
    with Session(engine) as session:
        stored = iter(store_repos(session, "hf-model", fetched, run_id))
        out: list[tuple[Stored, str | None]] = []
        for got in batch:
            if got.error is not None:
                failed = record_failure(session, "hf-model", got.requested, run_id, got.error)
                out.append((failed, got.error))
            elif got.view is None:
                assert got.sha is not None
                out.append(
                    (
                        record_unchanged(
                            session,
                            "hf-model",
                            got.repo_id,
                            run_id,
                            got.sha,
                            (got.downloads, got.likes),
                        ),
                        None,
                    )
                )
            else:
                out.append((next(stored), None))
        session.commit()
    return out


def scrape_github(
    engine: Engine, settings: Settings, repos: Iterable[str], progress: bool = True
) -> Summary:
    """Fetch and store GitHub repos (README, license files); unchanged contents add no events.

    A repo whose resource answers 304 to the stored ETag is not fetched further.
    """
    from tracker.remote import parse_github_target

    summary = Summary(start_run(engine, "github"))
    targets = list(dict.fromkeys(repos))
    with _bar(progress) as bar:
        task = bar.add_task("scraping GitHub repos", total=len(targets))
        for target in targets:
            key = "/".join(parse_github_target(target))
            with Session(engine) as session:
                stored, error = _scrape_github_repo(session, settings, target, key, summary.run_id)
                session.commit()
            summary.add(stored, error)
            bar.advance(task)
    finish_run(engine, summary)
    return summary


def _scrape_github_repo(
    session: Session, settings: Settings, target: str, key: str, run_id: int
) -> tuple[Stored, str | None]:
    from tracker.remote import fetch_github_repo_if_changed

    try:
        etag = last_etag(session, "github-repo", key)
        view, new_etag = fetch_github_repo_if_changed(target, settings, etag)
    except (FetchError, TargetNotFound) as exc:
        return record_failure(session, "github-repo", key, run_id, str(exc)), str(exc)
    if view is None:  # 304 Not Modified
        return record_unchanged(session, "github-repo", key, run_id, None), None
    view.name = key
    revision = content_revision(view)
    if revision == last_revision(session, "github-repo", key):
        return record_unchanged(session, "github-repo", key, run_id, revision), None
    return store_repo(session, "github-repo", view, run_id, revision, etag=new_etag), None


def scrape_lists(
    engine: Engine, settings: Settings, repos: Iterable[str], progress: bool = True
) -> Summary:
    """Fetch ecosystem list documents (a GitHub repo's README), store their entries, and start
    tracking the GitHub repos and Hub models they link to."""
    from tracker.remote import fetch_github_repo, parse_github_target
    from tracker.sources.sd_lists import parse_list

    summary = Summary(start_run(engine, "lists"))
    for target in dict.fromkeys(repos):
        key = "/".join(parse_github_target(target))
        with Session(engine) as session:
            try:
                view = fetch_github_repo(target, settings)
                text = next(
                    f.text for f in view.files.values() if f.path.lower().startswith("readme")
                )
            except (FetchError, TargetNotFound, StopIteration) as exc:
                reason = str(exc) or "no README"
                summary.add(record_failure(session, "sd-list", key, summary.run_id, reason), reason)
                session.commit()
                continue
            if text is None:
                continue
            entries = parse_list(text, repo=key)
            summary.add(store_list(session, key, text, entries, summary.run_id))
            for entry in entries:
                if entry.artifact is not None:
                    artifact_for(session, *entry.artifact)
            session.commit()
    finish_run(engine, summary)
    return summary


def content_revision(view: RepoView) -> str:
    """A revision for sources without one: the hash of the fetched files' contents."""
    digest = hashlib.sha256()
    for path in sorted(view.files):
        digest.update(path.encode() + b"\0" + (view.files[path].text or "").encode() + b"\0")
    return digest.hexdigest()


def _bar(enabled: bool) -> Progress:
    """A progress bar on stderr, so stdout keeps only the summary (and stays pipeable)."""
    return Progress(transient=True, disable=not enabled, console=Console(stderr=True))
