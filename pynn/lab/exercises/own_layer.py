"""Exercise 4: a layer of your own, checked by its gradients."""

from pynn.lab.layer_checks import check_layer

TITLE = "Your own layer"
ORDER = 4
TARGET = None  # any class derived from Layer (the last one in the file)

STATEMENT = """
Write any layer you like as a class derived from Layer: LeakyReLU, Tanh, Sigmoid, ELU,
Softplus, ... Its forward and backward are checked against each other by central
differences (and its output must stay finite for inputs of ±1000). If your layer has
parameters, keep them in self.params and their gradients in self.grads, with the same keys.
Its constructor must work without arguments.
"""

STARTER = '''
import numpy as np
from pynn import Layer


class LeakyReLU(Layer):
    """x where x > 0, alpha * x elsewhere."""

    def __init__(self, alpha=0.1):
        super().__init__()
        self.alpha = alpha

    def forward(self, input):
        # TODO: input where input > 0, else alpha * input
        return input

    def backward(self, input, grad_output):
        # TODO: the slope of forward at input, times grad_output
        return grad_output
'''


def check(target, report):
    check_layer(report, target, lambda cls: cls(), input_shape=(5, 6))
