"""A card's sections with their labels, as the rules read them: from the shipped classifier, or
from the headings-plus-keywords baseline when its weights cannot be loaded (or are not wanted)."""

from __future__ import annotations

from dataclasses import dataclass

from auditors.card import Card
from auditors.classifier.baseline import baseline_labels
from auditors.classifier.labels import LABELS
from auditors.classifier.sectioning import CardSection, split_card


@dataclass(frozen=True)
class ReadSection:
    section: CardSection
    labels: frozenset[str]
    probabilities: dict[str, float] | None  # None when the baseline labelled it


@dataclass(frozen=True)
class CardReading:
    method: str  # "classifier <version>" or "baseline"
    sections: tuple[ReadSection, ...]
    note: str = ""  # why the baseline was used, when it was not asked for

    @property
    def by_classifier(self) -> bool:
        return self.method.startswith("classifier")

    def with_label(self, label: str) -> list[ReadSection]:
        return [s for s in self.sections if label in s.labels]


def read_card(card: Card, use_classifier: bool = True) -> CardReading:
    units = split_card(card)
    note = ""
    if use_classifier:
        from auditors.classifier.model import probabilities, shipped_weights
        from auditors.classifier.predict import labels_of
        from auditors.errors import WeightsUnavailable

        try:
            weights = shipped_weights()
        except WeightsUnavailable as exc:
            note = f"section classifier unavailable ({exc}); headings and keywords used"
        else:
            probs = probabilities(weights, [u.body for u in units], [u.context for u in units])
            # As Python lists at once: numpy scalars one by one cost more than the model.
            rows = probs.tolist()
            hits = (probs >= weights.thresholds).tolist()
            return CardReading(
                f"classifier {weights.version}",
                tuple(
                    ReadSection(u, frozenset(labels_of(hit)), dict(zip(LABELS, row, strict=True)))
                    for u, row, hit in zip(units, rows, hits, strict=True)
                ),
            )
    return CardReading(
        "baseline",
        tuple(ReadSection(u, frozenset(baseline_labels(u)), None) for u in units),
        note,
    )
