"""The shipped section classifier, run with numpy: one card at a time, no torch import.

Weights live in `data/classifier/` (`weights.npz`, `vocab.txt`, `config.json`), written by
`tracker train`. The batched torch model in `tracker.classifier.network` loads the same files and
computes the same function; a test holds the two to 1e-5.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from auditors.classifier.features import Batch, FeatureSpace, Part, featurize
from auditors.classifier.labels import LABELS
from auditors.errors import WeightsUnavailable
from auditors.paths import data_dir

Array = npt.NDArray[np.float32]


def weights_dir() -> Path:
    return data_dir() / "classifier"


@dataclass(frozen=True)
class Weights:
    """Embedding table, then (matrix, bias) per layer; ReLU between layers, sigmoid at the end."""

    space: FeatureSpace
    embedding: Array
    layers: tuple[tuple[Array, Array], ...]
    thresholds: Array
    config: dict[str, object]
    version: str  # first 12 hex digits of the weights file's SHA-256

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "embedding": self.embedding.astype(np.float16)
        }
        for i, (w, b) in enumerate(self.layers):
            arrays[f"w{i}"], arrays[f"b{i}"] = w.astype(np.float32), b.astype(np.float32)
        arrays["thresholds"] = self.thresholds.astype(np.float32)
        with (folder / "weights.npz").open("wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]  # floats do not compress
        words = sorted(self.space.vocab, key=self.space.vocab.__getitem__)
        (folder / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
        config = {**self.config, "pair_buckets": self.space.pair_buckets, "labels": list(LABELS)}
        (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def load_weights(folder: Path | None = None) -> Weights:
    folder = folder or weights_dir()
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        raw = (folder / "weights.npz").read_bytes()
        vocab_words = (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    except (OSError, ValueError) as exc:
        raise WeightsUnavailable(f"{folder}: {exc}") from exc
    if tuple(config.get("labels", ())) != LABELS:
        raise WeightsUnavailable(f"{folder}: trained for other labels than this code knows")
    with np.load(io.BytesIO(raw)) as npz:
        embedding = npz["embedding"].astype(np.float32)
        n = sum(1 for k in npz.files if k.startswith("w"))
        layers = tuple((npz[f"w{i}"], npz[f"b{i}"]) for i in range(n))
        thresholds = npz["thresholds"]
    space = FeatureSpace({w: i + 1 for i, w in enumerate(vocab_words)}, int(config["pair_buckets"]))
    if embedding.shape[0] != space.size or layers[-1][0].shape[1] != len(LABELS):
        raise WeightsUnavailable(f"{folder}: weights do not match the vocabulary or the labels")
    version = hashlib.sha256(raw).hexdigest()[:12]
    return Weights(space, embedding, layers, thresholds, config, version)


@functools.cache
def shipped_weights() -> Weights:
    return load_weights()


def bag_sums(embedding: Array, part: Part) -> Array:
    """EmbeddingBag(mode="sum", per_sample_weights) in numpy: one row per bag."""
    bags = len(part.offsets)
    out = np.zeros((bags, embedding.shape[1]), dtype=np.float32)
    if len(part.ids):
        rows = embedding[part.ids] * part.weights[:, None]
        ends = np.empty_like(part.offsets)  # np.diff(append=) costs more than the sums
        ends[:-1], ends[-1] = part.offsets[1:], len(part.ids)
        full = ends > part.offsets
        out[full] = np.add.reduceat(rows, part.offsets[full], axis=0)
    return out


def paragraph_vectors(embedding: Array, batch: Batch) -> Array:
    heads = bag_sums(embedding, batch.headings)
    out: Array = bag_sums(embedding, batch.words) + bag_sums(embedding, batch.pairs)
    return out + heads[batch.owner]


def section_logits(bag_logits: Array, owner: npt.NDArray[np.int64]) -> Array:
    """A section is about a topic when any of its paragraphs is (max); it is `other` only when
    all of them are (min, the last label)."""
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    out: Array = np.maximum.reduceat(bag_logits, starts, axis=0)
    out[:, -1] = np.minimum.reduceat(bag_logits[:, -1], starts)
    return out


def probabilities(weights: Weights, texts: Sequence[str], headings: Sequence[str]) -> Array:
    """One row of label probabilities per section."""
    batch = featurize(weights.space, texts, headings)
    x = paragraph_vectors(weights.embedding, batch)
    for i, (w, b) in enumerate(weights.layers):
        x = x @ w + b
        if i < len(weights.layers) - 1:
            x = np.maximum(x, 0.0)
    x = section_logits(x, batch.owner) if len(x) else np.zeros((0, len(LABELS)), np.float32)
    out: Array = (1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))).astype(np.float32)
    return out
