"""Training examples without hand labels: what a well-structured card's headings say its
sections are, and what license texts are (terms, and in their use-restriction parts, those).

Precision over coverage: a heading that fits no rule gives no example rather than a guessed one.
The hand-labelled evaluation cards never reach this module's output (see `training_examples`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from auditors.card import parse_card
from auditors.classifier.labels import with_other
from auditors.classifier.sectioning import CardSection, split_card
from auditors.sections import BIAS_BENCHMARKS, has_result_near, restriction_sentence

#: Own heading → labels, first match wins. Order matters: "intended uses & limitations" is
#: intended use *and* limitations, "training data" is not "training procedure".
HEADING_LABELS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(p, re.IGNORECASE), frozenset(labels.split()))
    for p, labels in (
        (r"citation|\bcite\b|bibtex|^references?$", "citation"),
        (r"environmental|carbon|emission|\bco2\b", "environmental_impact"),
        (r"out[- ]of[- ]scope|misuse|malicious|not intended", "out_of_scope_use"),
        (r"prohibited|acceptable use|use restrictions|use[- ]based", "use_restrictions"),
        (r"intended uses? (?:&|and) limitations", "intended_use bias_risks_limitations"),
        (r"intended use|direct use|downstream use|^uses?$|^use cases?$", "intended_use"),
        (
            r"bias|risk|limitation|ethic|fairness|harm|safety|responsib|disclaimer|caveat",
            "bias_risks_limitations",
        ),
        (r"^recommendations$", "bias_risks_limitations"),
        (r"training data|^datasets?$|^data$|training dataset|pre-?training data", "training_data"),
        (
            r"evaluat|^results$|benchmark|performance|^metrics$|leaderboard|testing data",
            "evaluation",
        ),
        (r"licen[cs]|terms of use", "license_terms"),
        (
            r"how to (?:use|get started|run)|usage|quick ?start|^inference|install|"
            r"example code|^use with|^using |diffusers|^running|prompt (?:format|template)",
            "how_to_use",
        ),
        (
            r"model (?:description|details|summary|type|date|sources?|architecture|card "
            r"(?:authors|contact))|architecture|introduction|overview|^summary$|acknowledg|"
            r"contact|^authors?$|news|updates?$|changelog|hyperparameters|training procedure|"
            r"framework versions|glossary|more information|table of contents|contributors|"
            r"^about|^speeds|^hardware|^software|compute infrastructure|^model$",
            "other",
        ),
    )
)
_CODE_USE = re.compile(r"from_pretrained|pipeline\(|pip install|import torch|\bgenerate\(")
_BIBTEX = re.compile(r"@(?:article|misc|inproceedings|software|techreport)\{", re.IGNORECASE)


@dataclass(frozen=True)
class Example:
    text: str
    heading: str
    labels: frozenset[str]
    source: str  # file the example came from


def card_section_labels(section: CardSection) -> set[str] | None:
    """Labels for one section of a card, or None when its heading says nothing we trust."""
    title = section.heading.strip().lower()
    labels: set[str] | None = None
    for pattern, found in HEADING_LABELS:
        if pattern.search(title):
            labels = set(found)
            break
    if labels is None and title in ("results", "scores") and section.path:
        labels = {"evaluation"}
    if labels is None:
        return None
    body = section.body
    if any(has_result_near(body, m) for m in BIAS_BENCHMARKS.finditer(body)):
        labels |= {"bias_evaluation", "evaluation"}
    if _BIBTEX.search(body):
        labels.add("citation")
    if "license_terms" in labels and restriction_sentence(body):
        labels.add("use_restrictions")
    if "```" in body and _CODE_USE.search(body):
        labels.add("how_to_use")
    return with_other(labels)


def card_examples(cards_dir: Path, skip: set[str]) -> Iterator[Example]:
    for path in sorted(cards_dir.glob("*.md")):
        if path.name in skip:
            continue
        card = parse_card(path.read_text(encoding="utf-8", errors="replace"))
        for section in split_card(card):
            labels = card_section_labels(section)
            if labels is not None:
                yield Example(section.body, section.context, frozenset(labels), path.name)


def license_examples(licenses_dir: Path) -> Iterator[Example]:
    """License texts in chunks of paragraphs (~150 words), each `license_terms`.

    A paragraph with a sentence prohibiting uses (spaCy rule matcher), and the list items that
    follow it (a RAIL attachment, an acceptable-use policy), are `use_restrictions` as well.
    """
    from tracker.classifier.restrictions import RestrictionMatcher

    matcher = RestrictionMatcher()
    for path in sorted(licenses_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        marked: list[tuple[str, bool]] = []
        restricting = False
        for p in _paragraphs(text):
            if matcher.prohibiting_sentences(p):
                restricting = True
            elif not (_LIST_ITEM.match(p) or len(p.split()) < 6):
                restricting = False
            marked.append((p, restricting))
        for chunk, restricts in _chunks(marked):
            labels = {"license_terms", "use_restrictions"} if restricts else {"license_terms"}
            yield Example(chunk, "", frozenset(labels), path.name)


_LIST_ITEM = re.compile(r"\s*(?:[-*•]|\(?[0-9a-z]{1,3}[.)])\s")


def _paragraphs(text: str) -> list[str]:
    """Blank-line paragraphs, with list blocks cut at each top-level item's line."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        if not re.search(r"[A-Za-z]{3}", block):
            continue
        lines = block.strip("\n").split("\n")
        current: list[str] = []
        for line in lines:
            if current and _LIST_ITEM.match(line) and not line.startswith((" ", "\t")):
                out.append("\n".join(current))
                current = []
            current.append(line)
        out.append("\n".join(current))
    return out


def _chunks(marked: list[tuple[str, bool]], words: int = 150) -> Iterator[tuple[str, bool]]:
    """Consecutive paragraphs of the same kind, joined up to about `words` words."""
    chunk: list[str] = []
    kind = False
    for p, restricts in marked:
        if chunk and (restricts != kind or sum(len(c.split()) for c in chunk) >= words):
            yield "\n\n".join(chunk), kind
            chunk = []
        chunk.append(p)
        kind = restricts
    if chunk:
        yield "\n\n".join(chunk), kind


def eval_card_names(eval_file: Path) -> set[str]:
    with eval_file.open(encoding="utf-8") as f:
        return {json.loads(line)["card"] for line in f if line.strip()}
