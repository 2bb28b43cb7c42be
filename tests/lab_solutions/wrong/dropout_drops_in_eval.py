# exercise: dropout
# caught by: evaluation mode is the identity
# ignores self.training: it keeps dropping while the network is evaluated.
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
        keep = self.rng.random(input.shape) >= self.rate
        self.mask = keep / (1 - self.rate)
        return input * self.mask

    def backward(self, input, grad_output):
        return grad_output * self.mask
