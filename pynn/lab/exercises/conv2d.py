"""Exercise 12: the Conv2D (convolution) layer.

A learner's Conv2D that passes can stand in for pynn's when the studio trains a convnet
("Train with my layers", ``pynn.lab.swap``): it is built as the starter's is,
``Conv2D(in_channels, out_channels, kernel_size)``, then given pynn's initial weights."""

import numpy as np

from pynn.conv import Conv2D
from pynn.lab.checks import call, compare
from pynn.lab.layer_checks import check_layer
from pynn.lab.notebook_layers import construct, parameters, set_parameter

TITLE = "Conv2D"
ORDER = 12
TARGET = "Conv2D"
REPLACES = "Conv2D"
SHOW_SOLUTION_AFTER = 3

SHAPES = [
    "input [batch, in_channels, height, width] → output [batch, out_channels, height - k + 1, width - k + 1]",
    "W [out_channels, in_channels, k, k], b [out_channels]",
    "grad_output (the output's shape) → grad_input (the input's shape)",
]

STATEMENT = """
A Conv2D layer slides out_channels filters of k×k over a batch of images
input [batch, in_channels, height, width] (no padding, stride 1):

    output[n, f, i, j] = b[f] + sum over c, u, v of W[f, c, u, v] * input[n, c, i + u, j + v]

so the output has shape [batch, out_channels, height - k + 1, width - k + 1].
W has shape [out_channels, in_channels, k, k] and b has shape [out_channels].

backward(input, grad_output) fills self.grads["W"] and self.grads["b"] and returns
dL/d(input). Each kernel offset (u, v) is one matrix product: a loop over u and v is fine,
a loop over images or pixels is slow. np.einsum reads like the formula above.

This starter is pynn's way (an optimizer takes the step). The notebook's way works too:
self.weights and self.biases, updated in backward with self.learning_rate, as your Dense.
"""

STARTER = '''
import numpy as np
from pynn import Layer


class Conv2D(Layer):
    """out_channels filters of kernel_size × kernel_size, stride 1, no padding"""

    def __init__(self, in_channels, out_channels, kernel_size, rng=None):
        super().__init__()
        rng = np.random.default_rng(rng)
        k = kernel_size
        scale = np.sqrt(2 / (in_channels * k * k))
        self.params["W"] = rng.normal(size=(out_channels, in_channels, k, k)) * scale
        self.params["b"] = np.zeros(out_channels)

    def forward(self, input):
        W, b = self.params["W"], self.params["b"]
        k = W.shape[-1]
        n, _, h, w = input.shape
        out = np.zeros((n, W.shape[0], h - k + 1, w - k + 1))
        for u in range(k):
            for v in range(k):
                window = input[:, :, u:u + h - k + 1, v:v + w - k + 1]   # [n, c, h', w']
                # TODO: add W[:, :, u, v] applied to the window's channels to out
        # TODO: add the bias of each output channel
        return out

    def backward(self, input, grad_output):
        W = self.params["W"]
        k = W.shape[-1]
        n, _, h, w = input.shape
        self.grads["W"] = np.zeros_like(W)
        self.grads["b"] = np.zeros_like(self.params["b"])   # TODO: sum over batch and pixels
        grad_input = np.zeros_like(input)
        for u in range(k):
            for v in range(k):
                window = input[:, :, u:u + h - k + 1, v:v + w - k + 1]
                # TODO: dL/dW[:, :, u, v] from grad_output and the window
                # TODO: add the window's share of dL/d(input) into grad_input
        return grad_input
'''

SOLUTION = '''
import numpy as np
from pynn import Layer


class Conv2D(Layer):
    """out_channels filters of kernel_size × kernel_size, stride 1, no padding"""

    def __init__(self, in_channels, out_channels, kernel_size, rng=None):
        super().__init__()
        rng = np.random.default_rng(rng)
        k = kernel_size
        scale = np.sqrt(2 / (in_channels * k * k))
        self.params["W"] = rng.normal(size=(out_channels, in_channels, k, k)) * scale
        self.params["b"] = np.zeros(out_channels)

    def forward(self, input):
        W, b = self.params["W"], self.params["b"]
        k = W.shape[-1]
        n, _, h, w = input.shape
        out = np.zeros((n, W.shape[0], h - k + 1, w - k + 1))
        for u in range(k):
            for v in range(k):
                window = input[:, :, u:u + h - k + 1, v:v + w - k + 1]
                out += np.einsum("fc,ncij->nfij", W[:, :, u, v], window)
        return out + b[None, :, None, None]

    def backward(self, input, grad_output):
        W = self.params["W"]
        k = W.shape[-1]
        n, _, h, w = input.shape
        self.grads["W"] = np.zeros_like(W)
        self.grads["b"] = grad_output.sum(axis=(0, 2, 3))
        grad_input = np.zeros_like(input)
        for u in range(k):
            for v in range(k):
                window = input[:, :, u:u + h - k + 1, v:v + w - k + 1]
                self.grads["W"][:, :, u, v] = np.einsum("nfij,ncij->fc", grad_output, window)
                grad_input[:, :, u:u + h - k + 1, v:v + w - k + 1] += np.einsum(
                    "fc,nfij->ncij", W[:, :, u, v], grad_output)
        return grad_input
'''


def known_numbers(report, cls):
    """A 1-filter, 2×2 kernel on a 3×3 image, worked out by hand."""
    def by_hand():
        layer = construct(cls, 1, 1, 2, rng=0)
        set_parameter(layer, "W", np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
        set_parameter(layer, "b", np.array([0.5]))
        x = np.arange(9, dtype=np.float64).reshape(1, 1, 3, 3)
        # top-left window [[0, 1], [3, 4]]: 0*1 + 1*2 + 3*3 + 4*4 = 27, plus the bias
        expected = np.array([[[[27.5, 37.5], [57.5, 67.5]]]])
        return compare("forward", call(layer.forward, x), expected, "worked out by hand", tolerance=1e-9)

    report.check("a convolution worked out by hand", by_hand,
                 about=("forward",),
                 hint=("the top-left output reads the top-left k×k window of every input channel",
                       "output[n, f, i, j] = b[f] + sum of W[f, c, u, v] * input[n, c, i + u, j + v]"))


def check(target, report):
    check_layer(report, target, lambda cls: construct(cls, 2, 3, 3, rng=0), input_shape=(2, 2, 6, 5),
                reference=_reference, extra=known_numbers, output_ndim=4, parameters=("W", "b"))


def _reference(layer):
    """pynn's Conv2D with the learner's parameters."""
    reference = Conv2D(2, 3, 3, rng=0, dtype=np.float64)
    for key, value in parameters(layer).items():
        reference.params[key] = np.array(value, dtype=np.float64)
    return reference
