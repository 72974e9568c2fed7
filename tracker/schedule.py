"""Scheduled scrapes: what `tracker scrape all` runs, and `tracker schedule`, which runs it daily.

`scrape_all` scrapes each source the configuration names (hf, github, lists, in that order),
each under its lock (tracker.locks), so a manual `tracker scrape hf` and a scheduled one never
run the same source at once. Every scrape audits what it fetches and records events as it goes
(tracker.scrape), so "audit after each scrape" needs no job of its own. A source that is busy,
or whose discovery fails, is reported and the next source runs.

`run_scheduler` runs APScheduler 3 (`BlockingScheduler`) with its job store in the tracker's own
database: the table `apscheduler_jobs`, created by migration 0002, which the job store finds
there. Two jobs, with stable ids and `replace_existing=True`, so a restart (or a changed
configuration) updates them instead of adding copies:

    scrape-daily    every day at [schedule] scrape          scrape_all
    digest-weekly   every week at [schedule] digest         draft_last_week (into digest_out)

Job defaults: `coalesce=True` (runs missed while the scheduler was down collapse into one),
`max_instances=1`, `misfire_grace_time` from the configuration. SIGTERM or SIGINT shuts the
scheduler down: a running scrape finishes the source it is on and starts no other, and the
command exits 0.

Jobs are stored without arguments: the database URL (which may carry a password) is never
pickled into the job table. A job runs with the engine and configuration of the process that
runs the scheduler (`_RUNTIME`, set by `run_scheduler`).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING

from tracker.config import Config
from tracker.errors import FetchError, TargetNotFound, TrackerError
from tracker.locks import SourceBusy, acquire

if TYPE_CHECKING:
    from apscheduler.schedulers.blocking import BlockingScheduler
    from huggingface_hub.hf_api import ModelInfo
    from sqlalchemy import Engine

    from tracker.scrape import Summary
    from tracker.settings import Settings

log = logging.getLogger(__name__)

SCRAPE_JOB_ID = "scrape-daily"
DIGEST_JOB_ID = "digest-weekly"
SOURCES = ("hf", "github", "lists")

#: What one source's scrape ended with: its summary, or why it did not run.
Outcome = tuple[str, "Summary | TrackerError"]
_Scraper = Callable[["Engine", "Settings", Config, bool], "Summary"]


def scrape_all(
    engine: Engine,
    settings: Settings,
    config: Config,
    progress: bool = True,
    halt: threading.Event | None = None,
) -> Iterator[Outcome]:
    """Scrape every source `config` names, in turn, each under its lock; yield each outcome.

    Once `halt` is set (the scheduler is shutting down), no further source is started.
    """
    for source in configured_sources(config):
        if halt is not None and halt.is_set():
            log.info("scrape %s: not started (shutting down)", source)
            continue
        try:
            with acquire(engine, source):
                summary = _SCRAPERS[source](engine, settings, config, progress)
        except (SourceBusy, FetchError, TargetNotFound) as exc:
            yield source, exc
            continue
        yield source, summary


def configured_sources(config: Config) -> list[str]:
    """The sources with something to scrape: hf with models, filters or searches, the others
    with repos."""
    s = config.sources
    named = {"hf": s.hf.configured, "github": bool(s.github.repos), "lists": bool(s.lists.repos)}
    return [source for source in SOURCES if named[source]]


def _scrape_hf(engine: Engine, settings: Settings, config: Config, progress: bool) -> Summary:
    from itertools import chain

    from tracker.scrape import scrape_hub
    from tracker.sources.hf import list_models

    hf = config.sources.hf
    targets: Iterable[str | ModelInfo] = chain(
        hf.models,
        *(list_models(settings, tag=f.value, limit=f.limit) for f in hf.filters),
        *(list_models(settings, search=q.value, limit=q.limit) for q in hf.search),
    )
    expected = len(hf.models) + sum(d.limit for d in (*hf.filters, *hf.search))
    return scrape_hub(
        engine,
        settings,
        targets,
        follow_bases=hf.follow_bases,
        progress=progress,
        expected=expected,
    )


def _scrape_github(engine: Engine, settings: Settings, config: Config, progress: bool) -> Summary:
    from tracker.scrape import scrape_github

    return scrape_github(engine, settings, config.sources.github.repos, progress=progress)


def _scrape_lists(engine: Engine, settings: Settings, config: Config, progress: bool) -> Summary:
    from tracker.scrape import scrape_lists

    return scrape_lists(engine, settings, config.sources.lists.repos, progress=progress)


_SCRAPERS: dict[str, _Scraper] = {
    "hf": _scrape_hf,
    "github": _scrape_github,
    "lists": _scrape_lists,
}


@dataclass(frozen=True)
class _Runtime:
    engine: Engine
    settings: Settings
    config: Config
    halt: threading.Event


_RUNTIME: _Runtime | None = None


def scheduled_scrape() -> None:
    """The daily job: `scrape_all`, each outcome logged."""
    rt = _runtime()
    for source, outcome in scrape_all(rt.engine, rt.settings, rt.config, False, rt.halt):
        if isinstance(outcome, TrackerError):
            log.warning("scrape %s: skipped: %s", source, outcome)
        else:
            log.info("scrape %s: %s", source, outcome.line())


def scheduled_digest() -> None:
    """The weekly job: draft the week that just ended, for the editor to curate."""
    from tracker.db.models import utcnow

    rt = _runtime()
    try:
        log.info("digest: %s", draft_last_week(rt.engine, rt.config, utcnow()))
    except TrackerError as exc:
        log.warning("digest: not drafted: %s", exc)


def draft_last_week(engine: Engine, config: Config, now: datetime) -> str:
    """Draft the last complete week's digest into `[schedule] digest_out`; says what it did."""
    from pathlib import Path

    from tracker.digest.week import IsoWeek
    from tracker.digest.workflow import draft

    week = IsoWeek.last_complete(now)
    content, files = draft(engine, week, Path(config.schedule.digest_out), now)
    return f"drafted {week}: {len(content.items)} items in {files.folder}"


