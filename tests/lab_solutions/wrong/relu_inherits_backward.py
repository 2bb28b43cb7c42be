# exercise: relu
# caught by: your code defines ReLU
# a subclass of pynn's ReLU that writes forward only: backward is pynn's.
import numpy as np
import pynn


class ReLU(pynn.ReLU):
    def forward(self, input):
        return np.maximum(0, input)
