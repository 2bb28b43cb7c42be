"""Training a layer written the notebook's way in pynn's network ("Train with my layers").

A notebook-way layer takes its own SGD step inside ``backward``; pynn's ``Network`` expects
``params`` and ``grads`` and lets its optimizer take the step after the whole backward pass.
``as_pynn_layer`` wraps the learner's layer in ``NotebookLayer``, which turns the learner's
step back into the gradient it came from: after the learner's ``backward``,
``grads = (old − new) / learning_rate``, and the old weights are put back. The network's
optimizer then takes the step: with ``SGD(lr=learning_rate)`` the weights move exactly as
the learner's backward moved them, and Momentum or Adam work too. The learner's own
arithmetic — its gradient, right or wrong — is what trains.

A layer written pynn's way is returned as it is.
"""

from __future__ import annotations

import numpy as np

from pynn.lab.checks import Failed
from pynn.lab.notebook_layers import NOTEBOOK_NAMES, recognise
from pynn.layers import Layer


class NotebookLayer(Layer):
    """The learner's notebook-way ``inner`` layer as a pynn layer: ``params["W"]`` is its
    ``weights``, ``params["b"]`` its ``biases``, and ``backward`` fills ``grads`` with the step
    its ``backward`` took, divided by ``-learning_rate``."""

    def __init__(self, inner, names: tuple[str, ...]):
        super().__init__()
        self.inner = inner
        self.names = names
        for name in names:
            self.params[NOTEBOOK_NAMES[name]] = np.asarray(getattr(inner, name))
            self.grads[NOTEBOOK_NAMES[name]] = np.zeros_like(self.params[NOTEBOOK_NAMES[name]])
        if self._dense_weights() is not None:
            self.input_shape = (self._dense_weights().shape[0],)

    def _dense_weights(self):
        weights = self.params.get("W")
        return weights if weights is not None and weights.ndim == 2 else None

    def output_shape(self, input_shape):
        """A Dense's outputs are its weights' columns; a layer without parameters keeps its
        input's shape; others are unknown (``pynn.lab.swap`` declares them)."""
        if self._dense_weights() is not None:
            return (self._dense_weights().shape[1],)
        return None if self.params else input_shape

    def _lend(self) -> None:
        """Give the learner's layer the current parameters (the optimizer may have replaced
        or changed them) and the network's mode."""
        for name in self.names:
            setattr(self.inner, name, self.params[NOTEBOOK_NAMES[name]])
        if hasattr(self.inner, "training"):
            self.inner.training = self.training

    def forward(self, input):
        self._lend()
        return self.inner.forward(input)

    def backward(self, input, grad_output):
        self._lend()
        before = {name: np.array(self.params[NOTEBOOK_NAMES[name]], copy=True) for name in self.names}
        grad_input = self.inner.backward(input, grad_output)
        rate = float(self.inner.learning_rate) if self.names else 1.0
        for name in self.names:
            key = NOTEBOOK_NAMES[name]
            after = np.asarray(getattr(self.inner, name), dtype=before[name].dtype)
            if after.shape != before[name].shape:
                raise ValueError(f"your {type(self.inner).__name__}'s backward changed "
                                 f"self.{name}'s shape from {before[name].shape} to {after.shape}")
            self.grads[key] = (before[name] - after) / before[name].dtype.type(rate)
            self.params[key][...] = before[name]    # also when the learner updated in place
        self._lend()
        return grad_input

    def __repr__(self) -> str:
        return f"your {type(self.inner).__name__} (the notebook's way)"


def as_pynn_layer(layer):
    """``layer`` if it follows pynn's contract, else a ``NotebookLayer`` around it. Raises
    ``ValueError`` saying what a notebook-way layer lacks (e.g. ``self.learning_rate``)."""
    try:
        contract = recognise(layer)
    except Failed as failure:
        raise ValueError(str(failure)) from None
    if contract.way == "pynn" and isinstance(layer, Layer):
        return layer
    return NotebookLayer(layer, contract.names if contract.way == "notebook" else ())
