"""Input validation shared by the network, the training loop and the data loaders.

Checks run once where data enters (a dataset, a ``fit`` call, a prediction request), not
inside the per-batch hot path; the hot path only re-checks what is free to check.
"""

from __future__ import annotations

import numpy as np


def check_features(x, n_features: int | None = None, name: str = "x") -> np.ndarray:
    """``x`` as a float array of shape ``[n, n_features]``, finite and non-empty."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise ValueError(f"{name} must be numeric, got dtype {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape [n_samples, n_features], got shape {x.shape}"
                         + (" (a single sample? use x.reshape(1, -1))" if x.ndim == 1 else ""))
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 samples)")
    if n_features is not None and x.shape[1] != n_features:
        raise ValueError(f"{name} has {x.shape[1]} features per sample, the network expects {n_features}")
    if x.dtype.kind == "f":
        bad = ~np.isfinite(x)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise ValueError(f"{name} contains NaN or infinite values "
                             f"({int(bad.sum())} of them; first at row {row}, column {col})")
    else:
        x = x.astype(np.float32)
    return x


def check_labels(y, n_samples: int, n_classes: int, name: str = "y") -> np.ndarray:
    """``y`` as an int64 array of ``n_samples`` class labels in ``[0, n_classes)``."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(f"{name} has {y.shape[0]} labels for {n_samples} samples")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError(f"{name} must hold integer class labels, got non-integer values "
                             f"such as {y[~np.isfinite(y) | (y != np.round(y))][0].item()!r}")
    elif y.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        bad = int(np.flatnonzero((y < 0) | (y >= n_classes))[0])
        raise ValueError(f"{name} labels must be in [0, {n_classes - 1}], got {y[bad].item()!r} at index {bad}")
    return y.astype(np.int64)


def check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
