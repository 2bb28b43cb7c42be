# exercise: dense
# caught by: the SGD step: self.biases
# says: don't average (.mean(axis=0))
# the notebook's way, weights summed but biases averaged (.mean(axis=0)): bias update 1/batch.
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
        grad_weights = np.dot(input.T, grad_output)
        grad_biases = grad_output.mean(axis=0)
        assert grad_weights.shape == self.weights.shape and grad_biases.shape == self.biases.shape
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input
