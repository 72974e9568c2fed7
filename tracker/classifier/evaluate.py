"""The evaluation report: classifier and baseline side by side on the hand-labelled set."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from auditors.card import parse_card
from auditors.classifier.baseline import baseline_labels, has_standard_heading
from auditors.classifier.labels import LABELS
from auditors.classifier.model import Weights, probabilities
from auditors.classifier.predict import labels_from
from auditors.classifier.sectioning import CardSection, split_card


@dataclass(frozen=True)
class LabelledSection:
    id: str
    section: CardSection
    labels: frozenset[str]
    note: str


class EvalSetError(Exception):
    pass


def load_labelled(eval_file: Path, cards_dir: Path) -> list[LabelledSection]:
    rows = [json.loads(line) for line in eval_file.read_text(encoding="utf-8").splitlines() if line]
    cards: dict[str, dict[int, CardSection]] = {}
    out = []
    for row in rows:
        name = row["card"]
        if name not in cards:
            text = (cards_dir / name).read_text(encoding="utf-8", errors="replace")
            cards[name] = {u.line: u for u in split_card(parse_card(text))}
        section = cards[name].get(row["line"])
        if section is None or section.context != row["context"]:
            raise EvalSetError(f"{eval_file}: {row['id']} names no section of {name} any more")
        out.append(LabelledSection(row["id"], section, frozenset(row["labels"]), row["note"]))
    return out


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int


def score(truth: list[frozenset[str]], predicted: list[set[str]], label: str) -> Scores:
    tp = sum(1 for t, p in zip(truth, predicted, strict=True) if label in t and label in p)
    fp = sum(1 for t, p in zip(truth, predicted, strict=True) if label not in t and label in p)
    fn = sum(1 for t, p in zip(truth, predicted, strict=True) if label in t and label not in p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp + fn)


def macro_f1(truth: list[frozenset[str]], predicted: list[set[str]]) -> float:
    """Mean F1 over the labels that occur in `truth` (a label with no example has no F1)."""
    present = [label for label in LABELS if any(label in t for t in truth)]
    return float(np.mean([score(truth, predicted, label).f1 for label in present]))


def classify_sections(weights: Weights, sections: Iterable[CardSection]) -> list[set[str]]:
    sections = list(sections)
    probs = probabilities(weights, [s.body for s in sections], [s.context for s in sections])
    return [labels_from(row, weights.thresholds) for row in probs]


@dataclass
class Report:
    rows: list[LabelledSection]
    classifier: list[set[str]]
    baseline: list[set[str]]
    weights: Weights
    second: list[set[str]] | None = None  # an independent second reader's labels, if any

    @property
    def nonstandard(self) -> list[int]:
        return [i for i, r in enumerate(self.rows) if not has_standard_heading(r.section)]

    def macro(self, which: str, subset: list[int] | None = None) -> float:
        idx = subset if subset is not None else list(range(len(self.rows)))
        pred = {"classifier": self.classifier, "baseline": self.baseline}.get(which)
        if pred is None:
            assert self.second is not None
            pred = self.second
        return macro_f1([self.rows[i].labels for i in idx], [pred[i] for i in idx])

    def summary(self) -> dict[str, object]:
        truth = [r.labels for r in self.rows]
        per_label = {
            label: {
                "classifier": score(truth, self.classifier, label).__dict__,
                "baseline": score(truth, self.baseline, label).__dict__,
            }
            for label in LABELS
        }
        sub = self.nonstandard
        return {
            "sections": len(self.rows),
            "nonstandard_sections": len(sub),
            "model_version": self.weights.version,
            "macro_f1": {
                "classifier": self.macro("classifier"),
                "baseline": self.macro("baseline"),
            },
            "macro_f1_nonstandard": {
                "classifier": self.macro("classifier", sub),
                "baseline": self.macro("baseline", sub),
            },
            "per_label": per_label,
            **self._readers(),
        }

    def _readers(self) -> dict[str, object]:
        """How far two readers agree: the second reader scored against the reference labels,
        the ceiling a model trained on such labels can be expected to reach."""
        if self.second is None:
            return {}
        sub = self.nonstandard
        second = [frozenset(s) for s in self.second]
        return {
            "second_reader": {
                "macro_f1": self.macro("second"),
                "macro_f1_nonstandard": self.macro("second", sub),
                "per_label_f1": {
                    label: score([r.labels for r in self.rows], self.second, label).f1
                    for label in LABELS
                },
                "classifier_against_second_reader": macro_f1(second, self.classifier),
            }
        }


def evaluate(weights: Weights, rows: list[LabelledSection], second: Path | None = None) -> Report:
    return Report(
        rows,
        classify_sections(weights, (r.section for r in rows)),
        [baseline_labels(r.section) for r in rows],
        weights,
        load_second_reading(second, rows) if second else None,
    )


def load_second_reading(path: Path, rows: list[LabelledSection]) -> list[set[str]]:
    """The second reader's labels, in the order of `rows` (every id must be there)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            found[row["id"]] = set(row["labels"])
    missing = [r.id for r in rows if r.id not in found]
    if missing:
        raise EvalSetError(f"{path}: no labels for {len(missing)} sections, e.g. {missing[0]}")
    return [found[r.id] for r in rows]
