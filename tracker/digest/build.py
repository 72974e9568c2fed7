"""Build a week's `DigestContent` from the database: its events, findings and snapshots.

Everything is read as it stood at the week's end (snapshots fetched before it), so a week
drafted later shows the same numbers. Definitions the numbers rest on:

- *RAIL derivative*: an artifact whose latest snapshot has a base model under a license of the
  `rail` family (lineage_edge.license_family); it *complies* when that snapshot has no
  error-severity RAIL finding.
- *reports a bias evaluation*: the snapshot has no BIAS002 finding (a benchmark or method named
  with results, see auditors.sections.bias_evaluations).
- *notable score* of a model: `log10(1 + downloads) + 2·log10(1 + likes) + 3·log10(1 + growth)`,
  where growth is the downloads gained since the last snapshot before the week (all of them for
  a new model). Likes are rarer than downloads and growth is what is news, hence the weights.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from auditors.rules import RULES_BY_ID
from tracker.db.models import Artifact, Event, Finding, LineageEdge, Snapshot
from tracker.digest.content import SECTIONS, DigestContent, Figure, Item, Link, RatePoint
from tracker.digest.week import IsoWeek
from tracker.events import BIAS_EVAL_RULE
from tracker.history import States

NOTABLE = 15  # items in "New and notable"
POPULAR_WITHOUT_BIAS = 10
TREND_WEEKS = 8
_CHUNK = 500  # ids per IN (...) list
#: Snapshots whose download and like counts are the Hub's at that time: an unchanged repo's
#: counts still move.
_COUNTED = ("ok", "unchanged")
#: The most items a section shows (per group: per rule, per added/removed), most popular first.
CAPS = {
    "license-changes": 25,
    "new-problems": 10,
    "resolved": 10,
    "bias-added": 25,
    "ecosystem": 50,
}
#: The license watch's rules: license identification, RAIL duties, duties to upstream.
COMPLIANCE_RULES = ("LIC", "RAIL", "UP")
_FindingRow = tuple[str, str | None, int | None, str, str]  # rule, path, line, message, severity

_KIND_LABEL = {"hf-model": "model", "github-repo": "distribution", "sd-list": "list"}


@dataclass(frozen=True)
class _Event:
    id: int
    kind: str
    artifact_id: int
    key: str
    artifact_kind: str
    snapshot_id: int
    detail_json: str

    @functools.cached_property
    def detail(self) -> dict[str, Any]:
        """Parsed when asked: most events of a busy week are new artifacts, never asked."""
        return dict(json.loads(self.detail_json))


@dataclass(frozen=True)
class _Snap:
    """The columns of a snapshot the digest shows (an ORM object per row cost 10x more)."""

    id: int
    artifact_id: int
    revision: str | None
    downloads: int | None
    likes: int | None
    declared_license: str | None
    detected_license: str | None


_SNAP_COLUMNS = (
    "id",
    "artifact_id",
    "revision",
    "downloads",
    "likes",
    "declared_license",
    "detected_license",
)


def build_digest(
    session: Session, week: IsoWeek, now: datetime, caps: Mapping[str, int] = CAPS
) -> DigestContent:
    """The digest of `week` (events created in it, state as of its end), at most `caps[section]`
    items per section or group."""
    events = _events(session, week)
    previous = _events(session, week.previous())
    problems = _problem_rows(session, events)
    states = States(session)
    content = DigestContent(week=str(week), span=week.span, generated_at=now.isoformat())
    content.figures = _figures(
        session, week, states, events, previous, problems, _problem_rows(session, previous)
    )
    snaps = _snapshots(session, {e.snapshot_id for e in events})
    problem_items, problems_left_out = _problems(problems, snaps, caps)
    content.items, content.more = _capped(
        _notable(session, week, events, snaps)
        + _license_changes(events, snaps)
        + problem_items
        + _bias_added(events, snaps)
        + _bias_missing(session, week)
        + _ecosystem(events),
        caps,
    )
    content.more.update(problems_left_out)
    content.group_titles = {
        i.group: RULES_BY_ID[i.group].title
        for i in content.items
        if i.group is not None and i.group in RULES_BY_ID
    }
    content.license_mix = _license_mix(session, events, snaps)
    content.rates = [
        RatePoint(str(w), states.rail_compliance(w.end)[0], states.bias_evaluation(w.end))
        for w in (week.previous(n) for n in range(TREND_WEEKS - 1, -1, -1))
    ]
    return content


def _capped(items: list[Item], caps: Mapping[str, int]) -> tuple[list[Item], dict[str, int]]:
    """At most `caps[section]` items per section (per group where it has groups), the highest
    scores first; how many each left out. A week of 10,000 events stays readable."""
    groups: dict[tuple[str, str | None], list[Item]] = {}
    for item in items:
        groups.setdefault((item.section, item.group), []).append(item)
    kept, more = [], {}
    for (section, group), members in groups.items():
        cap = caps.get(section)
        if cap is not None and len(members) > cap:
            members = sorted(members, key=lambda i: (-(i.score or 0), i.title))
            more[f"{section}:{group}" if group else section] = len(members) - cap
            members = members[:cap]
        kept += members
    order = {key: n for n, key in enumerate(SECTIONS)}
    kept.sort(key=lambda i: order[i.section])  # stable: each section keeps its own order
    return kept, more


# --- reading ------------------------------------------------------------------------------------


def _events(session: Session, week: IsoWeek) -> list[_Event]:
    event, artifact = Event.__table__.c, Artifact.__table__.c  # type: ignore[attr-defined]
    query = (
        sa_select(
            event.id,
            event.kind,
            event.artifact_id,
            artifact.key,
            artifact.kind,
            event.snapshot_id,
            event.detail_json,
        )
        .join_from(Event.__table__, Artifact.__table__, artifact.id == event.artifact_id)  # type: ignore[attr-defined]
        .where(event.created_at >= week.start, event.created_at < week.end)
        .order_by(event.id)
    )
    return [
        _Event(id_, kind, artifact_id, key, artifact_kind, snapshot_id, detail)
        for id_, kind, artifact_id, key, artifact_kind, snapshot_id, detail in session.execute(
            query
        ).all()
    ]


def _snapshots(session: Session, ids: Iterable[int]) -> dict[int, _Snap]:
    table = Snapshot.__table__.c  # type: ignore[attr-defined]
    columns = [table[name] for name in _SNAP_COLUMNS]
    out: dict[int, _Snap] = {}
    for chunk in _chunks(sorted(ids)):
        for row in session.execute(sa_select(*columns).where(table.id.in_(chunk))).all():
            out[row[0]] = _Snap(*row)
    return out


def _latest_ok(before: datetime, kind: str | None = None) -> SelectOfScalar[int | None]:
    """Ids of each artifact's last successful snapshot fetched before `before`."""
    query = (
        select(func.max(Snapshot.id))
        .where(Snapshot.status == "ok", col(Snapshot.fetched_at) < before)
        .group_by(col(Snapshot.artifact_id))
    )
    if kind is not None:
        query = query.join(Artifact, col(Artifact.id) == col(Snapshot.artifact_id)).where(
            Artifact.kind == kind
        )
    return query


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for at in range(0, len(ids), _CHUNK):
        yield ids[at : at + _CHUNK]


