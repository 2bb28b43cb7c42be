"""Exercise 2: the Dense (fully connected) layer."""

import numpy as np

from pynn.gradcheck import numerical_gradient
from pynn.lab.checks import Failed, compare, in_float64
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
numbers (the assignment: normal, times 0.01) and b with zeros.

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
        if not (-0.05 < w.mean() < 0.05 and 1e-3 < w.std() < 1e-1):
            raise Failed(f"W has mean {w.mean():.3g} and std {w.std():.3g}; expected about 0 and 0.01")
        if not np.all(b == 0):
            raise Failed("b does not start at zero")
        return f"W mean {w.mean():.1e}, std {w.std():.3f}; b zeros"

    def known_forward():
        layer = cls(3, 4, rng=0)
        layer.params["W"] = np.linspace(-1, 1, 3 * 4).reshape([3, 4])
        layer.params["b"] = np.linspace(-1, 1, 4)
        x = np.linspace(-1, 1, 2 * 3).reshape([2, 3])
        expected = np.array([[0.07272727, 0.41212121, 0.75151515, 1.09090909],
                             [-0.90909091, 0.08484848, 1.07878788, 2.07272727]])
        return compare("forward", layer.forward(x), expected, "expected", tolerance=1e-6)

    def input_gradient():
        layer = cls(32, 64, rng=0)
        in_float64(layer)
        x = np.linspace(-1, 1, 10 * 32).reshape([10, 32])
        numeric = numerical_gradient(lambda: float(layer.forward(x).sum()), x)
        grads = layer.backward(x, np.ones([10, 64]))
        return compare("grad_input", grads, numeric, "numerical", tolerance=1e-3)

    report.check("the assignment's initialisation check", initialisation,
                 hint="W: rng.normal(size=(input_units, output_units)) * 0.01; b: zeros")
    report.check("the assignment's forward check", known_forward,
                 hint="forward is input @ W + b, with W and b read from self.params")
    report.check("the assignment's input-gradient check", input_gradient,
                 hint="dL/d(input) = grad_output @ W.T")


def check(target, report):
    check_layer(report, target, lambda cls: cls(5, 3, rng=0), input_shape=(4, 5),
                reference=_reference, extra=assignment_checks)


def _reference(layer):
    """pynn's Dense with the learner's parameters."""
    reference = Dense(5, 3, rng=0, dtype=np.float64)
    reference.params["W"] = np.array(layer.params["W"], dtype=np.float64)
    reference.params["b"] = np.array(layer.params["b"], dtype=np.float64)
    return reference
