"""Max pooling: ``MaxPool2D``, with ``Dense``'s contract (``backward(input, grad_output)``
returns dL/d(input)). Its images keep the memory layout they come in: after pynn's Conv2D,
batch last (``pynn.conv``'s docstring).

In the page, pynn's WebAssembly kernel pools images stored batch last in one pass and keeps
which element of each window won (``pynn.ops.layer_kernel``, ``kernels/pynn_gemm_layers.c``);
anything else, and every runtime without the kernel, runs the numpy code here. Both give the
same values and gradients (tests/test_kernel_layers.py).
"""

from __future__ import annotations

import numpy as np

from pynn.checks import as_float_array, check_int
from pynn.images import check_images, sizes_text
from pynn.layers import Layer
from pynn.ops import layer_kernel


class MaxPool2D(Layer):
    """The largest value of each ``pool_size × pool_size`` window, windows not overlapping
    (stride = pool size), channel by channel.

    - **Odd sizes**: rows and columns that do not fill a whole window (the last row of a
      7-row image with ``pool_size=2``) are dropped, as PyTorch and Keras ("valid") do; their
      gradient is 0.
    - **Ties**: the whole gradient of a window goes to its *first* maximum in row-major order
      (top-left first), the one ``np.argmax`` would pick; the other equal values get 0.

    Shape: input ``[batch, C, H, W]`` → output ``[batch, C, H // pool_size, W // pool_size]``.

    In training mode ``forward`` keeps its output (and, with the kernel, which element of each
    window won) for a ``backward`` on *the same input array*, which releases it; otherwise it
    is recomputed. Do not change an input in place between the two calls.

    >>> MaxPool2D(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """

    input_shape = (None, None, None)

    def __init__(self, pool_size: int = 2):
        super().__init__()
        self.pool_size = check_int("MaxPool2D pool_size", pool_size, low=1)
        self._cached = None  # (input, output, winners or None) from the last training-mode forward

    @staticmethod
    def output_size(size: int, pool_size: int) -> int:
        """Output pixels along a side of ``size`` input pixels (whole windows only); 0 when
        not even one window fits."""
        return size // pool_size

    def output_shape(self, input_shape):
        channels, *sizes = input_shape or (None, None, None)
        p = self.pool_size
        if any(n is not None and self.output_size(n, p) < 1 for n in sizes):
            raise ValueError(f"a {p}×{p} window does not fit a {sizes_text(sizes)} image")
        return (channels, *(None if n is None else self.output_size(n, p) for n in sizes))

    def _windows(self, x: np.ndarray):
        """The ``p·p`` strided views ``x[:, :, u::p, v::p]`` (cut to whole windows), one per
        offset ``(u, v)`` in row-major order."""
        p = self.pool_size
        h, w = x.shape[2] // p * p, x.shape[3] // p * p
        return [x[:, :, u:h:p, v:w:p] for u in range(p) for v in range(p)]

    def _pool(self, input) -> tuple[np.ndarray, np.ndarray | None]:
        """The output, and the kernel's winners (``None`` when numpy pooled)."""
        x = check_images(self, input)
        self.output_shape(x.shape[1:])  # refuses images smaller than a window
        kernel = layer_kernel()
        pooled = kernel.max_pool(x, self.pool_size) if kernel is not None else None
        if pooled is not None:
            return pooled
        first, *others = self._windows(x)
        out = np.array(first, order="K")  # keeps x's memory layout (see pynn.conv's docstring)
        for window in others:
            np.maximum(out, window, out=out)
        return out, None

    def forward(self, input):
        out, winners = self._pool(input)
        self._cached = (input, out, winners) if self.training else None
        return out

    def backward(self, input, grad_output):
        cached, self._cached = self._cached, None
        out, winners = cached[1:] if cached is not None and cached[0] is input else self._pool(input)
        grad_output = as_float_array(grad_output, "grad_output")
        if grad_output.shape != out.shape:
            raise ValueError(f"{self!r}: grad_output of shape {grad_output.shape} does not fit "
                             f"the output of shape {out.shape}")
        x = np.asarray(input)
        if winners is not None:
            grad = layer_kernel().max_pool_backward(grad_output, winners, self.pool_size, x.shape)
            if grad is not None:
                return grad
        grad = np.zeros_like(x, dtype=np.result_type(x.dtype, grad_output.dtype))
        # Offsets in row-major order; a window's gradient goes to the first offset that holds
        # its maximum, and what is left to give drops to 0 there (so ties get nothing).
        left = np.empty_like(out, dtype=grad.dtype)  # in x's layout, like out and grad
        left[...] = grad_output
        for window, target in zip(self._windows(x), self._windows(grad)):
            np.multiply(left, window == out, out=target)
            left -= target
        return grad

    def config(self):
        return {"type": "MaxPool2D", "pool_size": self.pool_size}

    def __repr__(self):
        return f"MaxPool2D({self.pool_size})"