# --- headline numbers ---------------------------------------------------------------------------


def _figures(
    session: Session,
    week: IsoWeek,
    states: States,
    events: list[_Event],
    previous: list[_Event],
    problems: list[_ProblemRow],
    previous_problems: list[_ProblemRow],
) -> list[Figure]:
    def count(evs: list[_Event], kind: str) -> float:
        return float(sum(1 for e in evs if e.kind == kind))

    def tracked(before: datetime) -> float:
        query = select(func.count()).select_from(Artifact).where(col(Artifact.first_seen) < before)
        return float(session.exec(query).one())

    def problems_in(rows: list[_ProblemRow], section: str) -> float:
        return float(sum(1 for r in rows if r.section == section))

    rail_now, rail_n = states.rail_compliance(week.end)
    rail_before, _ = states.rail_compliance(week.previous().end)
    bias_now, new_cards = _bias_share_of_new(states, events)
    bias_before, _ = _bias_share_of_new(states, previous)
    return [
        Figure("tracked", "Artifacts tracked", tracked(week.end), tracked(week.start)),
        Figure(
            "new", "New this week", count(events, "new-artifact"), count(previous, "new-artifact")
        ),
        Figure(
            "license-changes",
            "License changes",
            count(events, "license-changed"),
            count(previous, "license-changed"),
        ),
        Figure(
            "new-problems",
            "New compliance problems",
            problems_in(problems, "new-problems"),
            problems_in(previous_problems, "new-problems"),
        ),
        Figure(
            "resolved-problems",
            "Compliance problems resolved",
            problems_in(problems, "resolved"),
            problems_in(previous_problems, "resolved"),
        ),
        Figure(
            "rail-compliance",
            "RAIL derivatives that comply",
            rail_now,
            rail_before,
            "share",
            f"of {rail_n} RAIL derivatives",
        ),
        Figure(
            "bias-new-cards",
            "New cards reporting a bias evaluation",
            bias_now,
            bias_before,
            "share",
            f"of {new_cards} new model cards",
        ),
    ]


