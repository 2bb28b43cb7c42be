# exercise: dense
# caught by: the SGD step: self.weights
# says: your weight update is 1/N of what it should be (N = 4, the batch size)
# the notebook's Dense as published: averages the gradients over the batch (/ batch size, .mean)
# although grad_output is already divided by the batch size: every update 1/batch too small.
import numpy as np



class Layer:
    """Does nothing: forward passes its input on, backward its gradient."""

    def __init__(self):
        pass

    def forward(self, input):
        return input

    def backward(self, input, grad_output):
        units = input.shape[1]
        identity = np.eye(units)
        return np.dot(grad_output, identity)


class ReLU(Layer):
    def __init__(self):
        pass

    def forward(self, input):
        result = np.maximum(0, input)
        return result

    def backward(self, input, grad_output):
        passes = input > 0
        return grad_output * passes


class Dense(Layer):
    def __init__(self, input_units, output_units, learning_rate=0.1):
        self.learning_rate = learning_rate
        self.weights = np.random.randn(input_units, output_units) * 0.01
        self.biases = np.zeros(output_units)

    def forward(self, input):
        return np.dot(input, self.weights) + self.biases

    def backward(self, input, grad_output):
        grad_input = np.dot(grad_output, self.weights.T)
        grad_weights = np.dot(input.T, grad_output) / input.shape[0]
        grad_biases = grad_output.mean(axis=0)
        assert grad_weights.shape == self.weights.shape and grad_biases.shape == self.biases.shape
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input
