# exercise: dropout
# caught by: kept numbers are scaled by 1 / (1 - rate)
# drops the right numbers but forgets to scale the kept ones: the mean falls by rate in training.
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
        self.mask = keep * 1.0
        return input * self.mask

    def backward(self, input, grad_output):
        if not self.training:
            return grad_output
        return grad_output * self.mask
