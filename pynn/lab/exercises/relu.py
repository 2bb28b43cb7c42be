"""Exercise 1: the ReLU layer, the notebook's way or pynn's."""

import numpy as np

from pynn.gradcheck import numerical_gradient
from pynn.lab.checks import call, compare_gradient, precision_of
from pynn.lab.layer_checks import check_layer
from pynn.layers import ReLU

TITLE = "ReLU"
ORDER = 1
TARGET = "ReLU"
REPLACES = "ReLU"

SHAPES = [
    "input [batch, units] → output [batch, units]",
    "grad_output [batch, units] → grad_input [batch, units]",
]

STATEMENT = r"""
A ReLU layer applies $\max(0, x)$ to every number $x$ of its input: forward(input) returns
an array of the same shape [batch, units]. Work elementwise, on the whole batch at once:
Python's own max compares whole arrays, numpy has an elementwise one.

backward(input, grad_output) gets $\partial L / \partial \mathrm{output}$ (grad_output) and
returns $\partial L / \partial \mathrm{input}$ by the chain rule: grad_output times the
derivative of $\max(0, x)$ at each input. ReLU has no parameters, so there is nothing to
update.

The lab accepts the notebook's way (this starter: a Layer base class of your own, and layers
with parameters update them in backward) and pynn's way (class ReLU(Layer) with
`from pynn import Layer`; parameters in self.params, gradients in self.grads, an optimizer
takes the step — the way to go if you want to try Momentum or Adam later).
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


class ReLU(Layer):
    """max(0, x) for every number x of the input."""

    def forward(self, input):
        # TODO: 0 for each negative number of the input, the number itself otherwise:
        # elementwise, on the whole array at once (numpy's maximum does that; Python's
        # built-in max compares whole arrays)
        return input

    def backward(self, input, grad_output):
        # TODO: dL/d(input) by the chain rule: grad_output times ReLU's derivative at
        # each number of the input
        return grad_output
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


class ReLU(Layer):
    """max(0, x) for every number x of the input."""

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
        return compare_gradient("grad_input", grads, numeric, 10, "grad_input", tolerance=1e-3, input=x)

    report.check("the assignment's ReLU check", run, about=("grad_input",),
                 hint=("the derivative of max(0, x) is 1 where x > 0 and 0 where x < 0: look at "
                       "the sign of the input at the element named",
                       "grad_input = grad_output * (input > 0)"))


def check(target, report):
    check_layer(report, target, lambda cls: cls(), input_shape=(6, 5),
                reference=lambda layer: ReLU(), extra=assignment_check, extremes=(1e30, -1e30))
