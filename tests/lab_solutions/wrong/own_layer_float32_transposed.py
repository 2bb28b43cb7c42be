# exercise: own_layer
# caught by: gradient check: grad_input
# a float32 layer with a weight matrix whose grad_input uses W where it needs W.T.
import numpy as np
from pynn import Layer


class Mix(Layer):
    def __init__(self):
        super().__init__()
        self.params["W"] = np.random.default_rng(0).normal(size=(6, 6)).astype(np.float32)

    def forward(self, input):
        return (input @ self.params["W"]).astype(np.float32)

    def backward(self, input, grad_output):
        self.grads["W"] = (input.T @ grad_output).astype(np.float32)
        return (grad_output @ self.params["W"]).astype(np.float32)
