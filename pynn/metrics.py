"""Metrics for classifiers."""

from __future__ import annotations

import numpy as np

from pynn.losses import softmax_crossentropy_with_logits
from pynn.mnist import N_CLASSES


def loss_and_accuracy(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy and the fraction of rows whose largest logit is the label."""
    loss = float(np.mean(softmax_crossentropy_with_logits(logits, y)))
    return loss, float(np.mean(logits.argmax(axis=1) == y))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """``[n_classes, n_classes]`` counts: row = true class, column = predicted class."""
    # intp: bincount refuses int64 on 32-bit platforms such as WebAssembly.
    codes = np.asarray(y_true, dtype=np.intp) * n_classes + np.asarray(y_pred, dtype=np.intp)
    return np.bincount(codes, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
