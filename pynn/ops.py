"""Matrix products with the fastest numpy spelling per runtime.

Natively, ``np.matmul`` calls BLAS and nothing beats it. numpy in WebAssembly (Pyodide) has
no BLAS: there its fallback matmul loop is 1.4–1.6× slower than ``np.einsum``'s
sum-of-products loops for a Dense layer's shapes, and 2–8× slower for a convolution's
``[filters, C·k·k] @ [C·k·k, pixels]`` products (measured in Pyodide 0.27.7 / numpy 2.0.2;
see bench/browser_epoch.py and bench/cnn_epoch.py). einsum is only fast on the original,
untransposed arrays, so the transposes are part of the subscripts rather than ``.T`` views.

einsum's iterator counts every (row, inner, column) triple, and on 32-bit WebAssembly it
refuses more than 2³¹ − 1 of them ("iterator is too large"): bigger products are cut into
pieces along their largest dimension.

The first Dense layer of a digit network sees mostly blank pixels: a batch of 32 MNIST rows
has ~330 of its 784 columns all zero, and those columns add nothing to ``x @ W`` nor to
``x.T @ grad``. Without BLAS, leaving them out (``used_columns``) saves ~40% of the layer's
products; with BLAS the dense product is as fast as the gather that would leave them out.

In Pyodide a faster product can be plugged in: ``register_products`` (what
``pynn.wasm_products`` does with its WebAssembly SIMD kernel, when the page has it) makes
``matmul`` hand float32 products to it; other dtypes (the float64 gradient checks) keep
numpy's. ``products()`` names what is in use.

The same kernel also takes the elementwise work of a step, which numpy in Pyodide does
without SIMD and with a branch per element (``np.maximum(x, 0)`` ~6.5 ns per float there):
``register_layer_kernel`` hands it ``relu``, ``relu_backward``, ``sub_scaled`` and max
pooling (``pynn.pooling``); each of its methods answers ``None`` for an input it does not
take (not float32, a layout it does not read), and numpy's code below runs instead.

>>> matmul(np.ones((2, 3)), np.ones((2, 4)), transpose_a=True).shape
(3, 4)
"""

import sys

import numpy as np

IN_WEBASSEMBLY = sys.platform == "emscripten"
EINSUM_MAX_ITERATIONS = 2**31 - 1
SKIP_ZERO_COLUMNS = IN_WEBASSEMBLY   # whether used_columns leaves out all-zero columns
# ... and only when at most this share of them is used: gathering the used columns of x and
# rows of W costs ~3% of the product, so leaving out 10% or more pays.
SPARSE_ENOUGH = 0.9

# einsum subscripts for (transpose_a, transpose_b)
_SUBSCRIPTS = {(False, False): "ij,jk->ik", (True, False): "ji,jk->ik",
               (False, True): "ik,jk->ij", (True, True): "ji,kj->ik"}


# The registered product function for float32 (None: numpy's), and its label.
_products = None
_products_label = ""


def register_products(label: str, products) -> None:
    """Use ``products(a, b, transpose_a, transpose_b, out=None)`` for float32 products from
    now on (``None``: numpy's again). ``label`` names it in ``products()``."""
    global _products, _products_label, SKIP_ZERO_COLUMNS
    _products, _products_label = products, label if products is not None else ""
    # Leaving out blank columns pays for numpy's slow products only; with a fast backend the
    # gather costs as much as it saves (measured with pynn's kernel in Pyodide).
    SKIP_ZERO_COLUMNS = IN_WEBASSEMBLY and products is None


# The registered kernel for elementwise work (None: numpy's), see register_layer_kernel.
_layer_kernel = None


def register_layer_kernel(kernel) -> None:
    """Use ``kernel``'s ``relu``, ``relu_backward``, ``sub_scaled``, ``max_pool`` and
    ``max_pool_backward`` (``pynn.wasm_products.Kernel``'s) where they take the input, from
    now on (``None``: numpy's code everywhere again)."""
    global _layer_kernel
    _layer_kernel = kernel


def layer_kernel():
    """The registered kernel for elementwise work, or ``None``."""
    return _layer_kernel


def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)`` elementwise (a NaN stays NaN), in ``x``'s memory layout."""
    fast = _layer_kernel.relu(x) if _layer_kernel is not None else None
    return np.maximum(x, 0) if fast is None else fast


