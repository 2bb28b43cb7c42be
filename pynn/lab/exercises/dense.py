"""Exercise 2: the Dense (fully connected) layer, the notebook's way or pynn's."""

import numpy as np

from pynn.gradcheck import numerical_gradient
from pynn.lab.checks import Failed, call, compare, compare_gradient, precision_of
from pynn.lab.layer_checks import check_layer
from pynn.lab.notebook_layers import UPDATED_FIRST, construct, parameters, set_parameter, to_float64
from pynn.layers import Dense

TITLE = "Dense"
ORDER = 2
TARGET = "Dense"
REPLACES = "Dense"

SHAPES = [
    "input [batch, 784] → output [batch, 100] (Dense(784, 100))",
    "weights [784, 100], biases [100]",
    "grad_output [batch, 100] → grad_input [batch, 784]",
]

STATEMENT = r"""
A Dense layer computes $f(X) = X W + b$ for a batch $X$ [batch, input_units]: $W$ has
shape [input_units, output_units] and $b$ has shape [output_units]. Start $W$ with small
random numbers (normal × 0.01, as the assignment does; He or Xavier pass too) and $b$ with
zeros.

backward(input, grad_output) returns $\partial L / \partial X$, then takes one SGD step:
$W \leftarrow W - \eta \, \partial L / \partial W$ and $b \leftarrow b - \eta \, \partial L /
\partial b$, with $\eta$ = self.learning_rate. grad_output is already divided by the batch
size (the loss gradient does it): each example's share of $\partial L / \partial W$ and
$\partial L / \partial b$ adds up over the batch — sum, don't average.

The lab accepts the notebook's way (this starter: self.weights, self.biases, the step inside
backward with self.learning_rate; your own Layer base class or pynn's) and pynn's way
(self.params["W"] and self.params["b"]; backward only fills self.grads and an optimizer takes
the step — the way to go if you want to try Momentum or Adam later).
"""

STARTER = '''
import numpy as np


class Layer:
    """A building block: output = layer.forward(input), and
    grad_input = layer.backward(input, grad_output) by the chain rule.
    A layer with parameters also updates them in backward."""

    def forward(self, input):
        return input

    def backward(self, input, grad_output):
        return grad_output


class Dense(Layer):
    """output = input @ weights + biases"""

    def __init__(self, input_units, output_units, learning_rate=0.1, rng=None):
        rng = np.random.default_rng(rng)
        self.learning_rate = learning_rate
        # TODO: small random weights [input_units, output_units]: rng.normal(size=...) * 0.01
        self.weights = np.zeros((input_units, output_units))
        self.biases = np.zeros(output_units)

    def forward(self, input):
        # TODO: input @ self.weights + self.biases
        return input @ self.weights

    def backward(self, input, grad_output):
        grad_input = grad_output @ self.weights.T   # dL/d(input), before the weights change
        # TODO: dL/d(weights) and dL/d(biases), summed over the batch (grad_output is
        # already divided by the batch size)
        grad_weights = np.zeros_like(self.weights)
        grad_biases = np.zeros_like(self.biases)
        # one step of stochastic gradient descent
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input
'''

SOLUTION = '''
import numpy as np


class Layer:
    """A building block: output = layer.forward(input), and
    grad_input = layer.backward(input, grad_output) by the chain rule.
    A layer with parameters also updates them in backward."""

    def forward(self, input):
        return input

    def backward(self, input, grad_output):
        return grad_output


class Dense(Layer):
    """output = input @ weights + biases"""

    def __init__(self, input_units, output_units, learning_rate=0.1, rng=None):
        rng = np.random.default_rng(rng)
        self.learning_rate = learning_rate
        self.weights = rng.normal(size=(input_units, output_units)) * 0.01
        self.biases = np.zeros(output_units)

    def forward(self, input):
        return input @ self.weights + self.biases

    def backward(self, input, grad_output):
        grad_input = grad_output @ self.weights.T   # dL/d(input), before the weights change
        grad_weights = input.T @ grad_output        # summed over the batch
        grad_biases = grad_output.sum(axis=0)
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input
'''


