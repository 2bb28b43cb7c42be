"""The studio's pictures of a network on the test split: what the gallery, the confusion
matrix and the weight maps show. Values are numpy arrays and plain numbers; ``pynn.bridge``
turns uint8 arrays into bytes."""

from __future__ import annotations

import numpy as np

from pynn.data import DigitSplits
from pynn.losses import softmax
from pynn.metrics import confusion_matrix, loss_and_accuracy
from pynn.network import Network

N_WEIGHT_IMAGES = 32  # first-layer units shown as 28×28 pictures


def split_report_steps(network: Network, data: DigitSplits, rows: int):
    """The network on the test split, computed ``rows`` digits at a time: a generator that
    yields between pieces (the studio's worker answers the page between pieces) and
    returns the report as ``StopIteration.value``:

    ``test_loss``, ``test_accuracy``; each test digit's ``predicted`` label and
    ``confidence`` (uint8, 0–100); the wrong ones as ``mistakes`` (indices, most confident
    first); the ``confusion`` matrix (row = true digit) and its rows as whole per cents
    (``confusion_percent``); and ``weight_images``: the first layer's weights as
    ``n_weight_images`` 28×28 uint8 maps (128 = zero, each scaled by its largest weight)."""
    x, y = data.X_test, data.y_test
    pieces = []
    for logits in network.logit_pieces(x, rows):   # one forward pass serves all of it
        if pieces:
            yield   # between pieces: the last one and the summary go together
        pieces.append(logits)
    logits = np.concatenate(pieces)
    loss, accuracy = loss_and_accuracy(logits, y)
    probs = softmax(logits)
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    wrong = np.flatnonzero(predicted != y)
    mistakes = wrong[np.argsort(-confidence[wrong], kind="stable")]
    confusion = confusion_matrix(y, predicted)
    row_totals = np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    images = weight_images(network)
    return {"test_loss": float(loss), "test_accuracy": float(accuracy),
            "predicted": predicted.astype(np.uint8),
            "confidence": np.round(confidence * 100).astype(np.uint8),
            "mistakes": mistakes.tolist(),
            "confusion": confusion.tolist(),
            "confusion_percent": np.round(100 * confusion / row_totals).astype(int).tolist(),
            "weight_images": images, "n_weight_images": len(images)}


def weight_images(network: Network, count: int = N_WEIGHT_IMAGES) -> np.ndarray:
    """The first ``count`` units of the first layer with a weight matrix ``W`` on the 784
    pixels (pynn's Dense or a learner's) as ``[count, 784]`` uint8 maps; none if no layer has."""
    first = next((layer.params["W"] for layer in network.layers
                  if np.ndim(layer.params.get("W")) == 2 and np.shape(layer.params["W"])[0] == 784), None)
    if first is None:
        return np.zeros((0, 784), np.uint8)
    w = np.asarray(first, dtype=np.float64)[:, :count]
    scale = np.maximum(np.abs(w).max(axis=0), 1e-12)
    return np.round(127.5 + 127.5 * (w / scale)).astype(np.uint8).T


def gallery_images(data: DigitSplits) -> dict:
    """The test digits as uint8 ``images`` (784 per digit), their ``labels`` and ``count``."""
    return {"images": np.round(data.X_test * 255).astype(np.uint8),
            "labels": data.y_test.astype(np.uint8), "count": len(data.y_test)}
