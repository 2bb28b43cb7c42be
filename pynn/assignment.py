"""The MNIST assignment's free functions, working on a plain list of layers.

A learner's notebook loop runs unchanged on top of pynn::

    network = [Dense(784, 100), ReLU(), Dense(100, 200), ReLU(), Dense(200, 10)]
    for epoch in range(25):
        for x_batch, y_batch in iterate_minibatches(X_train, y_train, batchsize=32, shuffle=True):
            train(network, x_batch, y_batch)
        val_log.append(np.mean(predict(network, X_val) == y_val))

Unlike the notebook's Dense, pynn layers never update themselves in ``backward``: ``train``
applies the SGD step afterwards, with each layer's ``learning_rate``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from pynn.checks import check_array, check_labels, check_positive_int
from pynn.layers import Layer
from pynn.losses import grad_softmax_crossentropy_with_logits, softmax_crossentropy_with_logits
from pynn.rng import as_rng


def forward(network: Sequence[Layer], X: np.ndarray) -> list[np.ndarray]:
    """Activations of every layer for input ``X``: ``[layer_0(X), layer_1(...), ..., logits]``."""
    activations = []
    for layer in network:
        X = layer.forward(X)
        activations.append(X)
    return activations


def predict(network: Sequence[Layer], X: np.ndarray) -> np.ndarray:
    """Index of the largest logit per sample, shape ``[batch]``. ``X`` must be finite."""
    return forward(network, check_array("X", X))[-1].argmax(axis=-1)


def train(network: Sequence[Layer], X: np.ndarray, y: np.ndarray) -> float:
    """One SGD step on the batch ``X, y``; returns the mean loss (before the step).

    Each parameter moves by ``-layer.learning_rate * grad`` (layers without a
    ``learning_rate`` use 0.1, the assignment's default). ``X`` must be finite and ``y``
    hold class labels: they are checked before any weight changes.
    """
    X = check_array("X", X)
    activations = forward(network, X)
    layer_inputs = [X] + activations
    logits = activations[-1]
    y = check_labels(y, len(X), logits.shape[-1])
    loss = softmax_crossentropy_with_logits(logits, y)
    grad = grad_softmax_crossentropy_with_logits(logits, y)
    for i in reversed(range(len(network))):
        grad = network[i].backward(layer_inputs[i], grad)
    for layer in network:
        lr = getattr(layer, "learning_rate", 0.1)
        for key, param in layer.params.items():
            param -= lr * layer.grads[key]
    return float(np.mean(loss))


def iterate_minibatches(inputs: np.ndarray, targets: np.ndarray, batchsize: int,
                        shuffle: bool = False, rng=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(inputs[idx], targets[idx])`` batches of ``batchsize`` rows.

    The last, shorter batch is dropped, as in the assignment. With ``shuffle=True`` the order
    comes from ``rng`` (seed or Generator; ``None`` is numpy's global state).
    """
    if len(inputs) != len(targets):
        raise ValueError(f"inputs has {len(inputs)} rows but targets has {len(targets)}")
    batchsize = check_positive_int("batchsize", batchsize)
    indices = as_rng(rng).permutation(len(inputs)) if shuffle else None
    for start in range(0, len(inputs) - batchsize + 1, batchsize):
        if indices is None:
            excerpt = slice(start, start + batchsize)
        else:
            excerpt = indices[start:start + batchsize]
        yield inputs[excerpt], targets[excerpt]
