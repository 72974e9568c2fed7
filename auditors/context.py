"""Everything the rules look at, computed once per audit by the engine."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from auditors.card import Card
from auditors.classifier.reading import CardReading, read_card
from auditors.knowledge import KnowledgeBase, LicenseInfo
from auditors.policy import Policy
from auditors.repo import RepoFile, RepoView
from auditors.report import BaseModelRef, Identification, RailAnalysis

#: Identifications below this confidence are evidence for a reader, not grounds for a finding.
CONFIDENT = 0.6


@dataclass
class AuditContext:
    repo: RepoView
    kb: KnowledgeBase
    card: Card | None
    card_path: str | None
    declared: list[Identification]  # from the card's metadata
    named: list[Identification]  # from the card's prose or embedded license text
    files: dict[str, list[Identification]]  # license-like file -> what it holds
    rail: list[RailAnalysis]
    base_models: list[BaseModelRef]
    unreadable: list[RepoFile] = field(default_factory=list)
    policy: Policy = field(default_factory=Policy)
    classify_sections: bool = True  # False: the rules read sections by headings and keywords

    @functools.cached_property
    def card_reading(self) -> CardReading | None:
        """The card's sections and what they are about (computed when a rule first asks)."""
        if self.card is None:
            return None
        return read_card(self.card, use_classifier=self.classify_sections)

    def info(self, license_id: str | None) -> LicenseInfo | None:
        return self.kb.license(license_id) if license_id else None

    @property
    def declared_licenses(self) -> list[LicenseInfo]:
        return [i for i in (self.info(d.license_id) for d in self.declared) if i]

    @property
    def file_licenses(self) -> list[tuple[str, Identification]]:
        """(path, identification) for confident identifications of shipped license files."""
        return [
            (path, ident)
            for path, idents in self.files.items()
            for ident in idents
            if ident.confidence >= CONFIDENT and ident.method in ("exact", "similarity")
        ]

    @property
    def governing(self) -> list[LicenseInfo]:
        """The terms the repo is distributed under: declared metadata, else files, else prose."""
        if self.declared_licenses:
            return self.declared_licenses
        from_files = [self.info(i.license_id) for _, i in self.file_licenses]
        if any(from_files):
            return [i for i in from_files if i]
        return [
            i for i in (self.info(n.license_id) for n in self.named if n.confidence >= 0.8) if i
        ]

    @property
    def all_named_ids(self) -> set[str]:
        """Every license id the repo mentions anywhere (metadata, prose, files)."""
        ids = {d.license_id for d in self.declared} | {n.license_id for n in self.named}
        return ids | {i.license_id for idents in self.files.values() for i in idents}

    def bases_with_license(self) -> list[tuple[BaseModelRef, LicenseInfo]]:
        out = []
        for b in self.base_models:
            info = self.info(b.license_id)
            if info is not None:
                out.append((b, info))
        return out

    @functools.cached_property
    def is_known_base(self) -> bool:
        return bool(self.repo.repo_id and self.kb.base_model(self.repo.repo_id))

    def card_line(self, key: str) -> int | None:
        return self.card.field_line(key) if self.card else None
