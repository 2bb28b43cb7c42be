"""Convolutional layers on images ``[batch, channels, height, width]`` (NCHW): ``Conv2D``,
``Flatten``, and ``Reshape`` (rows of pixels → images, as 784 → ``[batch, 1, 28, 28]``); with
``MaxPool2D`` (``pynn.pooling``) the layer types model files name here (``LAYER_CLASSES``);
all with ``Dense``'s contract: ``backward(input, grad_output)`` fills ``grads``, returns
dL/d(input) and never updates.

How the maths runs (measured in CPython with OpenBLAS and in Pyodide; bench/cnn_epoch.py):

- **im2col.** A convolution is one matrix product, ``W [filters, C·k·k] @ cols [C·k·k,
  pixels]``: column ``(i, j, n)`` of ``cols`` is the ``C×k×k`` patch under output pixel
  ``(i, j)`` of image ``n``. ``sliding_window_view`` gives the patches as a view, one copy
  makes ``cols``, and ``pynn.ops.matmul`` multiplies (BLAS natively, einsum in WebAssembly).
- **Memory layout.** Arrays are NCHW by shape, but the buffers a conv layer makes are
  ordered ``[C, H, W, N]`` (batch last) and handed on as transposed views: the product needs
  no copy, and the next im2col and the backward pass's ``k·k`` shifted adds (col2im) copy
  long contiguous runs, 2–5× faster than with NCHW buffers in both runtimes. numpy reads the
  strides, so nothing outside needs to care.
- **Caching.** In training mode ``forward`` keeps its ``cols`` (MaxPool2D: its output) for a
  ``backward`` on *the same input array*, which releases it; otherwise they are recomputed.
  Do not change an input in place between the two calls.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from pynn.checks import as_float_array, check_choice, check_int
from pynn.images import check_images, sizes_text
from pynn.initializers import INITIALIZERS, init_weights
from pynn.layers import Layer, check_float_dtype
from pynn.ops import matmul
from pynn.pooling import MaxPool2D
from pynn.rng import as_rng


# Padding beyond kernel_size - 1 (a "full" convolution) only adds outputs that see nothing but
# zeros; pynn's text form (pynn.arch) keeps it below the kernel. The constructor allows up to
# this much for any kernel, so that a model file's padding=10**9 is refused when it is read
# instead of failing in predict as an allocation of exabytes.
MAX_PADDING = 64


def _reshaped_back(layer: Layer, input, grad_output, expected: tuple) -> np.ndarray:
    """``grad_output`` (of the output's shape ``expected``) in the shape of ``input``."""
    grad_output = as_float_array(grad_output, "grad_output")
    if grad_output.shape != expected:
        raise ValueError(f"{layer!r}: grad_output must have shape {expected} (the output's), "
                         f"got {grad_output.shape}")
    return grad_output.reshape(np.shape(input))


class Reshape(Layer):
    """Rows ``[batch, prod(shape)]`` → ``[batch, *shape]``, e.g. 784 pixels → one 28×28 image.

    The first layer of a conv network, so that the network still takes ``[batch, 784]`` rows
    like the data, the CSV and the page. A view: nothing is copied.

    >>> Reshape((1, 28, 28)).forward(np.zeros((5, 784))).shape
    (5, 1, 28, 28)
    """

    def __init__(self, shape):
        super().__init__()
        if not isinstance(shape, (tuple, list)) or not shape:
            raise TypeError(f"Reshape shape must be a tuple of sizes such as (1, 28, 28), "
                            f"got {shape!r}")
        self.shape = tuple(check_int("Reshape shape sizes", n, low=1) for n in shape)
        self.size = math.prod(self.shape)

    @property
    def input_shape(self):
        return (self.size,)

    def output_shape(self, input_shape):
        return self.shape

    def forward(self, input):
        x = self._check_rows(input)
        return x.reshape(len(x), *self.shape)

    def backward(self, input, grad_output):
        x = self._check_rows(input)
        return _reshaped_back(self, x, grad_output, (len(x), *self.shape))

    def _check_rows(self, input) -> np.ndarray:
        x = as_float_array(input)
        if x.ndim != 2 or x.shape[1] != self.size:
            raise ValueError(f"{self!r} takes inputs of shape [batch, {self.size}], "
                             f"got shape {x.shape}")
        return x

    def config(self):
        return {"type": "Reshape", "shape": list(self.shape)}

    def __repr__(self):
        return f"Reshape({self.shape})"


class Flatten(Layer):
    """``[batch, d1, d2, ...]`` → ``[batch, d1·d2·...]`` (C order), e.g. before a Dense.

    >>> Flatten().forward(np.zeros((2, 16, 4, 4))).shape
    (2, 256)
    """

    def output_shape(self, input_shape):
        if input_shape is None or None in input_shape:
            return None
        return (math.prod(input_shape),)

    def forward(self, input):
        x = as_float_array(input)
        return x.reshape(len(x), -1)

    def backward(self, input, grad_output):
        shape = np.shape(input)
        return _reshaped_back(self, input, grad_output, (shape[0], math.prod(shape[1:])))


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in every deep-learning library) with bias:
    ``y[n, f, i, j] = b[f] + sum over c, u, v of W[f, c, u, v] · x[n, c, s·i + u, s·j + v]``
    on the input zero-padded by ``padding`` on each side; ``s`` is the stride.

    Args:
        in_channels, out_channels: channels of ``x`` and of ``y`` (the number of filters).
        kernel_size: ``k``, the side of the square kernels.
        stride: step between windows. Default is 1.
        padding: zeros added around each image: 0 ("valid") by default, ``kernel_size - 1``
            for a "full" convolution; at most ``MAX_PADDING`` or ``kernel_size - 1``.
        init: one of ``pynn.initializers.INITIALIZERS`` (``"small"``, ``"glorot"``, ``"he"``), with a
            convolution's fans (``pynn.initializers.weight_fans``). Default is ``"he"``, the right
            scale in front of a ReLU.
        rng: seed or ``np.random.Generator`` (``None``: numpy's global random state).
        dtype: parameter dtype. Default is float32 (float64 for gradient checks).

    Shape: input ``[batch, in_channels, H, W]`` → output ``[batch, out_channels, H', W']``
    with ``H' = (H + 2·padding - k) // stride + 1`` (the same for W; ``output_size``).

    Attributes: ``params["W"]`` ``[out_channels, in_channels, k, k]``; ``params["b"]``
    ``[out_channels]``, zeros at start.

    >>> conv = Conv2D(1, 8, 5, rng=0)
    >>> conv.forward(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 8, 24, 24)
    >>> Conv2D(8, 16, 3, stride=2, padding=1).output_shape((8, 12, 12))
    (16, 6, 6)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, init: str = "he", rng=None, dtype=np.float32):
        super().__init__()
        shapes = self.param_shapes({"in_channels": in_channels, "out_channels": out_channels,
                                    "kernel_size": kernel_size})
        self.out_channels, self.in_channels, self.kernel_size, _ = shapes["W"]
        self.stride = check_int("Conv2D stride", stride, low=1)
        self.padding = check_int("Conv2D padding", padding, low=0)
        most = max(MAX_PADDING, self.kernel_size - 1)
        if self.padding > most:
            raise ValueError(f"Conv2D padding must be at most {most} (beyond kernel_size - 1 a "
                             f"border only adds outputs that see nothing but zeros), got {padding!r}")
        self.init = check_choice("init", init, INITIALIZERS)
        dtype = check_float_dtype(dtype)
        self.params["W"] = init_weights(shapes["W"], init, as_rng(rng), dtype)
        self.params["b"] = np.zeros(self.out_channels, dtype=dtype)
        self.grads["W"] = np.zeros_like(self.params["W"])
        self.grads["b"] = np.zeros_like(self.params["b"])
        self._cached = None  # (input, cols) from the last training-mode forward

    @classmethod
    def param_shapes(cls, config):
        c_in = check_int("Conv2D in_channels", config.get("in_channels"), low=1)
        c_out = check_int("Conv2D out_channels", config.get("out_channels"), low=1)
        k = check_int("Conv2D kernel_size", config.get("kernel_size"), low=1)
        return {"W": (c_out, c_in, k, k), "b": (c_out,)}

    @property
    def input_shape(self):
        return (self.in_channels, None, None)

    @staticmethod
    def output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
        """Output pixels along a side of ``size`` input pixels; below 1 when the kernel does
        not fit (``size + 2·padding < kernel_size``)."""
        return (size + 2 * padding - kernel_size) // stride + 1

    def _output_size(self, size: int) -> int:
        return self.output_size(size, self.kernel_size, self.stride, self.padding)

    def output_shape(self, input_shape):
        _, *sizes = input_shape or (None, None, None)
        if any(n is not None and self._output_size(n) < 1 for n in sizes):
            raise ValueError(f"a {self.kernel_size}×{self.kernel_size} kernel does not fit a "
                             f"{sizes_text(sizes)} image with padding {self.padding}")
        return (self.out_channels, *(None if n is None else self._output_size(n) for n in sizes))

    # -- im2col and back ------------------------------------------------------------------
    def _im2col(self, x: np.ndarray) -> np.ndarray:
        """``[N, C, H, W]`` → ``cols [C·k·k, H'·W'·N]``; row ``(c, u, v)``, column
        ``(i, j, n)`` (patch element ``(c, u, v)`` of output pixel ``(i, j)`` of image ``n``)."""
        n, c, h, w = x.shape
        k, s, p = self.kernel_size, self.stride, self.padding
        # First a [C, H, W, N] copy, zero-padded: gathering the patches from it copies long
        # contiguous runs (2–4× faster than from an NCHW buffer; cheap when x is a view of one).
        images = (np.zeros if p else np.empty)((c, h + 2 * p, w + 2 * p, n), x.dtype)
        images[:, p:p + h, p:p + w] = x.transpose(1, 2, 3, 0)
        # [C, H', W', N, k, k]: the k×k window at each output pixel, a view
        windows = sliding_window_view(images, (k, k), axis=(1, 2))[:, ::s, ::s]
        return windows.transpose(0, 4, 5, 1, 2, 3).reshape(c * k * k, -1)  # the copy

    def _col2im(self, dcols: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
        """The adjoint of ``_im2col``: each patch's gradient added back where it came from,
        one shifted add per kernel offset ``(u, v)``."""
        n, c, h, w = input_shape
        k, s, p = self.kernel_size, self.stride, self.padding
        h_out, w_out = self._output_size(h), self._output_size(w)
        patches = dcols.reshape(c, k, k, h_out, w_out, n)
        grad = np.zeros((c, h + 2 * p, w + 2 * p, n), dcols.dtype)
        for u in range(k):
            for v in range(k):
                grad[:, u:u + s * h_out:s, v:v + s * w_out:s] += patches[:, u, v]
        return grad[:, p:p + h, p:p + w].transpose(3, 0, 1, 2)

    # -- the layer ------------------------------------------------------------------------
    def forward(self, input):
        x = check_images(self, input, self.in_channels)
        shape = self.output_shape(x.shape[1:])  # also refuses images smaller than the kernel
        cols = self._im2col(x)
        self._cached = (input, cols) if self.training else None
        out = matmul(self.params["W"].reshape(self.out_channels, -1), cols)  # [F, H'·W'·N]
        out += self.params["b"][:, None]
        return out.reshape(*shape, len(x)).transpose(3, 0, 1, 2)

    def backward(self, input, grad_output):
        g = self._compute_grads(input, grad_output)
        dcols = matmul(self.params["W"].reshape(self.out_channels, -1), g, transpose_a=True)
        return self._col2im(dcols, np.shape(input))

    def compute_grads(self, input, grad_output):
        self._compute_grads(input, grad_output)

    def _compute_grads(self, input, grad_output) -> np.ndarray:
        """Fill ``grads``; return dL/d(output) as a ``[F, H'·W'·N]`` matrix (no copy when
        it comes, as in a network, in this layer's own batch-last layout)."""
        cached, self._cached = self._cached, None
        cols = cached[1] if cached is not None and cached[0] is input else \
            self._im2col(check_images(self, input, self.in_channels))
        grad_output = as_float_array(grad_output, "grad_output")
        n, _, h, w = np.shape(input)
        expected = (n, self.out_channels, self._output_size(h), self._output_size(w))
        if grad_output.shape != expected:
            raise ValueError(f"{self!r}: grad_output must have shape {expected} (the output's), "
                             f"got {grad_output.shape}")
        g = grad_output.transpose(1, 2, 3, 0).reshape(self.out_channels, -1)
        # The loss gradient is already divided by the batch size, so here we sum.
        self.grads["W"] = matmul(g, cols, transpose_b=True).reshape(self.params["W"].shape)
        self.grads["b"] = g.sum(axis=1)
        return g

    def config(self):
        return {"type": "Conv2D", "in_channels": self.in_channels,
                "out_channels": self.out_channels, "kernel_size": self.kernel_size,
                "stride": self.stride, "padding": self.padding, "init": self.init}

    def __repr__(self):
        extra = (f", stride={self.stride}" if self.stride != 1 else "") + \
            (f", padding={self.padding}" if self.padding else "")
        return f"Conv2D({self.in_channels}, {self.out_channels}, {self.kernel_size}{extra})"


# The layer types of this module (and pynn.pooling's), by the names model files give them
# (pynn.registry).
LAYER_CLASSES = (Reshape, Conv2D, MaxPool2D, Flatten)
