"""Exercise 8: a layer of your own (any nonlinearity, or more), checked by its gradients.

The learner's layer is the last class of their file that has ``forward`` and ``backward`` and
is not the base of another class there: their own ``Layer`` base (the notebook's way) or
pynn's are both fine."""

from pynn.lab.layer_checks import check_layer
from pynn.lab.notebook_layers import construct

TITLE = "Your own layer"
ORDER = 8
TARGET = None  # any class with forward and backward (the last one in the file), see find
DEFINES = "a layer"

SHAPES = [
    "input [batch, units] → output [batch, units]",
    "grad_output [batch, units] → grad_input [batch, units]",
]

STATEMENT = """
"What else to try": a nonlinearity of your own — LeakyReLU, Tanh, Sigmoid, ELU,
Softplus, ... Its forward and backward are checked against each other by central
differences, and its output must stay finite for inputs of ±1000. Its constructor must
work without arguments.

Write it as your ReLU: the notebook's way (your own Layer base; parameters, if any, in
self.weights and self.biases, updated in backward with self.learning_rate) or pynn's way
(`from pynn import Layer`; parameters in self.params, gradients in self.grads).
"""

STARTER = '''
import numpy as np


class Layer:
    """A building block: output = layer.forward(input), and
    grad_input = layer.backward(input, grad_output) by the chain rule."""

    def forward(self, input):
        return input

    def backward(self, input, grad_output):
        return grad_output


class LeakyReLU(Layer):
    """input where input > 0, alpha * input elsewhere."""

    def __init__(self, alpha=0.1):
        self.alpha = alpha

    def forward(self, input):
        # TODO: input where input > 0, else alpha * input (np.where works elementwise)
        return input

    def backward(self, input, grad_output):
        # TODO: the slope of forward at input, times grad_output
        return grad_output
'''


def find(namespace: dict):
    """The learner's layer: the last class defined in their file with ``forward`` and
    ``backward`` that no other class of the file derives from (so not their ``Layer`` base)."""
    from pynn.lab.exercise import own
    from pynn.lab.runner import LearnerCodeError

    module = namespace["__name__"]
    classes = [value for value in namespace.values() if isinstance(value, type)
               and getattr(value, "__module__", None) == module
               and callable(getattr(value, "forward", None)) and callable(getattr(value, "backward", None))]
    leaves = [cls for cls in classes if not any(other is not cls and issubclass(other, cls)
                                                for other in classes)]
    if not leaves:
        raise LearnerCodeError("your code defines no layer: write a class with forward(self, input) "
                               "and backward(self, input, grad_output)")
    return own(leaves[-1], leaves[-1].__name__, module)


def check(target, report):
    check_layer(report, target, lambda cls: construct(cls), input_shape=(5, 6))
