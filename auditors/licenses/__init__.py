"""License identification: which license(s) a file or a model card carries, and how sure we are.

    identify_text(text, path)   a license file: exact → similarity → title claim → prose
    identify_card(text, path)   a model card: metadata → embedded license text → prose
    analyse_rail(text, path, reference_id)   which use restrictions and clauses survive

Every result is an `Identification` naming the matcher that decided, its confidence and the
lines it looked at, so a reader can weigh the evidence.
"""

from __future__ import annotations

from auditors.card import Card, parse_card
from auditors.knowledge import KnowledgeBase, load_knowledge_base
from auditors.licenses import card_matchers
from auditors.licenses.names import name_finder
from auditors.licenses.rail import analyse_rail
from auditors.licenses.references import ReferenceIndex, reference_index
from auditors.licenses.text_matchers import MATCH_THRESHOLD
from auditors.licenses.text_matchers import identify_text as _identify_text
from auditors.paths import data_dir
from auditors.report import Identification

__all__ = [
    "MATCH_THRESHOLD",
    "analyse_rail",
    "identify_card",
    "identify_card_body",
    "identify_text",
    "index_for",
]


def index_for(kb: KnowledgeBase) -> ReferenceIndex:
    return reference_index(kb, data_dir() / "licenses")


def identify_text(
    text: str,
    path: str = "LICENSE",
    kb: KnowledgeBase | None = None,
    threshold: float = MATCH_THRESHOLD,
) -> list[Identification]:
    """Licenses in a license-like file, best first."""
    kb = kb or load_knowledge_base()
    return _identify_text(text, path, kb, index_for(kb), name_finder(kb), threshold)


def identify_card(
    text: str | Card,
    path: str = "README.md",
    kb: KnowledgeBase | None = None,
    threshold: float = MATCH_THRESHOLD,
) -> list[Identification]:
    """Licenses a model card declares or names, best first (declared metadata leads)."""
    kb = kb or load_knowledge_base()
    card = text if isinstance(text, Card) else parse_card(text)
    found = card_matchers.declared(card, path, kb) + identify_card_body(card, path, kb, threshold)
    return _best_per_license(found)


def identify_card_body(
    card: Card, path: str, kb: KnowledgeBase, threshold: float = MATCH_THRESHOLD
) -> list[Identification]:
    """Licenses the card's text names: an embedded license section, or prose."""
    found: list[Identification] = []
    for body, first_line in card_matchers.license_sections(card):
        padded = "\n" * (first_line - 1) + body
        found.extend(
            i
            for i in _identify_text(padded, path, kb, index_for(kb), name_finder(kb), threshold)
            if i.method in ("exact", "similarity")
        )
    found.extend(card_matchers.named_in_prose(card, path, name_finder(kb)))
    return _best_per_license(found)


def _best_per_license(found: list[Identification]) -> list[Identification]:
    best: dict[str, Identification] = {}
    for ident in found:
        prev = best.get(ident.license_id)
        if prev is None or ident.confidence > prev.confidence:
            best[ident.license_id] = ident
    return sorted(best.values(), key=lambda i: -i.confidence)