def _bias_share_of_new(states: States, events: list[_Event]) -> tuple[float | None, int]:
    snaps = [
        e.snapshot_id for e in events if e.kind == "new-artifact" and e.artifact_kind == "hf-model"
    ]
    if not snaps:
        return None, 0
    missing = sum(1 for s in snaps if s in states.no_bias_eval)
    return (len(snaps) - missing) / len(snaps), len(snaps)


# --- sections -----------------------------------------------------------------------------------


def _notable(
    session: Session, week: IsoWeek, events: list[_Event], snaps: dict[int, _Snap]
) -> list[Item]:
    """New artifacts and those whose downloads grew, by the notable score."""
    candidates: dict[int, tuple[str, str, _Snap, int | None]] = {}
    for e in events:
        if e.kind == "new-artifact" and e.artifact_kind != "sd-list":
            candidates[e.artifact_id] = (e.key, e.artifact_kind, snaps[e.snapshot_id], None)
    before = _downloads_at(session, week.start)
    for artifact_id, key, kind, snap in _latest_in_week(session, week):
        if artifact_id in candidates or artifact_id not in before or snap.downloads is None:
            continue
        candidates[artifact_id] = (key, kind, snap, before[artifact_id])
    scored = []
    for key, kind, snap, then in candidates.values():
        growth = (snap.downloads or 0) - (then or 0)
        if then is not None and growth <= 0:
            continue
        score = (
            math.log10(1 + (snap.downloads or 0))
            + 2 * math.log10(1 + (snap.likes or 0))
            + 3 * math.log10(1 + max(growth, 0))
        )
        scored.append((-round(score, 3), key, kind, snap, then, growth))
    scored.sort(key=lambda t: (t[0], t[1]))
    ranked = []
    for neg_score, key, kind, snap, then, growth in scored[:NOTABLE]:
        what = "new" if then is None else f"+{growth:,} downloads this week"
        popularity = f"{snap.downloads or 0:,} downloads, {snap.likes or 0:,} likes"
        license_ = snap.declared_license or snap.detected_license or "no license found"
        ranked.append(
            Item(
                id=f"notable:{key}",
                section="notable",
                title=key,
                url=_artifact_url(kind, key),
                summary=f"{what}; {popularity}; {license_}",
                kind=_KIND_LABEL.get(kind, kind),
                score=-neg_score,
            )
        )
    return ranked


def _downloads_at(session: Session, before: datetime) -> dict[int, int]:
    latest = (
        select(func.max(Snapshot.id))
        .where(col(Snapshot.status).in_(_COUNTED), col(Snapshot.fetched_at) < before)
        .group_by(col(Snapshot.artifact_id))
        .scalar_subquery()
    )
    query = select(Snapshot.artifact_id, Snapshot.downloads).where(col(Snapshot.id).in_(latest))
    return {a: d for a, d in session.exec(query).all() if d is not None}


def _latest_in_week(session: Session, week: IsoWeek) -> list[tuple[int, str, str, _Snap]]:
    """The last snapshot in the week of each artifact that had one before it (growth needs a
    before; a new artifact is a candidate already)."""
    known = (
        select(Snapshot.artifact_id)
        .where(col(Snapshot.status).in_(_COUNTED), col(Snapshot.fetched_at) < week.start)
        .distinct()
    )
    latest = (
        select(func.max(Snapshot.id))
        .where(
            col(Snapshot.status).in_(_COUNTED),
            col(Snapshot.fetched_at) >= week.start,
            col(Snapshot.fetched_at) < week.end,
            col(Snapshot.artifact_id).in_(known),
        )
        .group_by(col(Snapshot.artifact_id))
        .scalar_subquery()
    )
    snap, artifact = Snapshot.__table__.c, Artifact.__table__.c  # type: ignore[attr-defined]
    query = (
        sa_select(*(snap[name] for name in _SNAP_COLUMNS), artifact.key, artifact.kind)
        .join_from(Snapshot.__table__, Artifact.__table__, artifact.id == snap.artifact_id)  # type: ignore[attr-defined]
        .where(snap.id.in_(latest))
    )
    out = []
    for row in session.execute(query).all():
        s = _Snap(*row[: len(_SNAP_COLUMNS)])
        out.append((s.artifact_id, row[-2], row[-1], s))
    return out


