# exercise: own_layer
# caught by: gradient check: grad_input
# a LeakyReLU whose backward zeroes the grad_output it was handed in place.
import numpy as np
from pynn import Layer


class LeakyReLU(Layer):
    def forward(self, input):
        return np.where(input > 0, input, 0.1 * input)

    def backward(self, input, grad_output):
        grad_output *= 0
        return grad_output * np.where(input > 0, 1.0, 0.1)
