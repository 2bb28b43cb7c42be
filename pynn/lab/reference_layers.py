"""The assignment's layers, written the assignment's way: the lab's own reference.

pynn's library layers never change their weights in ``backward`` (an optimizer does). The
assignment's layers do: ``Dense`` keeps ``self.weights`` and ``self.biases`` and takes its SGD
step with ``self.learning_rate`` inside ``backward``, so that a ``train`` that only calls every
``backward`` has trained the network. The lab checks a learner's ``forward``, ``predict`` and
``train`` with these layers (never with the learner's own, which may be wrong), and the
assignment run (``pynn.lab.assignment_run``) uses them wherever the learner has not written
their own.

``SelfUpdating`` puts a pynn-way layer (``params``/``grads``, no step in ``backward``) under the
assignment's contract, so both kinds of layer train the same in one network.
"""

from __future__ import annotations

import numpy as np

from pynn.layers import Layer

LEARNING_RATE = 0.1  # the assignment's default


class NotebookReLU(Layer):
    """``max(0, x)`` elementwise, ``[batch, units]`` → ``[batch, units]``; nothing to learn."""

    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        return grad_output * (input > 0)

    def __repr__(self):
        return "NotebookReLU()"


class NotebookDense(Layer):
    """``input @ weights + biases``, ``[batch, input_units]`` → ``[batch, output_units]``.

    ``backward`` returns dL/d(input) and then moves ``weights`` and ``biases`` one SGD step of
    ``learning_rate`` down their gradients (summed over the batch: the loss gradient it gets
    is already divided by the batch size). ``weights`` start as normal numbers × 0.01 drawn
    from ``rng`` (``None``: numpy's global random state, as the assignment does, so
    ``np.random.seed`` fixes them); ``biases`` start at zero.
    """

    def __init__(self, input_units: int, output_units: int, learning_rate: float = LEARNING_RATE,
                 rng: np.random.Generator | None = None):
        super().__init__()
        self.learning_rate = learning_rate
        if rng is None:
            self.weights = np.random.randn(input_units, output_units) * 0.01
        else:
            self.weights = rng.normal(size=(input_units, output_units)) * 0.01
        self.biases = np.zeros(output_units)

    def forward(self, input):
        return input @ self.weights + self.biases

    def backward(self, input, grad_output):
        grad_input = grad_output @ self.weights.T
        grad_weights = input.T @ grad_output
        grad_biases = grad_output.sum(axis=0)
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input

    def __repr__(self):
        return f"NotebookDense({self.weights.shape[0]}, {self.weights.shape[1]})"


class SelfUpdating(Layer):
    """A pynn-way layer (``params`` and ``grads``, nothing changed in ``backward``) that takes
    its own SGD step of ``learning_rate`` right after ``backward``, as the assignment's layers
    do. It has no ``params`` of its own, so a ``train`` that steps on ``params`` afterwards
    (pynn's) does not step twice. ``steps=False`` only passes the calls on: for a layer that
    already steps by itself, or has nothing to learn."""

    def __init__(self, layer, learning_rate: float = LEARNING_RATE, steps: bool = True):
        super().__init__()
        self.layer = layer
        self.learning_rate = learning_rate
        self.steps = steps

    def forward(self, input):
        return self.layer.forward(input)

    def backward(self, input, grad_output):
        grad_input = self.layer.backward(input, grad_output)
        if self.steps:
            for key, param in getattr(self.layer, "params", {}).items():
                param -= self.learning_rate * np.asarray(self.layer.grads[key], dtype=param.dtype)
        return grad_input

    def __repr__(self):
        return f"SelfUpdating({self.layer!r})"


def notebook_network(sizes, rng: np.random.Generator | None = None,
                     learning_rate: float = LEARNING_RATE) -> list[Layer]:
    """``[Dense, ReLU, Dense, ..., Dense]`` through the layer sizes ``sizes`` (e.g.
    ``(784, 100, 200, 10)``, the assignment's network), the assignment's way."""
    network: list[Layer] = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if index:
            network.append(NotebookReLU())
        network.append(NotebookDense(n_in, n_out, learning_rate, rng))
    return network
