# exercise: own_layer
# caught by: gradient check: grad_input
# an ELU whose backward divides the grad_output it was handed in place.
import numpy as np
from pynn import Layer


class ELU(Layer):
    def forward(self, input):
        return np.where(input > 0, input, np.expm1(np.minimum(input, 0)))

    def backward(self, input, grad_output):
        grad_output /= len(input)
        return grad_output * np.where(input > 0, 1.0, np.exp(np.minimum(input, 0)))
