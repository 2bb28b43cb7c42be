# exercise: dense
# caught by: output shape
# says: your layer keeps its parameters in self.weights (the notebook's way): write self.weights, not self.params[...]
# the notebook's way in __init__ (self.weights, self.biases), pynn's names in forward.
import numpy as np


class Dense:
    def __init__(self, input_units, output_units, learning_rate=0.1):
        self.learning_rate = learning_rate
        self.weights = np.random.randn(input_units, output_units) * 0.01
        self.biases = np.zeros(output_units)

    def forward(self, input):
        return input @ self.params["W"] + self.params["b"]

    def backward(self, input, grad_output):
        grad_input = grad_output @ self.weights.T
        self.weights = self.weights - self.learning_rate * input.T @ grad_output
        self.biases = self.biases - self.learning_rate * grad_output.sum(axis=0)
        return grad_input
