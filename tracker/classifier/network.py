"""The section classifier as a torch module: EmbeddingBag over feature ids, then an MLP.

Same function as `auditors.classifier.model.probabilities`, batched and able to run on a GPU.
`hidden=()` is the linear model (logistic regression over the features) the model card compares.
"""

from __future__ import annotations

import torch
from torch import nn

from auditors.classifier.features import Batch, FeatureSpace
from auditors.classifier.labels import LABELS
from auditors.classifier.model import Weights


class SectionNet(nn.Module):
    def __init__(self, size: int, dim: int, hidden: tuple[int, ...]) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(size, dim, mode="sum")
        widths = (dim, *hidden, len(LABELS))
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))

    def forward(
        self,
        ids: torch.Tensor,
        offsets: torch.Tensor,
        weights: torch.Tensor,
        owner: torch.Tensor,
        sections: int,
    ) -> torch.Tensor:
        """Logits, one row per section: max over its paragraphs, min for `other`."""
        return pool_sections(self.paragraph_logits(ids, offsets, weights), owner, sections)

    def paragraph_logits(
        self, ids: torch.Tensor, offsets: torch.Tensor, weights: torch.Tensor
    ) -> torch.Tensor:
        x = self.bag(ids, offsets, per_sample_weights=weights)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x

    @classmethod
    def from_weights(cls, w: Weights) -> SectionNet:
        hidden = tuple(m.shape[1] for m, _ in w.layers[:-1])
        net = cls(w.embedding.shape[0], w.embedding.shape[1], hidden)
        with torch.no_grad():
            net.bag.weight.copy_(torch.from_numpy(w.embedding))
            for layer, (m, b) in zip(net.layers, w.layers, strict=True):
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
            for layer in self.layers
        )
        return Weights(space, emb, layers, thresholds.cpu().numpy(), config, version="unsaved")


def pool_sections(logits: torch.Tensor, owner: torch.Tensor, sections: int) -> torch.Tensor:
    index = owner.unsqueeze(1).expand_as(logits)
    top = logits.new_full((sections, logits.shape[1]), float("-inf"))
    top = top.scatter_reduce(0, index, logits, "amax", include_self=True)
    low = logits.new_full((sections, 1), float("inf"))
    low = low.scatter_reduce(0, index[:, -1:], logits[:, -1:], "amin", include_self=True)
    return torch.cat((top[:, :-1], low), dim=1)


def to_tensors(batch: Batch, device: torch.device) -> tuple[torch.Tensor, ...]:
    """ids, offsets, weights, owner: the batch on `device`."""
    return tuple(
        torch.from_numpy(a).to(device, non_blocking=True)
        for a in (batch.ids, batch.offsets, batch.weights, batch.owner)
    )
