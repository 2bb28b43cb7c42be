# exercise: dense
# caught by: backward keeps the contract
# says: backward changed self.params['W']: only fill self.grads (the optimizer takes the step)
# pynn's way, but backward also takes an SGD step on self.params, as the notebook's Dense does.
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
        grad_input = grad_output @ self.params["W"].T
        self.grads["W"] = input.T @ grad_output
        self.grads["b"] = grad_output.sum(axis=0)
        self.params["W"] = self.params["W"] - 0.1 * self.grads["W"]
        self.params["b"] = self.params["b"] - 0.1 * self.grads["b"]
        return grad_input
