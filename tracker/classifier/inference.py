"""Batched torch inference: many sections in, label probabilities out, on the CPU or a GPU.

Sections are sorted by length and cut into batches of similar size (length bucketing), so a batch
of short sections is not padded — EmbeddingBag needs no padding at all, but similar lengths keep
per-batch work even and let a GPU batch be large. The embedding sums are always float32.

On CUDA the MLP runs in float32 by default (TF32 off): the model is so small that the GPU is
never the bottleneck (tokenising on the CPU is), and float32 keeps GPU probabilities within 1e-3
of the CPU's, as the issue asks. `precision="bf16"` runs it under autocast instead.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from multiprocessing.pool import Pool

import numpy as np
import torch

from auditors.classifier.features import Batch, FeatureSpace, featurize
from auditors.classifier.model import Array, Weights
from tracker.classifier.network import BatchTensors, SectionNet, pool_sections, to_tensors
from tracker.errors import ConfigError


class DeviceUnavailable(ConfigError):
    pass


def pick_device(name: str) -> torch.device:
    """`auto` is CUDA when there is one, else the CPU; asking for `cuda` without one is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("--device cuda: no CUDA device is available to torch here")
    return torch.device(name)


_SPACE: FeatureSpace | None = None


def _init_worker(space: FeatureSpace) -> None:
    global _SPACE
    _SPACE = space


def _featurize_in_worker(job: tuple[list[str], list[str]]) -> Batch:
    assert _SPACE is not None
    return featurize(_SPACE, *job)


class TorchClassifier:
    """`workers` > 1 tokenises in that many processes while this one runs the model: tokenising
    is the CPU-bound part (a GPU, or even one CPU core, runs the model faster than one core
    tokenises)."""

    def __init__(
        self,
        weights: Weights,
        device: torch.device,
        batch_size: int = 2048,
        workers: int = 1,
        precision: str = "fp32",
    ) -> None:
        if precision not in ("fp32", "bf16"):
            raise ConfigError(f"precision {precision!r}: use fp32 or bf16")
        self.precision = precision
        if device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = False
        self.weights = weights
        self.device = device
        self.batch_size = batch_size
        self.workers = workers
        self.net = SectionNet.from_weights(weights).to(device).eval()
        self._pool: Pool | None = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> TorchClassifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def probabilities(self, texts: Sequence[str], headings: Sequence[str]) -> Array:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), len(self.weights.thresholds)), dtype=np.float32)
        chunks = [order[a : a + self.batch_size] for a in range(0, len(order), self.batch_size)]
        jobs = (([texts[i] for i in idx], [headings[i] for i in idx]) for idx in chunks)
        if self.workers > 1 and len(chunks) > 1:
            batches: Iterator[Batch] = self._workers().imap(_featurize_in_worker, jobs)
        else:
            batches = (featurize(self.weights.space, *job) for job in jobs)
        for idx, batch in zip(chunks, batches, strict=True):
            out[idx] = self._run(to_tensors(batch, self.device))
        return out

    def _workers(self) -> Pool:
        if self._pool is None:
            # spawn: the workers only tokenise (numpy), and must not inherit torch's threads.
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(
                self.workers, initializer=_init_worker, initargs=(self.weights.space,)
            )
        return self._pool

    @torch.inference_mode()
    def _run(self, t: BatchTensors) -> Array:
        if self.device.type == "cuda" and self.precision == "bf16":
            x = self.net.paragraph_vectors(t)  # float32 sums
            with torch.autocast("cuda", dtype=torch.bfloat16):
                x = self.net.head(x)
            logits = pool_sections(x.float(), t.owner, t.sections)
        else:
            logits = self.net(t)
        result: Array = torch.sigmoid(logits).cpu().numpy()
        return result
