"""Exercise 1: the ReLU layer."""

import numpy as np

from pynn.gradcheck import numerical_gradient
from pynn.lab.checks import call, compare, precision_of
from pynn.lab.layer_checks import check_layer
from pynn.layers import ReLU

TITLE = "ReLU"
ORDER = 1
TARGET = "ReLU"
REPLACES = "ReLU"

STATEMENT = """
A ReLU layer applies max(0, x) to every number of its input: forward(input) returns
an array of the same shape [batch, units].

backward(input, grad_output) gets dL/d(output) and returns dL/d(input) by the chain rule:
the gradient passes where the input was positive and is 0 elsewhere. ReLU has no
parameters, so there is nothing to put in self.grads.
"""

STARTER = '''
import numpy as np
from pynn import Layer


class ReLU(Layer):
    """max(0, x) elementwise."""

    def forward(self, input):
        # TODO: return max(0, input), elementwise, for the whole batch
        return input

    def backward(self, input, grad_output):
        # TODO: return dL/d(input): grad_output where input > 0, else 0
        return grad_output
'''

SOLUTION = '''
import numpy as np
from pynn import Layer


class ReLU(Layer):
    """max(0, x) elementwise."""

    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        return grad_output * (input > 0)
'''


def assignment_check(report, cls):
    """The assignment's own check: backward of mean(forward(x)) against numerical gradients
    (computed first: backward gets copies, so it cannot change them)."""
    def run():
        x = np.linspace(-1, 1, 10 * 32).reshape([10, 32])
        layer = cls()
        eps = precision_of(call(layer.forward, x)).eps
        numeric = numerical_gradient(lambda: float(np.mean(call(layer.forward, x))), x, eps)
        grads = call(layer.backward, x, np.ones([10, 32]) / (32 * 10))
        return compare("grad_input", grads, numeric, "numerical", tolerance=1e-3)

    report.check("the assignment's ReLU check", run,
                 hint="where the input is positive the gradient is grad_output; elsewhere 0")


def check(target, report):
    check_layer(report, target, lambda cls: cls(), input_shape=(6, 5),
                reference=lambda layer: ReLU(), extra=assignment_check, extremes=(1e30, -1e30))
