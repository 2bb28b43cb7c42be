# exercise: dense
# caught by: the assignment's input-gradient check
# says: your grad_input uses the weights after the update
# the notebook's way, but the weights are updated before grad_input is computed from them.
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
        grad_weights = np.dot(input.T, grad_output)
        grad_biases = grad_output.sum(axis=0)
        assert grad_weights.shape == self.weights.shape and grad_biases.shape == self.biases.shape
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        grad_input = np.dot(grad_output, self.weights.T)
        return grad_input