def _license_changes(events: list[_Event], snaps: dict[int, _Snap]) -> list[Item]:
    out = []
    for e in events:
        if e.kind != "license-changed":
            continue
        before, after = e.detail.get("from") or "none", e.detail.get("to") or "none"
        snap = snaps[e.snapshot_id]
        out.append(
            Item(
                id=f"license:{e.key}:{e.snapshot_id}",
                section="license-changes",
                title=e.key,
                url=_artifact_url(e.artifact_kind, e.key),
                summary=f"{before} → {after}",
                kind=_KIND_LABEL.get(e.artifact_kind, e.artifact_kind),
                evidence=(_file_link(e, snap, "README.md", None, "the card's license"),),
                score=snap.downloads,
            )
        )
    return out


@dataclass(frozen=True)
class _ProblemRow:
    """A compliance finding raised or resolved this week, before it becomes an Item."""

    section: str  # new-problems | resolved
    rule: str
    path: str | None
    line: int | None
    message: str
    event: _Event


def _problem_rows(session: Session, events: list[_Event]) -> list[_ProblemRow]:
    """License-compliance findings raised (on known artifacts, and on new ones: their first
    audit's warnings and errors) and resolved this week."""
    new = {e.snapshot_id: e for e in events if e.kind == "new-artifact"}
    changed = [e for e in events if e.kind in ("finding-raised", "finding-resolved")]
    found = _findings(session, set(new) | {e.snapshot_id for e in changed})
    rows = []
    for snap_id, e in new.items():
        for rule, path, line, message, severity in found.get(snap_id, []):
            if _is_compliance(rule) and severity != "info":
                rows.append(_ProblemRow("new-problems", rule, path, line, message, e))
    for e in changed:
        rule, path = str(e.detail.get("rule")), e.detail.get("path") or None
        if not _is_compliance(rule):
            continue
        raised = e.kind == "finding-raised"
        line = next(
            (ln for r, p, ln, _, _ in found.get(e.snapshot_id, []) if (r, p) == (rule, path)),
            None,
        )
        message = str(e.detail.get("message") or rule)
        section = "new-problems" if raised else "resolved"
        rows.append(_ProblemRow(section, rule, path, line if raised else None, message, e))
    return rows


def _problems(
    rows: list[_ProblemRow], snaps: dict[int, _Snap], caps: Mapping[str, int]
) -> tuple[list[Item], dict[str, int]]:
    """Items for the rows, grouped by rule, the most downloaded `caps[section]` of each group
    (made into Items only those: a busy week has tens of thousands of rows)."""
    groups: dict[tuple[str, str], list[_ProblemRow]] = {}
    for row in rows:
        groups.setdefault((row.section, row.rule), []).append(row)
    items, more = [], {}
    for (section, rule), members in sorted(groups.items()):
        cap = caps.get(section, len(members))
        members.sort(key=lambda r: (-(snaps[r.event.snapshot_id].downloads or 0), r.event.key))
        if len(members) > cap:
            more[f"{section}:{rule}"] = len(members) - cap
        items += [_problem(r, snaps[r.event.snapshot_id]) for r in members[:cap]]
    return items, more


def _is_compliance(rule: str) -> bool:
    return rule.startswith(COMPLIANCE_RULES)


def _problem(row: _ProblemRow, snap: _Snap) -> Item:
    e, path, line = row.event, row.path, row.line
    raised = row.section == "new-problems"
    where = f"{path}:{line}" if path and line else (path or "the repo")
    return Item(
        id=f"{'problem' if raised else 'resolved'}:{e.key}:{row.rule}:{path or ''}",
        section=row.section,
        title=e.key,
        url=_artifact_url(e.artifact_kind, e.key),
        summary=row.message,
        kind=_KIND_LABEL.get(e.artifact_kind, e.artifact_kind),
        evidence=(
            _file_link(e, snap, path, line, where)
            if raised
            else Link(f"no longer found ({where})", None),
        ),
        group=row.rule,
        score=snap.downloads,
    )


def _findings(session: Session, snapshot_ids: set[int]) -> dict[int, list[_FindingRow]]:
    """Each snapshot's license-compliance findings."""
    out: dict[int, list[_FindingRow]] = {}
    table = Finding.__table__.c  # type: ignore[attr-defined]
    columns = (table.rule, table.path, table.line, table.message, table.severity)
    compliance = or_(*(table.rule.like(f"{prefix}%") for prefix in COMPLIANCE_RULES))
    for chunk in _chunks(sorted(snapshot_ids)):
        query = sa_select(table.snapshot_id, *columns).where(
            table.snapshot_id.in_(chunk), compliance
        )
        for snap_id, rule, path, line, message, severity in session.execute(query).all():
            out.setdefault(snap_id, []).append((rule, path, line, message, severity))
    return out


