"""The tracker's state at any past moment: each artifact's last successful snapshot then,
and the rates researchers and editors follow (RAIL compliance, bias-evaluation coverage).

Read in five queries; the rates of many moments (a digest's trend, `tracker stats`) are then
counted in Python instead of in an aggregate query each.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tracker.db.models import Artifact, Finding, LineageEdge, Snapshot
from tracker.events import BIAS_EVAL_RULE


class States:
    """Each artifact's last successful snapshot as of any moment, and what the rates need to
    know of each snapshot, read in five queries: the rates of nine moments (this week, last
    week, the trend) are then counted here instead of in 30-odd aggregate queries."""

    def __init__(self, session: Session) -> None:
        snap, artifact = Snapshot.__table__.c, Artifact.__table__.c  # type: ignore[attr-defined]
        query = (
            sa_select(snap.id, snap.artifact_id, snap.fetched_at, artifact.kind)
            .join_from(Snapshot.__table__, Artifact.__table__, artifact.id == snap.artifact_id)  # type: ignore[attr-defined]
            .where(snap.status == "ok")
        )
        rows = session.execute(query).all()
        self._ok = sorted((_utc(at), sid, aid, kind) for sid, aid, at, kind in rows)
        self._latest: dict[datetime, dict[int, tuple[int, str]]] = {}
        edges = select(LineageEdge.snapshot_id).where(LineageEdge.license_family == "rail")
        self.rail = set(session.exec(edges).all())
        failing = select(Finding.snapshot_id).where(
            col(Finding.rule).like("RAIL%"), Finding.severity == "error"
        )
        self.rail_failing = set(session.exec(failing).all())
        missing = select(Finding.snapshot_id).where(Finding.rule == BIAS_EVAL_RULE)
        self.no_bias_eval = set(session.exec(missing).all())

    def latest(self, before: datetime) -> dict[int, tuple[int, str]]:
        """artifact id -> (its last ok snapshot fetched before `before`, the artifact's kind)."""
        if before in self._latest:
            return self._latest[before]
        out: dict[int, tuple[int, str]] = {}
        for at, sid, aid, kind in self._ok:
            if at >= before:
                break
            if aid not in out or sid > out[aid][0]:
                out[aid] = (sid, kind)
        self._latest[before] = out
        return out

    def rail_compliance(self, before: datetime) -> tuple[float | None, int]:
        """(share of RAIL derivatives with no error-severity RAIL finding, how many there are)."""
        derivatives = [sid for sid, _ in self.latest(before).values() if sid in self.rail]
        if not derivatives:
            return None, 0
        bad = sum(1 for sid in derivatives if sid in self.rail_failing)
        return (len(derivatives) - bad) / len(derivatives), len(derivatives)

    def bias_evaluation(self, before: datetime) -> float | None:
        """The share of tracked model cards that report a bias evaluation."""
        models = [sid for sid, kind in self.latest(before).values() if kind == "hf-model"]
        if not models:
            return None
        return sum(1 for sid in models if sid not in self.no_bias_eval) / len(models)


def _utc(moment: datetime) -> datetime:
    """Databases hand back naive datetimes for UTC ones (SQLite, `timestamp` columns)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
