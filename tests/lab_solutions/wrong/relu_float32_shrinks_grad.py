# exercise: relu
# caught by: the assignment's ReLU check
# says: your grad_input is 1/N of what it should be (N = 10, the batch size)
# a float32 ReLU whose backward is 1/batch too small.
import numpy as np
from pynn import Layer


class ReLU(Layer):
    def forward(self, input):
        return np.maximum(0, input).astype(np.float32)

    def backward(self, input, grad_output):
        return (grad_output * (input > 0) / len(input)).astype(np.float32)
