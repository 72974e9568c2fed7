"""From probabilities to labels, and the per-card answer the rules ask for."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from auditors.classifier.labels import LABELS, with_other


def labels_from(row: npt.NDArray[np.float32], thresholds: npt.NDArray[np.float32]) -> set[str]:
    """Labels at or above their threshold; `other` when none is (argmax would hide doubt)."""
    return with_other({LABELS[i] for i in np.flatnonzero(row >= thresholds)})


def labels_of(hits: list[bool]) -> set[str]:
    """`labels_from` of a row already compared with the thresholds."""
    return with_other({label for label, hit in zip(LABELS, hits, strict=True) if hit})
