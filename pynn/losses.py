"""Softmax cross-entropy on logits, with the assignment's names and meaning.

Everything goes through a shifted log-sum-exp: subtracting each row's maximum before
``exp`` changes nothing mathematically but keeps ``exp`` ≤ 1, so logits of ±1e4 stay finite
in float32 (the unshifted ``log(sum(exp(logits)))`` overflows above ~88).
"""

from __future__ import annotations

import numpy as np

from pynn.checks import check_array, check_labels


def _check(logits, reference_answers) -> tuple[np.ndarray, np.ndarray]:
    logits = check_array("logits", logits, finite=False)  # a NaN loss is the caller's to judge
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape [batch, n_classes], got {logits.shape}")
    answers = check_labels(reference_answers, logits.shape[0], logits.shape[1], "reference_answers")
    return logits, answers


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``log(softmax(logits))`` row by row, shape ``[batch, n_classes]``."""
    z = logits - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Class probabilities, shape ``[batch, n_classes]``; each row sums to 1."""
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def softmax_crossentropy_with_logits(logits, reference_answers) -> np.ndarray:
    """Per-sample loss ``-log softmax(logits)[i, y_i]``, shape ``[batch]``.

    Args:
        logits: shape ``[batch, n_classes]``, unnormalised scores.
        reference_answers: shape ``[batch]``, integer labels in ``[0, n_classes)``.
    """
    logits, answers = _check(logits, reference_answers)
    return -log_softmax(logits)[np.arange(len(answers)), answers]


def grad_softmax_crossentropy_with_logits(logits, reference_answers) -> np.ndarray:
    """Gradient of the *mean* loss w.r.t. the logits: ``(softmax - onehot) / batch``.

    Shape ``[batch, n_classes]``. Already divided by the batch size, so layers sum over it.
    """
    logits, answers = _check(logits, reference_answers)
    grad = softmax(logits)
    grad[np.arange(len(answers)), answers] -= 1
    return grad / logits.shape[0]


def loss_and_grad(logits: np.ndarray, reference_answers: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean loss and its gradient in one pass (one softmax instead of two).

    The training hot path: returns ``(mean loss, (softmax - onehot) / batch)``. Unlike the
    two functions above it does not check its arguments: ``Network`` checked the labels
    once for the whole run.
    """
    answers = reference_answers
    rows = np.arange(len(answers))
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    total = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - z[rows, answers]))
    grad = e / total
    grad[rows, answers] -= 1
    grad /= logits.shape[0]
    return loss, grad
