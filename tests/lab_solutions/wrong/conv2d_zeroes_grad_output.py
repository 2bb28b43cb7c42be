# exercise: conv2d
# caught by: gradient check: grads['W']
# backward zeroes the grad_output it was handed in place: every gradient is 0.
import numpy as np

from pynn import Layer


class Conv2D(Layer):
    def __init__(self, in_channels, out_channels, kernel_size, rng=None):
        super().__init__()
        rng = np.random.default_rng(rng)
        k = kernel_size
        self.params["W"] = rng.normal(size=(out_channels, in_channels, k, k)) * 0.1
        self.params["b"] = np.zeros(out_channels)

    def forward(self, input):
        W = self.params["W"]
        k = W.shape[-1]
        height, width = input.shape[2] - k + 1, input.shape[3] - k + 1
        out = np.zeros((input.shape[0], W.shape[0], height, width))
        for u in range(k):
            for v in range(k):
                patch = input[:, :, u:u + height, v:v + width]
                out += np.tensordot(patch, W[:, :, u, v], axes=([1], [1])).transpose(0, 3, 1, 2)
        return out + self.params["b"].reshape(1, -1, 1, 1)

    def backward(self, input, grad_output):
        grad_output *= 0
        W = self.params["W"]
        k = W.shape[-1]
        height, width = grad_output.shape[2], grad_output.shape[3]
        self.grads["b"] = grad_output.sum(axis=(2, 3)).sum(axis=0)
        self.grads["W"] = np.zeros_like(W)
        grad_input = np.zeros_like(input)
        for u in range(k):
            for v in range(k):
                patch = input[:, :, u:u + height, v:v + width]
                self.grads["W"][:, :, u, v] = np.tensordot(grad_output, patch, axes=([0, 2, 3], [0, 2, 3]))
                grad_input[:, :, u:u + height, v:v + width] += np.tensordot(
                    grad_output, W[:, :, u, v], axes=([1], [0])).transpose(0, 3, 1, 2)
        return grad_input
