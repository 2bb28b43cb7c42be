# exercise: relu
# caught by: output shape
# says: Python's max compares whole arrays; use np.maximum(0, input), elementwise
# Python's built-in max instead of np.maximum: it compares whole arrays and raises.
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
        result = max(0, input)
        return result

    def backward(self, input, grad_output):
        passes = input > 0
        return grad_output * passes


