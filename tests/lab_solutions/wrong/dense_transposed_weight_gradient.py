# exercise: dense
# caught by: backward keeps the contract
# says: the product is transposed — for Dense, grads['W'] = input.T @ grad_output has W's shape
# pynn's way with a transposed product: grad_output.T @ input has W.T's shape.
import numpy as np
from pynn import Layer


class Dense(Layer):
    def __init__(self, input_units, output_units, learning_rate=0.1, rng=None):
        super().__init__()
        rng = np.random.default_rng(rng)
        self.params["W"] = rng.normal(size=(input_units, output_units)) * 0.01
        self.params["b"] = np.zeros(output_units)

    def forward(self, input):
        return input @ self.params["W"] + self.params["b"]

    def backward(self, input, grad_output):
        self.grads["W"] = grad_output.T @ input
        self.grads["b"] = grad_output.sum(axis=0)
        return grad_output @ self.params["W"].T
