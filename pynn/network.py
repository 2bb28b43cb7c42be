"""``Network``: a Sequential stack of layers, trained with softmax cross-entropy."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from pynn.checks import check_features, check_labels
from pynn.errors import TrainingDiverged
from pynn.layers import ACTIVATIONS, DEFAULT_INIT, Dense, Dropout, Layer
from pynn.losses import loss_and_grad, softmax
from pynn.metrics import loss_and_accuracy
from pynn.optim import SGD, Optimizer
from pynn.rng import as_rng


class Network:
    """Layers applied in order; the last one outputs logits ``[batch, n_classes]``.

    Args:
        layers: the layers, first to last. Default is none (use ``add``).
        optimizer: what ``train_step`` updates the weights with. Default is
            ``SGD(lr=0.1)``, the assignment's rule.

    >>> net = Network([Dense(784, 100, rng=0), ReLU(), Dense(100, 10, rng=1)])
    >>> net
    Network([Dense(784, 100), ReLU(), Dense(100, 10)])
    """

    def __init__(self, layers: list[Layer] | None = None, optimizer: Optimizer | None = None):
        self.layers: list[Layer] = list(layers or [])
        self.optimizer = optimizer if optimizer is not None else SGD(lr=0.1)
        self.training = True
        self.metadata: dict = {}  # free-form notes saved with the model (e.g. test accuracy)

    def add(self, layer: Layer) -> "Network":
        self.layers.append(layer)
        return self

    # -- modes ----------------------------------------------------------------------------
    def train(self) -> "Network":
        """Training mode: dropout is active."""
        return self._set_mode(True)

    def eval(self) -> "Network":
        """Evaluation mode: dropout is the identity."""
        return self._set_mode(False)

    def _set_mode(self, training: bool) -> "Network":
        self.training = training
        for layer in self.layers:
            layer.training = training
        return self

    @contextmanager
    def _mode(self, training: bool):
        previous = self.training
        self._set_mode(training)
        try:
            yield
        finally:
            self._set_mode(previous)

    # -- shapes ---------------------------------------------------------------------------
    @property
    def dense_layers(self) -> list[Dense]:
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def input_units(self) -> int:
        return self.dense_layers[0].input_units

    @property
    def n_classes(self) -> int:
        return self.dense_layers[-1].output_units

    # -- inference ------------------------------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits for a batch ``[batch, input_units]`` → ``[batch, n_classes]`` (current mode)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def logits(self, x, batch_size: int = 1000) -> np.ndarray:
        """Logits ``[n, n_classes]`` in eval mode, ``batch_size`` rows at a time."""
        return self._logits(check_features(x, self.input_units), batch_size)

    def _logits(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        with self._mode(False):
            return np.concatenate([self.forward(x[i:i + batch_size])
                                   for i in range(0, len(x), batch_size)])

    def predict_proba(self, x, batch_size: int = 1000) -> np.ndarray:
        """Class probabilities ``[n, n_classes]`` in eval mode."""
        return softmax(self.logits(x, batch_size))

    def predict(self, x, batch_size: int = 1000) -> np.ndarray:
        """Most likely class per sample, shape ``[n]``."""
        return self.predict_proba(x, batch_size).argmax(axis=1)

    def evaluate(self, x, y, batch_size: int = 1000) -> tuple[float, float]:
        """``(mean loss, accuracy)`` on ``x, y`` in eval mode."""
        x = check_features(x, self.input_units)
        y = check_labels(y, len(x), self.n_classes)
        return loss_and_accuracy(self._logits(x, batch_size), y)

    # -- training -------------------------------------------------------------------------
    def parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """``(name, param, grad)`` for every parameter, names like ``"0.W"`` (layer index)."""
        return [(f"{i}.{key}", layer.params[key], layer.grads[key])
                for i, layer in enumerate(self.layers) for key in layer.params]

    def train_step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One optimizer step on a minibatch; returns its mean loss (before the update)."""
        return self.train_batch(x, y)[0]

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """``train_step`` that also returns the batch's logits (for running accuracy).

        Raises ``TrainingDiverged`` (and applies no update) when the loss is not finite.
        """
        if x.ndim != 2 or x.shape[1] != self.input_units:
            check_features(x, self.input_units)  # raises with a message naming the shape
        if not self.training:
            self.train()
        activations = [x]
        for layer in self.layers:
            activations.append(layer.forward(activations[-1]))
        logits = activations.pop()
        loss, grad = loss_and_grad(logits, y)
        if not np.isfinite(loss):
            check_features(x, self.input_units)  # NaN in the input is the user's, not a divergence
            raise TrainingDiverged(f"the loss became {loss} (the learning rate may be too high)")
        # Back to front; the first layer with parameters only needs its own gradients (the
        # gradient w.r.t. the data is never used, and for a 784-input layer it is costly).
        first = next((i for i, layer in enumerate(self.layers) if layer.params), 0)
        for i in range(len(self.layers) - 1, first, -1):
            grad = self.layers[i].backward(activations[i], grad)
        self.layers[first].compute_grads(activations[first], grad)
        self.optimizer.step(self.parameters())
        return loss, logits

    # -- weights --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameters by name (``"0.W"``, ``"0.b"``, ...)."""
        return {name: param.copy() for name, param, _ in self.parameters()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy ``state`` into the parameters; every name must exist with the same shape."""
        expected = {name: param for name, param, _ in self.parameters()}
        missing = sorted(set(expected) - set(state))
        extra = sorted(set(state) - set(expected))
        if missing or extra:
            raise ValueError(f"state does not fit the network: missing {missing}, unexpected {extra}")
        for name, param in expected.items():
            value = np.asarray(state[name])
            if value.shape != param.shape:
                raise ValueError(f"{name}: expected shape {param.shape}, got {value.shape}")
            param[...] = value

    def count_params(self) -> int:
        return sum(param.size for _, param, _ in self.parameters())

    def config(self) -> list[dict]:
        return [layer.config() for layer in self.layers]

    def summary(self) -> str:
        """A table of layers, output sizes and parameter counts."""
        rows = [f"{'#':>2}  {'layer':<22}{'output':>8}{'params':>10}"]
        units = self.input_units if self.dense_layers else 0
        for i, layer in enumerate(self.layers):
            units = getattr(layer, "output_units", units)
            n = sum(p.size for p in layer.params.values())
            rows.append(f"{i:>2}  {layer!r:<22}{units:>8}{f'{n:,}' if n else '':>10}")
        rows.append(f"total parameters: {self.count_params():,}; optimizer: {self.optimizer!r}")
        return "\n".join(rows)

    def __repr__(self):
        return f"Network([{', '.join(repr(layer) for layer in self.layers)}])"


def build_mlp(input_units: int = 784, hidden=(100, 200), n_classes: int = 10,
              activation: str = "relu", init: str | None = None, dropout: float = 0.0,
              rng=0, dtype=np.float32, optimizer: Optimizer | None = None) -> Network:
    """A multilayer perceptron: ``Dense → activation [→ Dropout]`` per hidden layer, then a
    ``Dense`` to ``n_classes`` logits.

    Args:
        hidden: sizes of the hidden layers. Default is (100, 200), the assignment's.
        activation: ``"relu"``, ``"leaky_relu"``, ``"sigmoid"`` or ``"tanh"``.
        init: weight initializer; ``None`` picks the one that suits ``activation``
            (He for ReLU-like, Glorot for sigmoid/tanh).
        dropout: dropout rate after each hidden activation (0 = none).
        rng: seed or Generator for the weights and the dropout masks. Default is 0.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    init = init or DEFAULT_INIT[activation]
    rng = as_rng(rng)
    layers: list[Layer] = []
    sizes = [input_units, *hidden]
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        layers += [Dense(fan_in, fan_out, init=init, rng=rng, dtype=dtype), ACTIVATIONS[activation]()]
        if dropout:
            layers.append(Dropout(dropout, rng=rng))
    layers.append(Dense(sizes[-1], n_classes, init="glorot", rng=rng, dtype=dtype))
    return Network(layers, optimizer)