def _bias_added(events: list[_Event], snaps: dict[int, _Snap]) -> list[Item]:
    return [
        Item(
            id=f"bias-added:{e.key}",
            section="bias-added",
            title=e.key,
            url=_artifact_url(e.artifact_kind, e.key),
            summary="The card now reports a bias evaluation with results.",
            kind=_KIND_LABEL.get(e.artifact_kind, e.artifact_kind),
            evidence=(_file_link(e, snaps[e.snapshot_id], "README.md", None, "the card"),),
            score=snaps[e.snapshot_id].downloads,
        )
        for e in events
        if e.kind == "bias-eval-added"
    ]


def _bias_missing(session: Session, week: IsoWeek) -> list[Item]:
    latest = _latest_ok(week.end, "hf-model").scalar_subquery()
    lacking = select(Finding.snapshot_id).where(
        col(Finding.snapshot_id).in_(latest), Finding.rule == BIAS_EVAL_RULE
    )
    query = (
        select(Snapshot, Artifact.key)
        .join(Artifact, col(Artifact.id) == col(Snapshot.artifact_id))
        .where(col(Snapshot.id).in_(lacking), col(Snapshot.downloads) > 0)
        .order_by(col(Snapshot.downloads).desc(), col(Artifact.key))
        .limit(POPULAR_WITHOUT_BIAS)
    )
    return [
        Item(
            id=f"bias-missing:{key}",
            section="bias-missing",
            title=key,
            url=_artifact_url("hf-model", key),
            summary=f"{s.downloads or 0:,} downloads; no bias benchmark with results in its card.",
            kind="model",
        )
        for s, key in session.exec(query).all()
    ]


def _ecosystem(events: list[_Event]) -> list[Item]:
    out = []
    for e in events:
        if e.kind not in ("list-entry-added", "list-entry-removed"):
            continue
        added = e.kind == "list-entry-added"
        name, link = str(e.detail.get("name") or ""), str(e.detail.get("link") or "")
        section = e.detail.get("section")
        where = f"{e.key}" + (f", section “{section}”" if section else "")
        out.append(
            Item(
                id=f"list:{e.key}:{'+' if added else '-'}:{link}",
                section="ecosystem",
                title=name or link,
                url=link or None,
                summary=("Added to " if added else "Removed from ") + where,
                kind="list entry",
                evidence=(Link(e.key, _artifact_url("sd-list", e.key)),),
                group="added" if added else "removed",
            )
        )
    return out


def _license_mix(
    session: Session, events: list[_Event], snaps: dict[int, _Snap]
) -> list[tuple[str, int]]:
    """Declared licenses of this week's new derivatives (new artifacts with a base model)."""
    new = [e.snapshot_id for e in events if e.kind == "new-artifact"]
    derived: set[int] = set()
    for chunk in _chunks(sorted(new)):
        query = select(LineageEdge.snapshot_id).where(col(LineageEdge.snapshot_id).in_(chunk))
        derived.update(session.exec(query).all())
    mix = Counter(
        snaps[s].declared_license or snaps[s].detected_license or "none found" for s in derived
    )
    return sorted(mix.items(), key=lambda kv: (-kv[1], kv[0]))


# --- links --------------------------------------------------------------------------------------


def _artifact_url(kind: str, key: str) -> str | None:
    if kind == "hf-model":
        return f"https://huggingface.co/{key}"
    if kind in ("github-repo", "sd-list"):
        return f"https://github.com/{key}"
    return None


def _file_link(e: _Event, snap: _Snap, path: str | None, line: int | None, text: str) -> Link:
    """A link to the file (and line) as it was in the snapshot."""
    if path is None:
        return Link(text, _artifact_url(e.artifact_kind, e.key))
    anchor = f"#L{line}" if line else ""
    if e.artifact_kind == "hf-model":
        return Link(
            text, f"https://huggingface.co/{e.key}/blob/{snap.revision or 'main'}/{path}{anchor}"
        )
    if e.artifact_kind == "github-repo":
        return Link(text, f"https://github.com/{e.key}/blob/HEAD/{path}{anchor}")
    return Link(text, _artifact_url(e.artifact_kind, e.key))
