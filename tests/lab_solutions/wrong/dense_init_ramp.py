# exercise: dense
# caught by: the assignment's initialisation check
# W is small but not random: a ramp.
import numpy as np
from pynn import Layer


class Dense(Layer):
    def __init__(self, input_units, output_units, learning_rate=0.1, rng=None):
        super().__init__()
        rng = np.random.default_rng(rng)
        self.params["W"] = np.linspace(-0.05, 0.05, input_units * output_units).reshape(input_units, output_units)
        self.params["b"] = np.zeros(output_units)

    def forward(self, input):
        return input @ self.params["W"] + self.params["b"]

    def backward(self, input, grad_output):
        self.grads["W"] = input.T @ grad_output
        self.grads["b"] = grad_output.sum(axis=0)
        return grad_output @ self.params["W"].T