def _runtime() -> _Runtime:
    if _RUNTIME is None:
        raise TrackerError("a scheduled job ran outside `tracker schedule`")
    return _RUNTIME


def build_scheduler(engine: Engine, config: Config, scrape_now: bool = False) -> BlockingScheduler:
    """A scheduler storing its jobs in `engine`'s database, with the two jobs added; with
    `scrape_now`, the scrape job's first run is at once instead of at the next daily time."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    sched = config.schedule
    tz = sched.tz
    scheduler = BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": sched.misfire_grace_seconds,
        },
        timezone=tz,
    )
    daily = CronTrigger(hour=sched.scrape.hour, minute=sched.scrape.minute, timezone=tz)
    weekly = CronTrigger(
        day_of_week=sched.digest.day,
        hour=sched.digest.hour,
        minute=sched.digest.minute,
        timezone=tz,
    )
    for job_id, func, trigger, name in (
        (SCRAPE_JOB_ID, scheduled_scrape, daily, f"scrape all, daily at {sched.scrape}"),
        (DIGEST_JOB_ID, scheduled_digest, weekly, f"digest, weekly on {sched.digest}"),
    ):
        ref = f"{func.__module__}:{func.__qualname__}"
        first = (
            {"next_run_time": datetime.now(tz)} if scrape_now and job_id == SCRAPE_JOB_ID else {}
        )
        scheduler.add_job(ref, trigger, id=job_id, name=name, replace_existing=True, **first)
    return scheduler


def run_scheduler(
    engine: Engine,
    settings: Settings,
    config: Config,
    on_start: Callable[[list[tuple[str, datetime | None]]], None] | None = None,
    scrape_now: bool = False,
) -> None:
    """Run the scheduler until SIGTERM or SIGINT, then shut it down cleanly and return.

    `on_start` is called with each job's id and next run time once the jobs are stored.
    """
    from apscheduler.events import EVENT_SCHEDULER_STARTED

    global _RUNTIME
    scheduler = build_scheduler(engine, config, scrape_now)

    halt = threading.Event()
    stopping: list[threading.Thread] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if halt.is_set():
            log.info("%s: already stopping (waiting for a running job to finish)", name)
            return
        log.info("%s: stopping (waiting for a running job to finish)", name)
        halt.set()
        if scheduler.running:
            # Not in the handler itself: the signal may have interrupted this thread inside a
            # job-store transaction that the running job's writes wait for, and waiting here for
            # that job would never end. The main loop carries on and exits once it is stopped.
            thread = threading.Thread(target=scheduler.shutdown, name="tracker-shutdown")
            stopping.append(thread)
            thread.start()

    def started(_event: object) -> None:
        if halt.is_set():  # a signal came while the scheduler was starting
            scheduler.shutdown(wait=True)
        elif on_start is not None:
            on_start([(job.id, job.next_run_time) for job in scheduler.get_jobs()])

    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    _RUNTIME = _Runtime(engine, settings, config, halt)
    try:
        scheduler.start()
    finally:
        for thread in stopping:
            thread.join()  # the running job has finished and the job store is closed
        _RUNTIME = None
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler stopped")
