# exercise: relu
# caught by: the assignment's ReLU check
# backward zeroes the grad_output it was handed in place: every gradient is 0.
import numpy as np
from pynn import Layer


class ReLU(Layer):
    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        grad_output *= 0
        return grad_output * (input > 0)
