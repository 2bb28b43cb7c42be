"""Exercise 2: the Dense (fully connected) layer."""

import numpy as np

from pynn.gradcheck import numerical_gradient
from pynn.lab.checks import Failed, call, compare, in_float64, precision_of
from pynn.lab.layer_checks import check_layer
from pynn.layers import Dense

TITLE = "Dense"
ORDER = 2
TARGET = "Dense"
REPLACES = "Dense"

STATEMENT = """
A Dense layer computes output = input @ W + b for a batch input [batch, input_units]:
W has shape [input_units, output_units] and b has shape [output_units].

Keep the parameters in self.params["W"] and self.params["b"]; initialise W with small random
numbers (the assignment: normal, times 0.01; He or Xavier initialisation pass too) and b with
zeros.

backward(input, grad_output) fills self.grads["W"] and self.grads["b"] (dL/dW and dL/db,
summed over the batch) and returns dL/d(input). It never changes W or b: the optimizer does.
"""

STARTER = '''
import numpy as np
from pynn import Layer


class Dense(Layer):
    """output = input @ W + b"""

    def __init__(self, input_units, output_units, learning_rate=0.1, rng=None):
        super().__init__()
        rng = np.random.default_rng(rng)
        self.learning_rate = learning_rate
        # TODO: W of shape [input_units, output_units], normal * 0.01; b zeros [output_units]
        self.params["W"] = np.zeros((input_units, output_units))
        self.params["b"] = np.zeros(output_units)

    def forward(self, input):
        # TODO: input @ W + b
        return input @ self.params["W"]

    def backward(self, input, grad_output):
        # TODO: dL/dW = input.T @ grad_output; dL/db = grad_output summed over the batch
        self.grads["W"] = np.zeros_like(self.params["W"])
        self.grads["b"] = np.zeros_like(self.params["b"])
        # TODO: return dL/d(input) = grad_output @ W.T
        return grad_output @ self.params["W"].T
'''

SOLUTION = '''
import numpy as np
from pynn import Layer


class Dense(Layer):
    """output = input @ W + b"""

    def __init__(self, input_units, output_units, learning_rate=0.1, rng=None):
        super().__init__()
        rng = np.random.default_rng(rng)
        self.learning_rate = learning_rate
        self.params["W"] = rng.normal(size=(input_units, output_units)) * 0.01
        self.params["b"] = np.zeros(output_units)

    def forward(self, input):
        return input @ self.params["W"] + self.params["b"]

    def backward(self, input, grad_output):
        self.grads["W"] = input.T @ grad_output
        self.grads["b"] = grad_output.sum(axis=0)
        return grad_output @ self.params["W"].T
'''


def assignment_checks(report, cls):
    """The assignment's numeric asserts: initial scale, a forward pass with known numbers,
    and the input gradient of forward(x).sum()."""
    def initialisation():
        layer = cls(128, 150, rng=0)
        in_float64(layer)
        w, b = layer.params["W"], layer.params["b"]
        if w.shape != (128, 150) or b.shape != (150,):
            raise Failed(f"Dense(128, 150) has W {w.shape} and b {b.shape}; expected (128, 150) and (150,)")
        scheme = recognise_initialisation(w)
        if not np.all(b == 0):
            raise Failed("b does not start at zero")
        return f"W mean {w.mean():.1e}, std {w.std():.3f}: {scheme}; b zeros"

    def known_forward():
        layer = cls(3, 4, rng=0)
        layer.params["W"] = np.linspace(-1, 1, 3 * 4).reshape([3, 4])
        layer.params["b"] = np.linspace(-1, 1, 4)
        x = np.linspace(-1, 1, 2 * 3).reshape([2, 3])
        expected = np.array([[0.07272727, 0.41212121, 0.75151515, 1.09090909],
                             [-0.90909091, 0.08484848, 1.07878788, 2.07272727]])
        return compare("forward", call(layer.forward, x), expected, "expected", tolerance=1e-6)

    def input_gradient():
        layer = cls(32, 64, rng=0)
        in_float64(layer)
        x = np.linspace(-1, 1, 10 * 32).reshape([10, 32])
        eps = precision_of(call(layer.forward, x)).eps
        numeric = numerical_gradient(lambda: float(np.sum(call(layer.forward, x))), x, eps)
        grads = call(layer.backward, x, np.ones([10, 64]))
        return compare("grad_input", grads, numeric, "numerical", tolerance=1e-3)

    report.check("the assignment's initialisation check", initialisation,
                 hint="W: small random numbers, different for every unit: rng.normal(size="
                      "(input_units, output_units)) * 0.01 as the assignment says, or He's "
                      "* np.sqrt(2 / input_units); b: zeros")
    report.check("the assignment's forward check", known_forward,
                 hint="forward is input @ W + b, with W and b read from self.params")
    report.check("the assignment's input-gradient check", input_gradient,
                 hint="dL/d(input) = grad_output @ W.T")


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
    check_layer(report, target, lambda cls: cls(5, 3, rng=0), input_shape=(4, 5),
                reference=_reference, extra=assignment_checks)


def _reference(layer):
    """pynn's Dense with the learner's parameters."""
    reference = Dense(5, 3, rng=0, dtype=np.float64)
    reference.params["W"] = np.array(layer.params["W"], dtype=np.float64)
    reference.params["b"] = np.array(layer.params["b"], dtype=np.float64)
    return reference
