"""Identify the license a model card declares (metadata) and names (prose, embedded text)."""

from __future__ import annotations

from auditors.card import Card
from auditors.knowledge import KnowledgeBase
from auditors.licenses.names import NameFinder
from auditors.report import Identification
from auditors.textnorm import capped_word_count

#: `license:` values that mean "see license_name / license_link" rather than naming a license.
OTHER_VALUES = {"other", "custom"}
#: `license: unknown` is a Hub id that declares no license at all.
NO_LICENSE_VALUES = {"unknown"}
#: A License section longer than this is treated as an embedded license text.
EMBEDDED_TEXT_MIN_WORDS = 60


def declared(card: Card, path: str, kb: KnowledgeBase) -> list[Identification]:
    """What the card's metadata declares: `license`, or `license_name`/`license_link`."""
    out: list[Identification] = []
    for value in card.meta_list("license"):
        if value.lower() in NO_LICENSE_VALUES:
            continue
        if value.lower() in OTHER_VALUES:
            out.extend(_other(card, path, kb))
            continue
        lid = value if value in kb.licenses or kb.is_hub_id(value) else kb.resolve_name(value)
        out.append(
            Identification(
                lid or value,
                1.0 if lid else 0.3,
                "metadata",
                path,
                card.field_line("license"),
                card.field_line("license"),
                field="license",
                note=None if lid else f"'{value}' is not a license id we know",
            )
        )
    return out


def _other(card: Card, path: str, kb: KnowledgeBase) -> list[Identification]:
    out = []
    name = card.meta_str("license_name")
    link = card.meta_str("license_link")
    if name:
        lid = kb.resolve_name(name)
        line = card.field_line("license_name")
        note = None if lid else f"license_name '{name}' is not a license we know"
        out.append(
            Identification(
                lid or f"other:{name}",
                0.95 if lid else 0.3,
                "license-name",
                path,
                line,
                line,
                field="license_name",
                note=note,
            )
        )
    if link:
        lid = kb.resolve_url(link)
        if lid and all(i.license_id != lid for i in out):
            line = card.field_line("license_link")
            out.append(
                Identification(lid, 0.9, "license-link", path, line, line, field="license_link")
            )
    if not out:
        line = card.field_line("license")
        out.append(
            Identification(
                "other",
                0.2,
                "metadata",
                path,
                line,
                line,
                field="license",
                note="license: other without a name we can resolve",
            )
        )
    return out


#: A card body this short is all notice ("[BigScience RAIL]"): every sentence is read.
SHORT_BODY_WORDS = 40


def named_in_prose(card: Card, path: str, names: NameFinder) -> list[Identification]:
    """Names and links in sentences about licensing, and anywhere in a License section."""
    short = capped_word_count(card.body, SHORT_BODY_WORDS) <= SHORT_BODY_WORDS
    found = names.in_text(card.body, path, first_line=card.body_line, everywhere=short)
    for s in card.sections:
        if "licen" in s.title.lower():
            found += names.in_text(s.body, path, first_line=s.line + 1, everywhere=True)
    return found


def license_sections(card: Card) -> list[tuple[str, int]]:
    """(text, first line) of sections headed "License" that are long enough to be a license text."""
    out = []
    for s in card.sections:
        if "licen" in s.title.lower() and _long_enough(s.body):
            out.append((s.body, s.line + 1))
    return out


def _long_enough(body: str) -> bool:
    return capped_word_count(body, EMBEDDED_TEXT_MIN_WORDS) >= EMBEDDED_TEXT_MIN_WORDS
