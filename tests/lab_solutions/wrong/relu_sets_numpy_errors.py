# exercise: relu
# caught by: your code leaves pynn and numpy as they were
# a correct ReLU that turns numpy's warnings into errors for everyone after it.
import numpy as np
from pynn import Layer


class ReLU(Layer):
    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        return grad_output * (input > 0)
np.seterr(all="raise")
