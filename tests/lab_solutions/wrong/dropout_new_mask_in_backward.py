# exercise: dropout
# caught by: backward uses forward's mask
# backward draws a mask of its own: the gradient flows through other numbers than forward kept.
import numpy as np
from pynn import Layer


class Dropout(Layer):
    """Zeroes each number with probability rate while training (and scales the others by
    1 / (1 - rate)); the identity while evaluating."""

    def __init__(self, rate=0.5, rng=None):
        super().__init__()                  # sets self.training = True
        self.rate = rate
        self.rng = np.random.default_rng(rng)
        self.mask = None

    def forward(self, input):
        if not self.training:
            return input
        keep = self.rng.random(input.shape) >= self.rate
        self.mask = keep / (1 - self.rate)
        return input * self.mask

    def backward(self, input, grad_output):
        if not self.training:
            return grad_output
        keep = self.rng.random(grad_output.shape) >= self.rate
        return grad_output * keep / (1 - self.rate)
