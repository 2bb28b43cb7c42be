# exercise: relu
# caught by: the assignment's ReLU check
# says: your grad_input is 1/N of what it should be (N = 10, the batch size)
# backward divides the grad_output it was handed in place: gradients 1/batch too small.
import numpy as np
from pynn import Layer


class ReLU(Layer):
    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        grad_output /= len(input)
        return grad_output * (input > 0)
