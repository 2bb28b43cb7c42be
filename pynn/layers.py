"""Layers with the assignment's API: ``forward(input)`` and ``backward(input, grad_output)``.

Every layer keeps its parameters in ``self.params`` and the matching gradients in
``self.grads`` (same keys, same shapes), so optimizers, save/load and summaries treat all
layers alike. ``backward`` computes and returns; it never updates a parameter — the optimizer
does that (see ``pynn.optim``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pynn.checks import as_float_array, check_choice, check_int, check_number
from pynn.initializers import INITIALIZERS, init_weights
from pynn.ops import matmul, relu, relu_backward, used_columns
from pynn.rng import as_rng


def check_float_dtype(dtype):
    """``dtype`` as a numpy float dtype (parameters are float32, or float64 for checks)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a numpy float dtype, got {dtype!r}") from None
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a float dtype such as np.float32, got {dtype}")
    return dtype


class Layer:
    """A building block: ``output = layer.forward(input)``, shapes ``[batch, units]`` (or
    ``[batch, channels, height, width]`` for images, see ``pynn.conv``).

    Subclasses with weights fill ``params`` (name → array) and, in ``backward``, the
    same-named ``grads``. ``training`` switches train-only behaviour such as dropout.

    Shapes (of one sample, without the batch axis) let a ``Network`` check that its layers
    fit together: ``input_shape`` is what the layer needs (``None``: anything; a ``None``
    size inside it: any size there, as Conv2D's ``(channels, None, None)``), and
    ``output_shape(input_shape)`` what it gives, or a ``ValueError`` saying why it cannot
    take that input. The defaults suit elementwise layers; a layer with parameters that does
    not say gives ``None`` (unknown).
    """

    input_shape: tuple[int, ...] | None = None

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True

    def forward(self, input: np.ndarray) -> np.ndarray:
        """Shape ``[batch, in]`` → ``[batch, out]``. The base layer is the identity."""
        return input

    def backward(self, input: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
        """Given dL/d(output), fill ``grads`` and return dL/d(input) (chain rule)."""
        return grad_output

    def output_shape(self, input_shape: tuple[int, ...] | None) -> tuple[int, ...] | None:
        """The shape of one output sample for one input sample of ``input_shape``."""
        return None if self.params else input_shape

    @classmethod
    def param_shapes(cls, config: dict) -> dict[str, tuple[int, ...]]:
        """The parameter shapes a layer built from ``config()`` would have, without building
        it (so a model file's arrays are checked before anything big is allocated)."""
        return {}

    def compute_grads(self, input: np.ndarray, grad_output: np.ndarray) -> None:
        """Only fill ``grads``: what the first layer of a network needs, since nobody uses
        the gradient with respect to the data. Layers may skip work here."""
        self.backward(input, grad_output)

    def config(self) -> dict:
        """What it takes to rebuild this layer (saved as JSON in model files)."""
        return {"type": type(self).__name__}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Dense(Layer):
    """Fully connected layer: ``y = x @ W + b``.

    Args:
        input_units, output_units: sizes of ``x`` and ``y``.
        learning_rate: only used by the assignment's ``pynn.train``. Default is 0.1.
        init: one of ``INITIALIZERS``: ``"small"``, ``"glorot"`` or ``"he"``. Default is
            ``"glorot"``, which also passes the assignment's checks for ``Dense(128, 150)``.
        rng: seed or ``np.random.Generator``; ``None`` uses numpy's global random state, so
            ``np.random.seed(...)`` works as in the assignment.
        dtype: parameter dtype. Default is float32 (float64 for gradient checks).

    Shape: input ``[batch, input_units]`` → output ``[batch, output_units]``.

    Attributes: ``weights`` (``params["W"]``, ``[input_units, output_units]``) and
    ``biases`` (``params["b"]``, ``[output_units]``, zeros at start).

    >>> Dense(784, 100, rng=0).forward(np.zeros((2, 784), np.float32)).shape
    (2, 100)
    """

    def __init__(self, input_units: int, output_units: int, learning_rate: float = 0.1,
                 init: str = "glorot", rng=None, dtype=np.float32):
        super().__init__()
        shapes = self.param_shapes({"input_units": input_units, "output_units": output_units})
        self.input_units, self.output_units = shapes["W"]
        self.learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
        self.init = check_choice("init", init, INITIALIZERS)
        self.params["W"] = init_weights(shapes["W"], init, as_rng(rng), check_float_dtype(dtype))
        self.params["b"] = np.zeros(self.output_units, dtype=dtype)
        self.grads["W"] = np.zeros_like(self.params["W"])
        self.grads["b"] = np.zeros_like(self.params["b"])

    # The assignment reads and sets `weights` and `biases` directly.
    @property
    def weights(self) -> np.ndarray:
        return self.params["W"]

    @weights.setter
    def weights(self, value):
        self.params["W"] = self._checked(value, (self.input_units, self.output_units), "weights")

    @property
    def biases(self) -> np.ndarray:
        return self.params["b"]

    @biases.setter
    def biases(self, value):
        self.params["b"] = self._checked(value, (self.output_units,), "biases")

    def _checked(self, value, shape, name):
        value = as_float_array(value, f"{self!r}.{name}")
        if value.shape != shape:
            raise ValueError(f"{self!r}.{name} must have shape {shape}, got {value.shape}")
        return value

    @property
    def input_shape(self):
        return (self.input_units,)

    def output_shape(self, input_shape):
        return (self.output_units,)

    @classmethod
    def param_shapes(cls, config):
        n_in = check_int("Dense input_units", config.get("input_units"), low=1)
        n_out = check_int("Dense output_units", config.get("output_units"), low=1)
        return {"W": (n_in, n_out), "b": (n_out,)}

    def _check_input(self, input):
        input = as_float_array(input)
        if input.ndim != 2 or input.shape[1] != self.input_units:
            raise ValueError(f"{self!r} takes inputs of shape [batch, {self.input_units}], "
                             f"got shape {input.shape}")
        return input

    def forward(self, input):
        input, weights = self._check_input(input), self.params["W"]
        columns = used_columns(input)   # all-zero columns (blank pixels) add nothing
        if columns is not None:
            input, weights = input[:, columns], weights[columns]
        return matmul(input, weights) + self.params["b"]

    def backward(self, input, grad_output):
        self.compute_grads(input, grad_output)
        return matmul(grad_output, self.params["W"], transpose_b=True)

    def compute_grads(self, input, grad_output):
        # The loss gradient is already divided by the batch size, so here we sum.
        input, grad_output = self._check_input(input), as_float_array(grad_output, "grad_output")
        columns = used_columns(input)
        if columns is None:
            self.grads["W"] = matmul(input, grad_output, transpose_a=True)
        else:  # the rows of dW for all-zero input columns are zero
            grad_w = np.zeros(self.params["W"].shape, np.result_type(input, grad_output))
            grad_w[columns] = matmul(input[:, columns], grad_output, transpose_a=True)
            self.grads["W"] = grad_w
        self.grads["b"] = grad_output.sum(axis=0)

    def config(self):
        return {"type": "Dense", "input_units": self.input_units,
                "output_units": self.output_units, "init": self.init}

    def __repr__(self):
        return f"Dense({self.input_units}, {self.output_units})"


class ReLU(Layer):
    """``max(0, x)`` elementwise (``pynn.ops.relu``: pynn's kernel in the page)."""

    def forward(self, input):
        return relu(as_float_array(input))

    def backward(self, input, grad_output):
        return relu_backward(as_float_array(grad_output, "grad_output"), np.asarray(input))


class LeakyReLU(Layer):
    """``x`` where positive, ``alpha * x`` elsewhere, so no unit is ever completely dead.

    Args:
        alpha: slope for negative inputs. Default is 0.01.
    """

    def __init__(self, alpha: float = 0.01):
        super().__init__()
        self.alpha = check_number("LeakyReLU alpha", alpha, low=0.0, high=1.0, high_open=True)

    def forward(self, input):
        input = as_float_array(input)
        return np.where(input > 0, input, input * input.dtype.type(self.alpha))

    def backward(self, input, grad_output):
        grad_output = as_float_array(grad_output, "grad_output")
        slope = np.where(np.asarray(input) > 0, 1.0, self.alpha).astype(grad_output.dtype)
        return grad_output * slope

    def config(self):
        return {"type": "LeakyReLU", "alpha": self.alpha}

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp(-|x|) never overflows: for x < 0 use e^x / (1 + e^x), the same value.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Sigmoid(Layer):
    """``1 / (1 + exp(-x))`` elementwise, computed without overflow."""

    def forward(self, input):
        return _sigmoid(as_float_array(input))

    def backward(self, input, grad_output):
        s = _sigmoid(as_float_array(input))
        return as_float_array(grad_output, "grad_output") * s * (1 - s)


class Tanh(Layer):
    """``tanh(x)`` elementwise."""

    def forward(self, input):
        return np.tanh(as_float_array(input))

    def backward(self, input, grad_output):
        return as_float_array(grad_output, "grad_output") * (1 - np.tanh(as_float_array(input)) ** 2)


class Dropout(Layer):
    """Inverted dropout: in training mode, zero each input with probability ``rate`` and
    scale the rest by ``1 / (1 - rate)``; in eval mode, the identity.

    The mask drawn by the last training-mode ``forward`` is reused by ``backward``.

    Args:
        rate: probability of dropping a unit, in ``[0, 1)``.
        rng: seed or ``np.random.Generator`` (``None``: numpy's global random state).
    """

    def __init__(self, rate: float, rng=None):
        super().__init__()
        self.rate = check_number("Dropout rate", rate, low=0.0, high=1.0, high_open=True)
        self.rng = as_rng(rng)
        self._mask = None

    def forward(self, input):
        input = as_float_array(input)
        if not self.training or self.rate == 0.0:
            self._mask = None
            return input
        keep = self.rng.random(input.shape) >= self.rate
        self._mask = keep.astype(input.dtype) / input.dtype.type(1.0 - self.rate)
        return input * self._mask

    def backward(self, input, grad_output):
        grad_output = as_float_array(grad_output, "grad_output")
        return grad_output if self._mask is None else grad_output * self._mask

    def config(self):
        return {"type": "Dropout", "rate": self.rate}

    def __repr__(self):
        return f"Dropout({self.rate})"


@dataclass(frozen=True)
class Activation:
    """An activation the recipes offer: its ``layer`` class, the initializer ``init`` that keeps
    the values well scaled in front of it (for ``init="auto"``) and the ``label`` the page's
    form shows."""

    layer: type[Layer]
    init: str
    label: str


# One row per activation: the recipes, the form (through pynn.config.FIELDS), the CLI, model
# files and the gradient checks (tests/test_gradients.py) all read it.
ACTIVATIONS = {
    "relu": Activation(ReLU, "he", "ReLU"),
    "leaky_relu": Activation(LeakyReLU, "he", "Leaky ReLU"),
    "sigmoid": Activation(Sigmoid, "glorot", "Sigmoid"),
    "tanh": Activation(Tanh, "glorot", "Tanh"),
}

# The layer types of this module, by the names model files give them (pynn.registry).
LAYER_CLASSES = (Dense, *(activation.layer for activation in ACTIVATIONS.values()), Dropout)