def assignment_checks(report, cls):
    """The assignment's numeric asserts: initial scale, a forward pass with known numbers,
    and the input gradient of forward(x).sum()."""
    def initialisation():
        layer = construct(cls, 128, 150, rng=0)
        to_float64(layer)
        found = parameters(layer)
        if set(found) != {"W", "b"}:
            raise Failed("Dense(128, 150) has no weights and biases the lab can find: "
                         "self.weights and self.biases (or self.params['W'] and ['b'])")
        w, b = found["W"], found["b"]
        if w.shape != (128, 150) or b.shape != (150,):
            raise Failed(f"Dense(128, 150) has W {w.shape} and b {b.shape}; expected (128, 150) and (150,)")
        scheme = recognise_initialisation(w)
        if not np.all(b == 0):
            raise Failed("b does not start at zero")
        return f"W mean {w.mean():.1e}, std {w.std():.3f}: {scheme}; b zeros"

    def known_forward():
        layer = construct(cls, 3, 4, rng=0)
        set_parameter(layer, "W", np.linspace(-1, 1, 3 * 4).reshape([3, 4]))
        set_parameter(layer, "b", np.linspace(-1, 1, 4))
        x = np.linspace(-1, 1, 2 * 3).reshape([2, 3])
        expected = np.array([[0.07272727, 0.41212121, 0.75151515, 1.09090909],
                             [-0.90909091, 0.08484848, 1.07878788, 2.07272727]])
        return compare("forward", call(layer.forward, x), expected, "expected", tolerance=1e-6)

    def input_gradient():
        layer = construct(cls, 32, 64, rng=0)
        to_float64(layer)
        x = np.linspace(-1, 1, 10 * 32).reshape([10, 32])
        eps = precision_of(call(layer.forward, x)).eps
        numeric = numerical_gradient(lambda: float(np.sum(call(layer.forward, x))), x, eps)
        weights_before = np.array(parameters(layer)["W"], dtype=np.float64)
        grads = call(layer.backward, x, np.ones([10, 64]))
        try:
            return compare_gradient("grad_input", grads, numeric, 10, "grad_input", tolerance=1e-3, input=x)
        except Failed as failure:
            weights_after = np.asarray(parameters(layer)["W"], dtype=np.float64)
            if (np.shape(weights_after) == weights_before.shape and np.shape(grads) == x.shape
                    and not np.allclose(weights_after, weights_before)
                    and np.allclose(grads, np.ones([10, 64]) @ weights_after.T)):
                raise Failed(UPDATED_FIRST, failure.where) from None
            raise

    report.check("the assignment's initialisation check", initialisation, about=("init",),
                 hint=("W: small random numbers around 0, different for every unit; b: zeros",
                       "self.weights = rng.normal(size=(input_units, output_units)) * 0.01 as "
                       "the assignment says, or He's * np.sqrt(2 / input_units)"))
    report.check("the assignment's forward check", known_forward, about=("forward",),
                 hint=("forward is the affine map of the statement, with the weights and biases "
                       "the layer has now (the check sets them)",
                       "return input @ self.weights + self.biases (or self.params['W'] and "
                       "self.params['b'])"))
    report.check("the assignment's input-gradient check", input_gradient, about=("grad_input",),
                 hint=("each input number reaches every output through one row of W: "
                       "grad_input has the input's shape", "grad_input = grad_output @ W.T"))


def initialisation_schemes(fan_in: int, fan_out: int) -> dict[str, float]:
    """The standard deviation of W that each usual initialisation gives (uniform variants
    have the same one as their normal: limit / √3)."""
    return {"normal × 0.01, as the assignment says": 0.01,
            "He, std √(2 / input_units)": np.sqrt(2 / fan_in),
            "Xavier/Glorot, std √(2 / (input_units + output_units))": np.sqrt(2 / (fan_in + fan_out)),
            "LeCun, std √(1 / input_units)": np.sqrt(1 / fan_in)}


def recognise_initialisation(w: np.ndarray, tolerance: float = 0.15) -> str:
    """Which initialisation ``W`` looks like (the scheme whose std is closest to W's, if within
    ``tolerance``), or
    "a small random initialisation"; ``Failed`` if it is zeros, a constant, huge or not random."""
    std, mean = float(w.std()), float(w.mean())
    if not np.all(np.isfinite(w)):
        raise Failed("W holds NaN or inf")
    if std < 1e-8:
        what = "all zeros" if not np.any(w) else f"the constant {w.flat[0]:.3g} everywhere"
        raise Failed(f"W is {what}: every unit would compute, and learn, the same thing")
    if std > 1:
        raise Failed(f"W has std {std:.3g}: far too big, the outputs would explode (keep it below 1)")
    if abs(mean) > 0.05:
        raise Failed(f"W has mean {mean:.3g}; random numbers around 0 work, this does not")
    if len(np.unique(w)) < w.size // 2:
        raise Failed("most numbers in W are the same: use random numbers, different for every unit")
    centred = w - mean
    for along, a, b in (("a row", centred[:, 1:], centred[:, :-1]), ("a column", centred[1:], centred[:-1])):
        correlation = float(np.sum(a * b) / np.sum(centred * centred))
        if abs(correlation) > 0.5:
            raise Failed(f"neighbours along {along} of W are alike (correlation {correlation:.2f}): "
                         f"W follows a pattern; it should be random")
    distance = {name: abs(np.log(std / expected))
                for name, expected in initialisation_schemes(*w.shape).items()}
    closest = min(distance, key=distance.get)
    if distance[closest] < np.log1p(tolerance):
        return closest
    return f"a small random initialisation (std {std:.3g})"


def check(target, report):
    check_layer(report, target, lambda cls: construct(cls, 5, 3, rng=0), input_shape=(4, 5),
                reference=_reference, extra=assignment_checks, parameters=("W", "b"))


def _reference(layer):
    """pynn's Dense with the learner's parameters."""
    reference = Dense(5, 3, rng=0, dtype=np.float64)
    for key, value in parameters(layer).items():
        reference.params[key] = np.array(value, dtype=np.float64)
    return reference
