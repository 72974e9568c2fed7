"""What a week's digest holds: plain data, JSON-round-trippable, with no database or HTML in it.

`tracker.digest.build` fills it from the database at draft time and `draft` saves it as
`data.json`, so rendering (and re-rendering after the editor curates) needs neither the database
nor the network, and a published week is frozen with exactly what it showed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Section keys in reading order, with their titles and what an empty one says.
SECTIONS: dict[str, tuple[str, str]] = {
    "notable": ("New and notable", "Nothing new or growing among the tracked models this week."),
    "license-changes": ("Licenses changed", "No tracked artifact changed its license this week."),
    "new-problems": ("New compliance problems", "No new compliance problems this week."),
    "resolved": ("Problems resolved", "No compliance problem was resolved this week."),
    "bias-added": (
        "Cards that added a bias evaluation",
        "No card added a bias evaluation this week.",
    ),
    "bias-missing": (
        "Popular models still without a bias evaluation",
        "Every popular tracked model reports a bias evaluation.",
    ),
    "ecosystem": (
        "The Stable Diffusion ecosystem",
        "No entry was added to or removed from the tracked lists this week.",
    ),
}


@dataclass(frozen=True)
class Link:
    """Evidence for an item: what it shows and where to check it (None: nothing to open)."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Item:
    """One thing that happened (or stands out) this week.

    `id` is stable across re-drafts of the week, so the editor's curation sticks to it.
    `group` gathers items under a sub-heading (the rule of a compliance problem).
    """

    id: str
    section: str
    title: str
    url: str | None
    summary: str
    kind: str  # model | distribution | list | ...
    evidence: tuple[Link, ...] = ()
    group: str | None = None
    score: float | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Item:
        evidence = tuple(Link(**e) for e in raw.get("evidence", ()))
        return cls(**{**raw, "evidence": evidence})


@dataclass(frozen=True)
class Figure:
    """A headline number this week and the week before; `share`s are fractions (0..1)."""

    key: str
    label: str
    value: float | None
    previous: float | None
    unit: str = "count"  # count | share
    note: str = ""  # e.g. "of 42 RAIL derivatives"

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class RatePoint:
    """Rates as of the end of one week, for the trend chart (None: nothing to divide)."""

    week: str
    rail_compliance: float | None
    bias_evaluation: float | None


@dataclass
class DigestContent:
    week: str
    span: str
    generated_at: str
    figures: list[Figure] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    license_mix: list[tuple[str, int]] = field(default_factory=list)
    rates: list[RatePoint] = field(default_factory=list)
    group_titles: dict[str, str] = field(default_factory=dict)  # rule id -> title
    #: Items left out of a long section or group (key "section" or "section:group"), by count.
    more: dict[str, int] = field(default_factory=dict)

    def section(self, key: str) -> list[Item]:
        return [i for i in self.items if i.section == key]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> DigestContent:
        return cls(
            week=raw["week"],
            span=raw["span"],
            generated_at=raw["generated_at"],
            figures=[Figure(**f) for f in raw["figures"]],
            items=[Item.from_json(i) for i in raw["items"]],
            license_mix=[(str(k), int(n)) for k, n in raw["license_mix"]],
            rates=[RatePoint(**r) for r in raw["rates"]],
            group_titles=dict(raw["group_titles"]),
            more={str(k): int(v) for k, v in raw.get("more", {}).items()},
        )

    def more_of(self, section: str, group: str | None = None) -> int:
        return self.more.get(f"{section}:{group}" if group else section, 0)
