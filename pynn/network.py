"""``Network``: a Sequential stack of layers, trained with softmax cross-entropy; and
``build_network``, the one builder of pynn's MLPs and convnets."""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np

from pynn.arch import parse_arch
from pynn.checks import check_choice, check_features, check_labels, check_number, check_positive_int
from pynn.conv import Conv2D, Flatten, MaxPool2D, Reshape
from pynn.errors import TrainingDiverged
from pynn.layers import ACTIVATIONS, Dense, Dropout, Layer
from pynn.losses import loss_and_grad, softmax
from pynn.metrics import loss_and_accuracy
from pynn.mnist import IMAGE_SHAPE, INPUT_UNITS, N_CLASSES, SIDE
from pynn.optim import SGD, Optimizer
from pynn.rng import as_rng
from pynn.shapes import chain_shapes, shape_text


class Network:
    """Layers applied in order; the last one outputs logits ``[batch, n_classes]``.

    Args:
        layers: the layers, first to last (at least one). Default is none yet: ``add``
            them, one at a time.
        optimizer: what ``train_step`` updates the weights with. Default is
            ``SGD(lr=0.1)``, the assignment's rule.

    >>> from pynn import ReLU
    >>> net = Network([Dense(784, 100, rng=0), ReLU(), Dense(100, 10, rng=1)])
    >>> net
    Network([Dense(784, 100), ReLU(), Dense(100, 10)])
    """

    def __init__(self, layers: list[Layer] | None = None, optimizer: Optimizer | None = None):
        self.layers: list[Layer] = []
        self.input_shape = self.output_shape = self._input_units = None
        if layers is not None:
            layers = list(layers)
            if not layers:
                raise ValueError(f"a network needs at least one layer, got []; build one layer "
                                 f"by layer with Network() and add()")
            self._set_layers(layers, check_params=True)
        self.optimizer = optimizer if optimizer is not None else SGD(lr=0.1)
        self.training = True
        self.metadata: dict = {}  # free-form notes saved with the model (e.g. test accuracy)

    def add(self, layer: Layer) -> "Network":
        """Append a layer (refused if its shapes do not fit the last one)."""
        self._set_layers([*self.layers, layer], check_params=False)
        return self

    def _set_layers(self, layers: list[Layer], check_params: bool) -> None:
        self.input_shape, self.output_shape = chain_shapes(layers)
        known = self.input_shape is not None and None not in self.input_shape
        self._input_units = math.prod(self.input_shape) if known else None
        if check_params and not any(layer.params for layer in layers):
            raise ValueError(f"a network needs a layer with parameters (such as Dense); got "
                             f"{', '.join(map(repr, layers))}")
        self.layers = layers

    @property
    def optimizer(self) -> Optimizer:
        return self._optimizer

    @optimizer.setter
    def optimizer(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            hint = f" (use make_optimizer({optimizer!r}) for a name)" if isinstance(optimizer, str) else ""
            raise TypeError(f"optimizer must be a pynn Optimizer such as Adam(lr=0.001), "
                            f"got {optimizer!r}{hint}")
        self._optimizer = optimizer

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
    def input_units(self) -> int | None:
        """Values per input sample, the width of the ``[batch, input_units]`` rows the
        network takes (``None`` if no layer says, or if the first takes images of any size)."""
        return self._input_units

    @property
    def n_classes(self) -> int:
        """Logits per sample: the width of the last layer's output."""
        if self.output_shape is None or len(self.output_shape) != 1:
            raise ValueError(f"the network's output shape is unknown or not [batch, n_classes] "
                             f"({self!r})")
        return self.output_shape[0]

    # -- inference ------------------------------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits for a batch ``[batch, input_units]`` → ``[batch, n_classes]`` (current mode)."""
        if not self.layers:
            raise ValueError("the network has no layers yet: add() some before using it")
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def logits(self, x, batch_size: int = 1000) -> np.ndarray:
        """Logits ``[n, n_classes]`` in eval mode, ``batch_size`` rows at a time."""
        return self._logits(check_features(x, self.input_units), batch_size)

    def _logits(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        return np.concatenate(list(self.logit_pieces(x, batch_size)))

    def logit_pieces(self, x: np.ndarray, batch_size: int):
        """The eval-mode logits of the checked features ``x``, ``batch_size`` rows at a time,
        as a generator: for callers that must do other work between pieces (the studio's
        worker). The network is in its own mode again whenever the generator waits."""
        batch_size = check_positive_int("batch_size", batch_size)
        for i in range(0, len(x), batch_size):
            with self._mode(False):
                logits = self.forward(x[i:i + batch_size])
            yield logits

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
        """One optimizer step on a minibatch; returns its mean loss (before the update).

        Raises ``TrainingDiverged`` when the loss is not finite (no update is applied) or
        when the update left a weight that is not finite (the caller restores a good state,
        as ``train_steps`` does).
        """
        x = check_features(x, self.input_units)
        return self._train_batch(x, check_labels(y, len(x), self.n_classes))[0]

    def _train_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """``train_step`` on checked inputs, also returning the logits (for the running
        accuracy): the training loop's hot path, which checked its data once up front."""
        if not self.training:
            self.train()
        activations = [x]
        for layer in self.layers:
            activations.append(layer.forward(activations[-1]))
        logits = activations.pop()
        loss, grad = loss_and_grad(logits, y)
        if not np.isfinite(loss):
            raise TrainingDiverged(f"the loss became {loss} (the learning rate may be too high)")
        # Back to front; the first layer with parameters only needs its own gradients (the
        # gradient w.r.t. the data is never used, and for a 784-input layer it is costly).
        first = next((i for i, layer in enumerate(self.layers) if layer.params), 0)
        for i in range(len(self.layers) - 1, first, -1):
            grad = self.layers[i].backward(activations[i], grad)
        self.layers[first].compute_grads(activations[first], grad)
        parameters = self.parameters()
        self.optimizer.step(parameters)
        # A NaN or inf anywhere makes the sum of squares non-finite: one cheap dot product
        # per parameter (weights beyond ~1e19 overflow it too, which is divergence anyway).
        if not math.isfinite(sum(float(np.vdot(param, param)) for _, param, _ in parameters)):
            bad = next(name for name, param, _ in parameters if not np.isfinite(param).all()
                       or not np.isfinite(np.vdot(param, param)))
            raise TrainingDiverged(f"the update made weights {bad} NaN, infinite or too large "
                                   f"(the learning rate may be too high)")
        return loss, logits

    # -- weights --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameters by name (``"0.W"``, ``"0.b"``, ...)."""
        return {name: param.copy() for name, param, _ in self.parameters()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy ``state`` into the parameters; every name must exist with the same shape and
        finite numbers. All are checked before any is copied."""
        expected = {name: param for name, param, _ in self.parameters()}
        missing = sorted(set(expected) - set(state))
        extra = sorted(set(state) - set(expected))
        if missing or extra:
            raise ValueError(f"state does not fit the network: missing {missing}, unexpected {extra}")
        values = {}
        for name, param in expected.items():
            value = np.asarray(state[name])
            if value.shape != param.shape:
                raise ValueError(f"{name}: expected shape {param.shape}, got {value.shape}")
            if value.dtype.kind not in "fiu" or not np.all(np.isfinite(value)):
                raise ValueError(f"{name} must hold finite numbers")
            values[name] = value
        for name, param in expected.items():
            param[...] = values[name]

    def count_params(self) -> int:
        return sum(param.size for _, param, _ in self.parameters())

    def config(self) -> list[dict]:
        return [layer.config() for layer in self.layers]

    def summary(self) -> str:
        """A table of layers, the shape of one sample after each, and parameter counts.

        >>> from pynn import Conv2D, Flatten, MaxPool2D, ReLU, Reshape
        >>> print(Network([Reshape((1, 28, 28)), Conv2D(1, 8, 5, rng=0), ReLU(), MaxPool2D(2),
        ...                Flatten(), Dense(8 * 12 * 12, 10, rng=0)]).summary())
         #  layer                 output shape    params
         0  Reshape((1, 28, 28))       1×28×28
         1  Conv2D(1, 8, 5)            8×24×24       208
         2  ReLU()                     8×24×24
         3  MaxPool2D(2)               8×12×12
         4  Flatten()                     1152
         5  Dense(1152, 10)                 10    11,530
        input: 784 values; total parameters: 11,738; optimizer: SGD(lr=0.1, weight_decay=0.0)
        """
        names = [repr(layer) for layer in self.layers]
        width = max([17, *map(len, names)]) + 2
        rows = [f"{'#':>2}  {'layer':<{width}}{'output shape':>12}{'params':>10}"]
        shape = self.input_shape
        for i, (layer, name) in enumerate(zip(self.layers, names)):
            shape = layer.output_shape(shape if shape is not None else layer.input_shape)
            n = sum(p.size for p in layer.params.values())
            rows.append(f"{i:>2}  {name:<{width}}{shape_text(shape) if shape else '?':>12}"
                        f"{f'{n:,}' if n else '':>10}".rstrip())
        given = (f"{self.input_units} values" if self.input_units is not None else
                 "?" if self.input_shape is None else f"shape {shape_text(self.input_shape)}")
        rows.append(f"input: {given}; total parameters: {self.count_params():,}; "
                    f"optimizer: {self.optimizer!r}")
        return "\n".join(rows)

    def __repr__(self):
        return f"Network([{', '.join(repr(layer) for layer in self.layers)}])"


def build_network(input_units: int = INPUT_UNITS, hidden=(100, 200), n_classes: int = N_CLASSES,
                  activation: str = "relu", init: str | None = None, dropout: float = 0.0,
                  arch: str = "", rng=0, dtype=np.float32,
                  optimizer: Optimizer | None = None) -> Network:
    """pynn's one network builder, for MLPs and convnets: ``[batch, input_units]`` rows in,
    ``[batch, n_classes]`` logits out.

    With ``arch`` (the convolutions' text, ``pynn.arch``) the rows are first reshaped to
    28×28 digits, each convolution is followed by ``activation``, and the maps are flattened.
    Then ``Dense → activation [→ Dropout]`` per hidden layer, and a ``Dense`` to the logits.
    Each layer's input size is the output shape of the layers before it.

    Args:
        hidden: sizes of the hidden layers. Default is (100, 200), the assignment's.
        activation: a name in ``pynn.layers.ACTIVATIONS``. Default is ``"relu"``.
        init: weight initializer; ``None`` takes the activation's own (He for ReLU-like,
            Glorot for sigmoid/tanh). The last ``Dense`` always starts Glorot.
        dropout: dropout rate after each hidden activation (0 = none).
        rng: seed or Generator for the weights and the dropout masks, drawn layer by layer
            from first to last. Default is 0.
    """
    row = ACTIVATIONS[check_choice("activation", activation, ACTIVATIONS)]
    dropout = check_number("dropout", dropout, low=0.0, high=1.0, high_open=True)
    init, rng = init or row.init, as_rng(rng)
    layers: list[Layer] = []
    shape = (input_units,)

    def add(*new: Layer) -> None:
        nonlocal shape
        for layer in new:
            shape = layer.output_shape(shape)
            layers.append(layer)

    if arch:
        if input_units != INPUT_UNITS:
            raise ValueError(f"Convolutions need {SIDE}×{SIDE} images ({INPUT_UNITS} inputs), "
                             f"got {input_units} inputs")
        add(Reshape(IMAGE_SHAPE))
        for layer in parse_arch(arch):
            if layer[0] == "pool":
                add(MaxPool2D(layer[1]))
            else:
                _, filters, kernel, stride, padding = layer
                add(Conv2D(shape[0], filters, kernel, stride=stride, padding=padding, init=init,
                           rng=rng, dtype=dtype), row.layer())
        add(Flatten())
    for units in hidden:
        add(Dense(shape[0], units, init=init, rng=rng, dtype=dtype), row.layer())
        if dropout:
            add(Dropout(dropout, rng=rng))
    add(Dense(shape[0], n_classes, init="glorot", rng=rng, dtype=dtype))
    return Network(layers, optimizer)


def build_mlp(input_units: int = INPUT_UNITS, hidden=(100, 200), n_classes: int = N_CLASSES,
              activation: str = "relu", init: str | None = None, dropout: float = 0.0,
              rng=0, dtype=np.float32, optimizer: Optimizer | None = None) -> Network:
    """A multilayer perceptron: ``build_network`` without convolutions.

    >>> build_mlp(784, (100, 200), 10)
    Network([Dense(784, 100), ReLU(), Dense(100, 200), ReLU(), Dense(200, 10)])
    """
    return build_network(input_units, hidden, n_classes, activation, init, dropout, rng=rng,
                         dtype=dtype, optimizer=optimizer)
