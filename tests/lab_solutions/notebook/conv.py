"""A Conv2D written the notebook's way (used by the tests only): its own Layer base,
self.weights and self.biases, and the SGD step inside backward with self.learning_rate."""

import numpy as np


class Layer:
    def forward(self, input):
        return input

    def backward(self, input, grad_output):
        return grad_output


class Conv2D(Layer):
    def __init__(self, in_channels, out_channels, kernel_size, learning_rate=0.1):
        self.learning_rate = learning_rate
        k = kernel_size
        self.weights = np.random.randn(out_channels, in_channels, k, k) * 0.1
        self.biases = np.zeros(out_channels)

    def forward(self, input):
        k = self.weights.shape[-1]
        height, width = input.shape[2] - k + 1, input.shape[3] - k + 1
        out = np.zeros((input.shape[0], self.weights.shape[0], height, width))
        for u in range(k):
            for v in range(k):
                patch = input[:, :, u:u + height, v:v + width]
                out += np.einsum("fc,ncij->nfij", self.weights[:, :, u, v], patch)
        return out + self.biases.reshape(1, -1, 1, 1)

    def backward(self, input, grad_output):
        k = self.weights.shape[-1]
        height, width = grad_output.shape[2], grad_output.shape[3]
        grad_weights = np.zeros_like(self.weights)
        grad_input = np.zeros_like(input)
        for u in range(k):
            for v in range(k):
                patch = input[:, :, u:u + height, v:v + width]
                grad_weights[:, :, u, v] = np.einsum("nfij,ncij->fc", grad_output, patch)
                grad_input[:, :, u:u + height, v:v + width] += np.einsum(
                    "fc,nfij->ncij", self.weights[:, :, u, v], grad_output)
        grad_biases = grad_output.sum(axis=(0, 2, 3))
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input
