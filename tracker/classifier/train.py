"""`tracker train`: the shipped weights from the corpus, reproducibly (fixed seeds, CPU).

Data: weak labels from the headings of corpus cards (not the evaluation cards) and from license
texts (`weak_labels`). Every card example is seen twice, with its headings and without them, so
the text has to carry the label on its own: that is what makes the model read bodies under
"Notes" or no heading at all.
"""

from __future__ import annotations

import collections
import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from auditors.classifier.features import Batch, FeatureSpace, featurize, tokens
from auditors.classifier.labels import INDEX, LABELS
from auditors.classifier.model import Weights
from tracker.classifier.evaluate import load_labelled
from tracker.classifier.network import SectionNet
from tracker.classifier.weak_labels import (
    Example,
    card_examples,
    eval_card_names,
    license_examples,
)


@dataclass(frozen=True)
class TrainConfig:
    dim: int = 32
    hidden: tuple[int, ...] = (64,)
    pair_buckets: int = 1 << 15
    min_count: int = 2
    epochs: int = 12
    batch_size: int = 128
    lr: float = 1e-2
    seed: int = 0
    heading_dropout: bool = True  # also train on every card section without its headings

    def describe(self) -> dict[str, object]:
        return {
            "architecture": "linear" if not self.hidden else f"mlp{list(self.hidden)}",
            "dim": self.dim,
            "hidden": list(self.hidden),
            "min_count": self.min_count,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "seed": self.seed,
            "heading_dropout": self.heading_dropout,
        }


@dataclass
class TrainingData:
    examples: list[Example]
    held_out_cards: set[str] = field(default_factory=set)

    @property
    def sources(self) -> set[str]:
        return {e.source for e in self.examples}

    def digest(self) -> str:
        h = hashlib.sha256()
        for e in self.examples:
            h.update(f"{e.source}\0{e.heading}\0{e.text}\0{sorted(e.labels)}\n".encode())
        return h.hexdigest()[:16]


def training_data(
    corpus: Path,
    eval_file: Path,
    hand_file: Path | None,
    hand_repeat: int = 2,
    weak_cards: bool = True,
) -> TrainingData:
    """Weak labels from headings and license texts, plus hand labels (`hand_repeat` times).

    The evaluation cards are skipped; so are the hand-labelled cards by the weak labeller, since
    their hand labels say more.
    """
    held_out = eval_card_names(eval_file)
    hand = load_labelled(hand_file, corpus / "cards") if hand_file else []
    hand_cards = {r.id.split("#")[0] for r in hand}
    if hand_cards & held_out:
        raise ValueError(f"{hand_file}: cards of the evaluation set are in the training set")
    examples = list(card_examples(corpus / "cards", skip=held_out | hand_cards)) if weak_cards else []
    examples += license_examples(corpus / "licenses")
    for _ in range(hand_repeat):
        examples += [
            Example(r.section.body, r.section.context, r.labels, r.id.split("#")[0]) for r in hand
        ]
    return TrainingData(examples, held_out)


def build_vocab(examples: Sequence[Example], min_count: int) -> dict[str, int]:
    counts: collections.Counter[str] = collections.Counter()
    for e in examples:
        counts.update(tokens(e.text)[:384])
        counts.update(tokens(e.heading))
    kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    return {w: i + 1 for i, w in enumerate(kept)}


def _targets(examples: Sequence[Example]) -> torch.Tensor:
    y = torch.zeros(len(examples), len(LABELS))
    for i, e in enumerate(examples):
        for name in e.labels:
            y[i, INDEX[name]] = 1.0
    return y


Row = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # ids, weights, bag lengths


def _rows(batch: Batch) -> list[Row]:
    """Split a featurized batch back into per-example arrays, so it is featurized once."""
    ends = [*batch.offsets[1:].tolist(), len(batch.ids)]
    lengths = torch.tensor([b - a for a, b in zip(batch.offsets.tolist(), ends, strict=True)])
    ids, weights = torch.from_numpy(batch.ids), torch.from_numpy(batch.weights)
    owner = batch.owner.tolist()
    rows: list[Row] = []
    bag = 0
    for section in range(batch.sections):
        first = bag
        while bag < len(owner) and owner[bag] == section:
            bag += 1
        a = int(batch.offsets[first])
        b = ends[bag - 1]
        rows.append((ids[a:b], weights[a:b], lengths[first:bag]))
    return rows


def _stack(rows: list[Row]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, int]:
    lengths = torch.cat([r[2] for r in rows])
    offsets = torch.cumsum(lengths, 0) - lengths
    owner = torch.cat([torch.full((len(r[2]),), i, dtype=torch.int64) for i, r in enumerate(rows)])
    ids = torch.cat([r[0] for r in rows])
    return ids, offsets, torch.cat([r[1] for r in rows]), owner, len(rows)


def config_weights(examples: Sequence[Example], config: TrainConfig) -> None:
    return None


def train(
    data: TrainingData,
    config: TrainConfig = TrainConfig(),
    progress: Callable[[int, int], None] | None = None,
) -> Weights:
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: the same sums in the same order on every machine
    try:
        return _train(data, config, progress)
    finally:
        torch.set_num_threads(threads)


def _train(
    data: TrainingData, config: TrainConfig, progress: Callable[[int, int], None] | None
) -> Weights:
    examples = list(data.examples)
    if config.heading_dropout:
        examples += [Example(e.text, "", e.labels, e.source) for e in examples if e.heading]
    space = FeatureSpace(build_vocab(examples, config.min_count), config.pair_buckets)
    net = SectionNet(space.size, config.dim, config.hidden)
    with torch.no_grad():
        net.bag.weight.normal_(0.0, 0.1)
    y = _targets(examples)
    rows = _rows(featurize(space, [e.text for e in examples], [e.heading for e in examples]))
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss(weight=config_weights(examples, config))
    generator = torch.Generator().manual_seed(config.seed)
    steps = config.epochs * ((len(examples) + config.batch_size - 1) // config.batch_size)
    done = 0
    for _ in range(config.epochs):
        order = torch.randperm(len(examples), generator=generator).tolist()
        for start in range(0, len(order), config.batch_size):
            idx = order[start : start + config.batch_size]
            logits = net(*_stack([rows[i] for i in idx]))
            loss = loss_fn(logits, y[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            done += 1
            if progress:
                progress(done, steps)
    meta = {
        **config.describe(),
        "training_examples": len(data.examples),
        "training_cards": len({e.source for e in data.examples if e.source.endswith(".md")}),
        "training_data_sha256": data.digest(),
        "torch": torch.__version__,
    }
    return net.to_weights(space, torch.full((len(LABELS),), 0.5), meta)
