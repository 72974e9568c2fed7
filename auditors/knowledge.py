"""The license knowledge base: what each license requires of derivatives, and known base models.

Read from `data/knowledge/licenses.yaml` and `data/knowledge/base-models.yaml`, which are reviewed
data files: every duty quotes the clause it comes from. Rules ask this module questions
("must use restrictions propagate?", "which name prefix is required?"); they never name licenses.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from auditors.errors import KnowledgeBaseError
from auditors.paths import data_dir

#: libyaml's loader when present: the knowledge base loads on every audit's start-up path.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

FAMILIES = ("rail", "permissive", "copyleft", "non-commercial", "community")


@dataclass(frozen=True)
class Duty:
    kind: str
    cite: str
    quote: str
    text: str | None = None


@dataclass(frozen=True)
class Restriction:
    id: str
    label: str
    quote: str


@dataclass(frozen=True)
class LicenseInfo:
    id: str
    name: str
    spdx: str | None
    hub_id: bool
    family: str
    variant_of: str | None
    texts: tuple[str, ...]
    aliases: tuple[str, ...]
    urls: tuple[str, ...]
    commercial_use: str
    commercial_note: str | None
    share_alike: bool
    restriction_set: str | None
    duties: tuple[Duty, ...]

    def duty(self, kind: str) -> Duty | None:
        return next((d for d in self.duties if d.kind == kind), None)

    def has_duty(self, kind: str) -> bool:
        return self.duty(kind) is not None

    @property
    def carries_use_restrictions(self) -> bool:
        """Whether this license itself imposes use-based restrictions (any RAIL, or an AUP).

        The Hub's generic `openrail` names a family whose members all carry restrictions,
        even though we hold no single text for it.
        """
        return (
            self.family == "rail"
            or self.restriction_set is not None
            or self.has_duty("acceptable-use-policy")
        )

    @property
    def allows_commercial_use(self) -> bool:
        return self.commercial_use != "no"

    def cite(self, kind: str) -> str:
        d = self.duty(kind)
        return f"{self.name} {d.cite}" if d else self.name


@dataclass(frozen=True)
class BaseModelFamily:
    id: str
    name: str
    license: str
    kind: str
    prose: tuple[str, ...]
    models: dict[str, str | None]  # repo id (lower-case) -> license override


@dataclass(frozen=True)
class BaseModelMatch:
    repo_id: str
    family: BaseModelFamily
    license: str


@dataclass(eq=False)  # hashed by identity: one loaded base per process
class KnowledgeBase:
    licenses: dict[str, LicenseInfo]
    restriction_sets: dict[str, tuple[Restriction, ...]]
    families: list[BaseModelFamily]
    hub_ids: dict[str, str]
    _names: dict[str, str] = field(default_factory=dict)
    _urls: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for lic in self.licenses.values():
            for name in (lic.id, lic.name, *lic.aliases):
                self._names.setdefault(name_key(name), lic.id)
            if lic.spdx:
                self._names.setdefault(name_key(lic.spdx), lic.id)
            for url in lic.urls:
                self._urls.setdefault(_url_key(url), lic.id)

    def license(self, license_id: str) -> LicenseInfo | None:
        return self.licenses.get(license_id)

    def is_hub_id(self, license_id: str) -> bool:
        return license_id in self.hub_ids

    def resolve_name(self, name: str) -> str | None:
        """A license id for a name, alias, SPDX id or `license_name` value, if we know it."""
        return self._names.get(name_key(name))

    def resolve_url(self, url: str) -> str | None:
        return self._urls.get(_url_key(url))

    def restrictions(self, license_id: str) -> tuple[Restriction, ...]:
        lic = self.licenses.get(license_id)
        if lic is None or lic.restriction_set is None:
            return ()
        return self.restriction_sets.get(lic.restriction_set, ())

    def base_model(self, repo_id: str) -> BaseModelMatch | None:
        key = repo_id.strip().lower()
        for fam in self.families:
            if key in fam.models:
                return BaseModelMatch(repo_id, fam, fam.models[key] or fam.license)
        return None

    def family_for_license(self, license_id: str) -> list[BaseModelFamily]:
        return [f for f in self.families if f.license == license_id]

    def alias_items(self) -> Iterable[tuple[str, str]]:
        """(lower-case name, license id) for every name we know, longest first."""
        return sorted(self._names.items(), key=lambda kv: -len(kv[0]))


_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_NOT_NAME = re.compile(r"(?<!\d)\.|\.(?!\d)|[^a-z0-9.+]+")
_NOISE_WORDS = {"the", "license", "licence", "licensed", "agreement", "version", "v", "terms", "of"}


def name_key(name: str) -> str:
    """Canonical form of a license name for lookup: "Apache License, Version 2.0" -> "apache 2.0".

    Letters and digits are split ("llama3.1" -> "llama 3.1"), punctuation other than a '+' or a
    version dot becomes a space, and filler words ("license", "version", "the"…) are dropped.
    """
    s = name.lower().replace("open rail", "openrail").replace("open-rail", "openrail")
    s = _LETTER_DIGIT.sub(" ", s)
    s = _NOT_NAME.sub(" ", s)
    return " ".join(w for w in s.split() if w not in _NOISE_WORDS)


def _url_key(url: str) -> str:
    key = re.sub(r"^https?://(www\.)?", "", url.strip().lower()).rstrip("/")
    return key.replace("/blob/main/", "/resolve/main/").replace("hf.co/", "huggingface.co/")


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(str(path), f"cannot read knowledge base: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema_version") != 1:
        raise KnowledgeBaseError(str(path), "expected a mapping with schema_version: 1")
    return data


def _license(raw: dict[str, Any], path: Path) -> LicenseInfo:
    try:
        family = raw["family"]
        if family not in FAMILIES:
            raise KnowledgeBaseError(str(path), f"{raw['id']}: unknown family {family!r}")
        commercial = raw.get("commercial_use", "yes")
        if isinstance(commercial, bool):  # YAML reads a bare yes/no as a boolean
            commercial = "yes" if commercial else "no"
        return LicenseInfo(
            id=str(raw["id"]),
            name=str(raw["name"]),
            spdx=raw.get("spdx"),
            hub_id=bool(raw.get("hub_id", False)),
            family=family,
            variant_of=raw.get("variant_of"),
            texts=tuple(raw.get("texts") or ()),
            aliases=tuple(str(a) for a in raw.get("aliases") or ()),
            urls=tuple(raw.get("urls") or ()),
            commercial_use=str(commercial),
            commercial_note=raw.get("commercial_note"),
            share_alike=bool(raw.get("share_alike", False)),
            restriction_set=raw.get("restriction_set"),
            duties=tuple(
                Duty(str(d["kind"]), str(d["cite"]), str(d["quote"]), d.get("text"))
                for d in raw.get("duties") or ()
            ),
        )
    except (KeyError, TypeError) as exc:
        raise KnowledgeBaseError(str(path), f"malformed license entry {raw!r:.80}: {exc}") from exc


def _family(raw: dict[str, Any]) -> BaseModelFamily:
    models: dict[str, str | None] = {}
    for m in raw.get("models") or ():
        entry = m if isinstance(m, dict) else {"id": m}
        models[str(entry["id"]).lower()] = entry.get("license")
    return BaseModelFamily(
        id=raw["id"],
        name=raw["name"],
        license=raw["license"],
        kind=raw.get("kind", "other"),
        prose=tuple(p.lower() for p in raw.get("prose") or ()),
        models=models,
    )


@functools.cache
def load_knowledge_base(root: Path | None = None) -> KnowledgeBase:
    base = root or data_dir()
    lic_path = base / "knowledge" / "licenses.yaml"
    raw = _load_yaml(lic_path)
    licenses = {lic.id: lic for lic in (_license(r, lic_path) for r in raw["licenses"])}
    sets = {
        key: tuple(Restriction(str(i["id"]), str(i["label"]), str(i["quote"])) for i in s["items"])
        for key, s in (raw.get("restriction_sets") or {}).items()
    }
    families = [_family(f) for f in _load_yaml(base / "knowledge" / "base-models.yaml")["families"]]
    with (base / "hub-license-ids.tsv").open(encoding="utf-8") as fh:
        hub_ids = {row["id"]: row["full name"] for row in csv.DictReader(fh, delimiter="\t")}
    return KnowledgeBase(licenses, sets, families, hub_ids)
