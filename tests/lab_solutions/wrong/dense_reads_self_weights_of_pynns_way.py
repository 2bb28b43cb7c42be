# exercise: dense
# caught by: output shape
# says: your layer keeps this parameter in self.params['W'] (pynn's way): write self.params['W'], not self.weights
# pynn's way in __init__ (self.params), the notebook's names in forward and backward.
import numpy as np
from pynn import Layer


class Dense(Layer):
    def __init__(self, input_units, output_units, learning_rate=0.1, rng=None):
        super().__init__()
        rng = np.random.default_rng(rng)
        self.params["W"] = rng.normal(size=(input_units, output_units)) * 0.01
        self.params["b"] = np.zeros(output_units)

    def forward(self, input):
        return input @ self.weights + self.biases

    def backward(self, input, grad_output):
        self.grads["W"] = input.T @ grad_output
        self.grads["b"] = grad_output.sum(axis=0)
        return grad_output @ self.weights.T
