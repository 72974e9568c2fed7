"""Which corpus cards the hand-labelled sets come from, chosen by a fixed rule.

The evaluation set must measure what headings miss, so it is drawn from cards that follow no
template: cards using fewer than three of the Hugging Face model-card template's headings. The
cards are taken in the order of a hash of their file name (stable, unrelated to content) until the
set has enough sections; every section of a chosen card is in it, and the card is kept out of
training. The hand-labelled training set continues in the same order over the cards left.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

from auditors.card import parse_card
from auditors.classifier.sectioning import CardSection, split_card

#: Headings of huggingface_hub's model-card template
#: (corpus/meta/huggingface_hub_modelcard_template.md).
TEMPLATE_HEADINGS = frozenset(
    """model details|model description|model sources|uses|direct use|downstream use|
    out-of-scope use|bias, risks, and limitations|recommendations|
    how to get started with the model|training details|training data|training procedure|
    preprocessing|training hyperparameters|speeds, sizes, times|evaluation|
    testing data, factors & metrics|testing data|factors|metrics|results|summary|
    model examination|environmental impact|technical specifications|
    model architecture and objective|compute infrastructure|hardware|software|citation|
    glossary|more information|model card authors|model card contact""".replace("\n", "")
    .replace("    ", "")
    .split("|")
)
MIN_SECTIONS = 330
MAX_SECTIONS_PER_CARD = 25
MIN_TRAIN_SECTIONS = 3850
MAX_TRAIN_SECTIONS_PER_CARD = 40


def template_headings_used(units: list[CardSection]) -> int:
    norm = {re.sub(r"\s*\[optional\]|\s+", " ", u.heading.lower()).strip() for u in units}
    return len(norm & TEMPLATE_HEADINGS)


def follows_no_template(units: list[CardSection]) -> bool:
    return template_headings_used(units) < 3


def _order(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def card_units(path: Path) -> list[CardSection]:
    return split_card(parse_card(path.read_text(encoding="utf-8", errors="replace")))


def eval_cards(cards_dir: Path) -> list[str]:
    """File names of the evaluation cards, in the order they were taken."""
    chosen, total = [], 0
    for path in sorted(cards_dir.glob("*.md"), key=lambda p: _order(p.name)):
        units = card_units(path)
        if not 2 <= len(units) <= MAX_SECTIONS_PER_CARD or not follows_no_template(units):
            continue
        chosen.append(path.name)
        total += len(units)
        if total >= MIN_SECTIONS:
            break
    return chosen


def train_cards(cards_dir: Path) -> list[str]:
    """File names of the hand-labelled training cards: the next no-template cards in order,
    then, when those run out, template cards in the same order."""
    held_out = set(eval_cards(cards_dir))
    ordered = sorted(cards_dir.glob("*.md"), key=lambda p: _order(p.name))
    chosen, total = [], 0
    for want_template in (False, True):
        for path in ordered:
            if path.name in held_out:
                continue
            units = card_units(path)
            if not 1 <= len(units) <= MAX_TRAIN_SECTIONS_PER_CARD:
                continue
            if follows_no_template(units) == want_template:
                continue
            chosen.append(path.name)
            total += len(units)
            if total >= MIN_TRAIN_SECTIONS:
                return chosen
    return chosen


def candidate_rows(cards_dir: Path, which: str = "eval") -> Iterator[dict[str, object]]:
    """Rows to label (with the text, for the labeller) of the `eval` or `train` cards."""
    for name in eval_cards(cards_dir) if which == "eval" else train_cards(cards_dir):
        for u in card_units(cards_dir / name):
            yield {
                "id": f"{name}#{u.line}",
                "card": name,
                "line": u.line,
                "end_line": u.end_line,
                "context": u.context,
                "text": u.body,
            }


if __name__ == "__main__":
    import sys

    # python -m tracker.classifier.evalset CARDS_DIR eval|train OUT.jsonl
    out = Path(sys.argv[3])
    with out.open("w", encoding="utf-8") as f:
        for row in candidate_rows(Path(sys.argv[1]), sys.argv[2]):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
