"""The section classifier as a torch module: EmbeddingBag over feature ids, then an MLP.

Same function as `auditors.classifier.model.probabilities`, batched and able to run on a GPU.
`hidden=()` is the linear model (logistic regression over the features) the model card compares.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from auditors.classifier.features import Batch, FeatureSpace
from auditors.classifier.labels import LABELS
from auditors.classifier.model import Weights


class SectionNet(nn.Module):
    def __init__(self, size: int, dim: int, hidden: tuple[int, ...]) -> None:
        super().__init__()
        self.bag: nn.EmbeddingBag = nn.EmbeddingBag(size, dim, mode="sum")
        widths = (dim, *hidden, len(LABELS))
        self.layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(widths, widths[1:], strict=False)
        )

    def linears(self) -> list[nn.Linear]:
        return [layer for layer in self.layers if isinstance(layer, nn.Linear)]

    def forward(self, t: BatchTensors) -> torch.Tensor:
        """Logits, one row per section: max over its paragraphs, min for `other`."""
        logits: torch.Tensor = pool_sections(self.paragraph_logits(t), t.owner, t.sections)
        return logits

    def paragraph_vectors(self, t: BatchTensors) -> torch.Tensor:
        words = self.bag(t.word_ids, t.word_offsets, per_sample_weights=t.word_weights)
        pairs = self.bag(t.pair_ids, t.pair_offsets, per_sample_weights=t.pair_weights)
        heads = self.bag(t.head_ids, t.head_offsets, per_sample_weights=t.head_weights)
        summed: torch.Tensor = words + pairs + heads[t.owner]
        return summed

    def head(self, x: torch.Tensor) -> torch.Tensor:
        linears = self.linears()
        for i, layer in enumerate(linears):
            x = layer(x)
            if i < len(linears) - 1:
                x = torch.relu(x)
        return x

    def paragraph_logits(self, t: BatchTensors) -> torch.Tensor:
        return self.head(self.paragraph_vectors(t))

    @classmethod
    def from_weights(cls, w: Weights) -> SectionNet:
        hidden = tuple(m.shape[1] for m, _ in w.layers[:-1])
        net = cls(w.embedding.shape[0], w.embedding.shape[1], hidden)
        with torch.no_grad():
            net.bag.weight.copy_(torch.from_numpy(w.embedding))
            for layer, (m, b) in zip(net.linears(), w.layers, strict=True):
                layer.weight.copy_(torch.from_numpy(m).T)
                layer.bias.copy_(torch.from_numpy(b))
        return net

    def to_weights(
        self, space: FeatureSpace, thresholds: torch.Tensor, config: dict[str, object]
    ) -> Weights:
        """The shipped form: the table rounded to float16, as `Weights.save` stores it."""
        emb = self.bag.weight.detach().cpu().half().float().numpy()
        layers = tuple(
            (layer.weight.detach().cpu().T.contiguous().numpy(), layer.bias.detach().cpu().numpy())
            for layer in self.linears()
        )
        return Weights(space, emb, layers, thresholds.cpu().numpy(), config, version="unsaved")


def pool_sections(logits: torch.Tensor, owner: torch.Tensor, sections: int) -> torch.Tensor:
    index = owner.unsqueeze(1).expand_as(logits)
    top = logits.new_full((sections, logits.shape[1]), float("-inf"))
    top = top.scatter_reduce(0, index, logits, "amax", include_self=True)
    low = logits.new_full((sections, 1), float("inf"))
    low = low.scatter_reduce(0, index[:, -1:], logits[:, -1:], "amin", include_self=True)
    return torch.cat((top[:, :-1], low), dim=1)


@dataclass
class BatchTensors:
    word_ids: torch.Tensor
    word_offsets: torch.Tensor
    word_weights: torch.Tensor
    pair_ids: torch.Tensor
    pair_offsets: torch.Tensor
    pair_weights: torch.Tensor
    head_ids: torch.Tensor
    head_offsets: torch.Tensor
    head_weights: torch.Tensor
    owner: torch.Tensor
    sections: int


def to_tensors(batch: Batch, device: torch.device) -> BatchTensors:
    """The batch's arrays as tensors on `device`."""
    arrays = []
    for part in (batch.words, batch.pairs, batch.headings):
        arrays += [part.ids, part.offsets, part.weights]
    t = [torch.from_numpy(a).to(device, non_blocking=True) for a in (*arrays, batch.owner)]
    return BatchTensors(
        word_ids=t[0],
        word_offsets=t[1],
        word_weights=t[2],
        pair_ids=t[3],
        pair_offsets=t[4],
        pair_weights=t[5],
        head_ids=t[6],
        head_offsets=t[7],
        head_weights=t[8],
        owner=t[9],
        sections=batch.sections,
    )
