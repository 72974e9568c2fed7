"""One scrape per source at a time, across processes and hosts: a lock row in the database.

    with acquire(engine, "hf"):
        scrape_hub(...)

Taking the lock is one INSERT into `source_lock` (the source is the primary key), so of two
runs starting at once the database lets exactly one in; the other gets `SourceBusy`, naming
who holds the source and since when. While the block runs, a daemon thread refreshes the row's
`heartbeat_at`; the row is deleted when the block ends. A run killed with SIGKILL (or a host
that died) leaves its row behind with a heartbeat that stops moving: once it is older than
`stale_after`, the next `acquire` deletes it and takes the lock. A holder on this host (same
host name) whose process no longer exists is taken over at once, so re-running a scrape that was
killed does not wait; this assumes host names are unique among the machines sharing a database.
Staleness compares timestamps written by different hosts, so their clocks should agree to well
within `stale_after`. Only portable SQL is used (INSERT, UPDATE and DELETE through SQLAlchemy),
so this works alike on SQLite and PostgreSQL.

`tracker.cli.errors` imports `SourceBusy` on every start of the CLI, so this module imports
SQLAlchemy and the models only when a lock is actually taken.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tracker.errors import TrackerError

if TYPE_CHECKING:
    from sqlalchemy import Engine, Table

log = logging.getLogger(__name__)

#: A lock whose holder has not refreshed it for this long is presumed dead and taken over.
DEFAULT_STALE_AFTER = timedelta(minutes=10)

_ATTEMPTS = 3


class SourceBusy(TrackerError):
    """Another run holds the lock on `source`."""

    def __init__(self, source: str, holder: str, since: datetime) -> None:
        stamp = since.strftime("%Y-%m-%d %H:%M:%S UTC")
        super().__init__(f"source {source} is being scraped by {holder} since {stamp}")
        self.source = source
        self.holder = holder
        self.since = since


def holder_id() -> str:
    """This process, as a lock holder: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def acquire(
    engine: Engine,
    source: str,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    holder: str | None = None,
) -> Iterator[str]:
    """Hold the lock on `source` for the block (yields the holder id); raise `SourceBusy` if a
    live run holds it. The heartbeat runs every `stale_after / 3`."""
    me = holder or holder_id()
    _take(engine, source, me, stale_after)
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat,
        args=(engine, source, me, stale_after / 3, stop),
        name=f"lock-heartbeat-{source}",
        daemon=True,
    )
    beat.start()
    try:
        yield me
    finally:
        stop.set()
        beat.join()
        release(engine, source, me)


def release(engine: Engine, source: str, holder: str) -> bool:
    """Delete `holder`'s lock on `source`; False when it no longer held it (taken over)."""
    t = _table()
    with engine.begin() as conn:
        gone = conn.execute(t.delete().where(t.c.source == source, t.c.holder == holder))
    return gone.rowcount == 1


def _take(engine: Engine, source: str, holder: str, stale_after: timedelta) -> None:
    """INSERT the row; on conflict, raise SourceBusy unless the row is stale, then retry."""
    from sqlalchemy.exc import IntegrityError

    t = _table()
    other, since = "another run", _now()
    for _ in range(_ATTEMPTS):
        now = _now()
        row = {"source": source, "holder": holder, "acquired_at": now, "heartbeat_at": now}
        try:
            with engine.begin() as conn:
                conn.execute(t.insert().values(**row))
            return
        except IntegrityError:
            pass
        current = _current(engine, source)
        if current is None:  # released between our INSERT and our SELECT: try again
            continue
        other, since, heartbeat = current
        if heartbeat > now - stale_after and _alive(other):
            break
        _take_over(engine, source, other, heartbeat)
    raise SourceBusy(source, other, since)


def _current(engine: Engine, source: str) -> tuple[str, datetime, datetime] | None:
    t = _table()
    with engine.begin() as conn:
        row = conn.execute(t.select().where(t.c.source == source)).first()
    if row is None:
        return None
    return row.holder, _aware(row.acquired_at), _aware(row.heartbeat_at)


def _take_over(engine: Engine, source: str, stale: str, heartbeat: datetime) -> None:
    """Delete the stale row, only if it is still the one we judged stale; the INSERT that
    follows decides between several runs taking over at once."""
    t = _table()
    mine = (t.c.source == source, t.c.holder == stale, t.c.heartbeat_at <= heartbeat)
    with engine.begin() as conn:
        gone = conn.execute(t.delete().where(*mine))
    if gone.rowcount:
        log.warning("lock on %s: took over from %s (last heartbeat %s)", source, stale, heartbeat)


def _alive(holder: str) -> bool:
    """False only for a holder on this host whose process is gone; elsewhere we cannot tell."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    return True


def _heartbeat(
    engine: Engine, source: str, holder: str, every: timedelta, stop: threading.Event
) -> None:
    t = _table()
    mine = (t.c.source == source, t.c.holder == holder)
    while not stop.wait(every.total_seconds()):
        try:
            with engine.begin() as conn:
                kept = conn.execute(t.update().where(*mine).values(heartbeat_at=_now()))
        except Exception:  # a database hiccup: the next beat tries again
            log.warning("lock on %s: heartbeat failed", source, exc_info=True)
            continue
        if kept.rowcount == 0:
            log.warning("lock on %s: lost (taken over as stale); finishing anyway", source)
            return


def _table() -> Table:
    from tracker.db.models import SourceLock

    return SourceLock.__table__  # type: ignore[attr-defined, no-any-return]


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every timestamp tracker writes is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
