"""The editor's curation file: intro, and per item pin / drop / order / blurb, kept across drafts.

    week: 2026-W47
    intro: |
      A quiet week for licenses, a loud one for LoRAs.
    sections:
      notable:
        - id: notable:stabilityai/sdxl-turbo
          title: stabilityai/sdxl-turbo     # for the editor's eyes; not read back
          pin: true                         # also shown under "Editor's picks", first
          drop: false                       # left out of the digest
          blurb: Distilled SDXL, one step.  # shown under the item
        ...

Within a section, items render in the file's order: moving an entry reorders it. A re-draft of
the same week keeps every entry still in the draft with its notes and place, and appends the
new items (best first) at the end of their section; entries whose item is gone are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tracker.digest.content import SECTIONS, DigestContent, Item
from tracker.errors import ConfigError

# libyaml's parser and emitter when present: 10x the pure-Python ones on a busy week's file.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class Note:
    id: str
    title: str = ""
    pin: bool = False
    drop: bool = False
    blurb: str = ""

    def to_yaml(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "pin": self.pin,
            "drop": self.drop,
            "blurb": self.blurb,
        }


@dataclass
class Curation:
    week: str
    intro: str = ""
    sections: dict[str, list[Note]] = field(default_factory=dict)

    def note(self, item_id: str) -> Note | None:
        for notes in self.sections.values():
            for n in notes:
                if n.id == item_id:
                    return n
        return None


def merge(previous: Curation | None, content: DigestContent) -> Curation:
    """The curation for `content`, keeping what the editor wrote in `previous`."""
    out = Curation(content.week, previous.intro if previous else "")
    for key in SECTIONS:
        items = {i.id: i for i in content.section(key)}
        kept = [n for n in (previous.sections.get(key, []) if previous else []) if n.id in items]
        for n in kept:
            n.title = items[n.id].title
        known = {n.id for n in kept}
        kept += [Note(i.id, i.title) for i in items.values() if i.id not in known]
        out.sections[key] = kept
    return out


@dataclass(frozen=True)
class Curated:
    """What the templates show: the intro, picks, and each section's items with their blurbs."""

    intro: str
    picks: list[tuple[Item, str]]
    sections: dict[str, list[tuple[Item, str]]]


def apply(curation: Curation, content: DigestContent) -> Curated:
    by_id = {i.id: i for i in content.items}
    sections: dict[str, list[tuple[Item, str]]] = {}
    picks: list[tuple[Item, str]] = []
    for key in SECTIONS:
        shown = []
        notes = curation.sections.get(key, [])
        listed = {n.id for n in notes}
        for n in notes:
            item = by_id.get(n.id)
            if item is None or item.section != key or n.drop:
                continue
            shown.append((item, n.blurb.strip()))
            if n.pin:
                picks.append((item, n.blurb.strip()))
        # Items the file does not list (it predates them and was not re-drafted) still show.
        shown += [(i, "") for i in content.section(key) if i.id not in listed]
        sections[key] = shown
    return Curated(curation.intro.strip(), picks, sections)


def save(curation: Curation, path: Path) -> None:
    data = {
        "week": curation.week,
        "intro": curation.intro,
        "sections": {k: [n.to_yaml() for n in notes] for k, notes in curation.sections.items()},
    }
    header = (
        "# Curation of the digest of this week: pin, drop, reorder (move entries), write an intro\n"
        "# and a blurb per item, then run `tracker digest render`. Re-drafting keeps your notes.\n"
    )
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(header + text, encoding="utf-8")


def load(path: Path) -> Curation:
    """Read a curation file; a ConfigError naming the file and the problem when it is wrong."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("week"), str):
        raise ConfigError(f"{path}: expected a mapping with 'week', 'intro' and 'sections'")
    sections = raw.get("sections") or {}
    if not isinstance(sections, dict):
        raise ConfigError(f"{path}: 'sections' must be a mapping of section name to items")
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"{path}: unknown section {unknown[0]!r} (known: {', '.join(SECTIONS)})")
    out = Curation(raw["week"], str(raw.get("intro") or ""))
    for key, notes in sections.items():
        out.sections[key] = [_note(path, key, n) for n in notes or []]
    return out


def _note(path: Path, section: str, raw: Any) -> Note:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise ConfigError(f"{path}: every entry of section {section!r} needs an 'id'")
    extra = sorted(set(raw) - {"id", "title", "pin", "drop", "blurb"})
    if extra:
        raise ConfigError(f"{path}: entry {raw['id']!r} has unknown key {extra[0]!r}")
    for flag in ("pin", "drop"):
        if not isinstance(raw.get(flag, False), bool):
            raise ConfigError(f"{path}: entry {raw['id']!r}: '{flag}' must be true or false")
    return Note(
        raw["id"],
        str(raw.get("title") or ""),
        bool(raw.get("pin", False)),
        bool(raw.get("drop", False)),
        str(raw.get("blurb") or ""),
    )
