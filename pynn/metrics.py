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


def confusion_percent(confusion: np.ndarray) -> np.ndarray:
    """Each row of a confusion matrix as whole per cents of that row's total (0 for an
    empty row)."""
    row_totals = np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    return np.round(100 * confusion / row_totals).astype(int)


LOSS_SMOOTHING = 0.9   # exponential moving average of the batch loss, as TensorBoard draws it


class SmoothedLoss:
    """A curve of batch losses smoothed by a debiased exponential moving average: call it
    with each loss, it answers the smoothed value so far.

    >>> smooth = SmoothedLoss()
    >>> smooth(2.0), round(smooth(1.0), 4)
    (2.0, 1.4737)
    """

    def __init__(self, smoothing: float = LOSS_SMOOTHING):
        self.smoothing, self.average, self.count = smoothing, 0.0, 0

    def __call__(self, loss: float) -> float:
        self.count += 1
        self.average = self.smoothing * self.average + (1 - self.smoothing) * loss
        return self.average / (1 - self.smoothing ** self.count)
