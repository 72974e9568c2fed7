"""Batched torch inference: many sections in, label probabilities out, on the CPU or a GPU.

Sections are sorted by length and cut into batches of similar size (length bucketing), so a batch
of short sections is not padded — EmbeddingBag needs no padding at all, but similar lengths keep
per-batch work even and let a GPU batch be large. On CUDA the MLP runs under autocast (bfloat16);
the embedding sums stay in float32.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from auditors.classifier.features import featurize
from auditors.classifier.model import Array, Weights
from tracker.errors import ConfigError
from tracker.classifier.network import SectionNet, pool_sections, to_tensors


class DeviceUnavailable(ConfigError):
    pass


def pick_device(name: str) -> torch.device:
    """`auto` is CUDA when there is one, else the CPU; asking for `cuda` without one is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("--device cuda: no CUDA device is available to torch here")
    return torch.device(name)


class TorchClassifier:
    def __init__(self, weights: Weights, device: torch.device, batch_size: int = 2048) -> None:
        self.weights = weights
        self.device = device
        self.batch_size = batch_size
        self.net = SectionNet.from_weights(weights).to(device).eval()

    def probabilities(self, texts: Sequence[str], headings: Sequence[str]) -> Array:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), len(self.weights.thresholds)), dtype=np.float32)
        space = self.weights.space
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            batch = featurize(space, [texts[i] for i in idx], [headings[i] for i in idx])
            out[idx] = self._run(*to_tensors(batch, self.device), batch.sections)
        return out

    @torch.inference_mode()
    def _run(
        self,
        ids: torch.Tensor,
        offsets: torch.Tensor,
        weights: torch.Tensor,
        owner: torch.Tensor,
        sections: int,
    ) -> Array:
        if self.device.type == "cuda":
            pooled = self.net.bag(ids, offsets, per_sample_weights=weights)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                x = pooled
                for i, layer in enumerate(self.net.layers):
                    x = layer(x)
                    if i < len(self.net.layers) - 1:
                        x = torch.relu(x)
            logits = pool_sections(x.float(), owner, sections)
        else:
            logits = self.net(ids, offsets, weights, owner, sections)
        probs = torch.sigmoid(logits)
        result: Array = probs.cpu().numpy()
        return result
