# exercise: relu
# caught by: gradient check: grad_input
# backward divides the grad_output it was handed in place: gradients 1/batch too small.
import numpy as np
from pynn import Layer


class ReLU(Layer):
    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        grad_output /= len(input)
        return grad_output * (input > 0)