def relu_backward(grad_output: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``grad_output`` where ``x > 0``, 0 elsewhere: ReLU's chain rule."""
    fast = _layer_kernel.relu_backward(grad_output, x) if _layer_kernel is not None else None
    return grad_output * (x > 0) if fast is None else fast


def sub_scaled(param: np.ndarray, rate: float, grad: np.ndarray) -> None:
    """``param -= rate * grad`` in place (the product rounded to ``param``'s dtype first)."""
    if _layer_kernel is None or not _layer_kernel.sub_scaled(param, rate, grad):
        param -= rate * grad


def products() -> str:
    """What computes float32 products: the registered backend's label, else numpy's."""
    if _products is not None:
        return _products_label
    return "numpy (einsum, no BLAS)" if IN_WEBASSEMBLY else "numpy (BLAS)"


def matmul(a: np.ndarray, b: np.ndarray, *, transpose_a: bool = False,
           transpose_b: bool = False, out: np.ndarray | None = None) -> np.ndarray:
    """``op(a) @ op(b)`` for 2-D arrays, where ``op`` transposes when asked; written into
    ``out`` (and returned) when given."""
    if _products is not None and a.dtype == np.float32 and b.dtype == np.float32:
        return _products(a, b, transpose_a, transpose_b, out)
    if IN_WEBASSEMBLY:
        result = _einsum_matmul(a, b, transpose_a, transpose_b)
        if out is None:
            return result
        out[...] = result
        return out
    return np.matmul(a.T if transpose_a else a, b.T if transpose_b else b, out=out)


def used_columns(x: np.ndarray) -> np.ndarray | None:
    """The indices of the columns of a 2-D ``x`` that hold a non-zero value, when leaving
    the others out of a product pays (``SKIP_ZERO_COLUMNS``, and at most ``SPARSE_ENOUGH``
    of them used); otherwise ``None``: use all of ``x``. (A NaN or infinite weight in a
    left-out row would have made the dense product NaN; training keeps weights finite.)"""
    if not SKIP_ZERO_COLUMNS:
        return None
    # OR-ing the bit patterns is ~4x faster in WebAssembly than x.any(axis=0). Only +0.0 is
    # all zero bits; -0.0 is kept, which is harmless (its products are zero anyway).
    bits = np.dtype(f"u{x.itemsize}") if x.itemsize in (2, 4, 8) else None
    used = np.bitwise_or.reduce(x.view(bits), axis=0) if bits else x.any(axis=0)
    columns = used.nonzero()[0]
    return columns if len(columns) <= SPARSE_ENOUGH * x.shape[1] else None


def _einsum_matmul(a, b, transpose_a, transpose_b):
    rows, inner = a.shape[::-1] if transpose_a else a.shape
    columns = b.shape[0] if transpose_b else b.shape[1]
    if rows * inner * columns <= EINSUM_MAX_ITERATIONS:
        return np.einsum(_SUBSCRIPTS[transpose_a, transpose_b], a, b)
    # Cut along the largest dimension, into pieces as large as einsum takes (a piece still
    # too large, when the other two alone are, is cut again). Slices keep the layouts.
    largest = max(rows, inner, columns)
    step = max(1, EINSUM_MAX_ITERATIONS // (rows * inner * columns // largest))
    parts = [slice(i, i + step) for i in range(0, largest, step)]
    a_axis, b_axis = (1 if transpose_a else 0), (0 if transpose_b else 1)
    if largest == rows:
        return np.concatenate([_einsum_matmul(_cut(a, a_axis, s), b, transpose_a, transpose_b)
                               for s in parts], axis=0)
    if largest == columns:
        return np.concatenate([_einsum_matmul(a, _cut(b, b_axis, s), transpose_a, transpose_b)
                               for s in parts], axis=1)
    # the inner (summed) dimension: add up the partial products
    return sum(_einsum_matmul(_cut(a, 1 - a_axis, s), _cut(b, 1 - b_axis, s), transpose_a,
                              transpose_b) for s in parts)


def _cut(x: np.ndarray, axis: int, part: slice) -> np.ndarray:
    return x[part] if axis == 0 else x[:, part]
