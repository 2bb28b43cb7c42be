"""Matrix products by pynn's WebAssembly SIMD kernel, when pynn runs in Pyodide.

numpy in Pyodide has no BLAS: ``x @ W`` runs at ~2 GFLOP/s there, and a Dense network's
training is mostly such products. ``kernels/pynn_gemm.c`` is a small blocked GEMM in C with
WebAssembly SIMD (built into ``kernels/pynn_gemm.wasm`` by ``devtools/kernel.py``, shipped in
dist/ beside the page). The workers (``web/js/worker/pyodide-start.js``) fetch the file this
module names (``KERNEL_FILE``) and hand its bytes to ``install``, which opens it with
``ctypes`` (Pyodide's ``dlopen`` loads it as a side module sharing numpy's memory, so the
kernel reads numpy's arrays in place), multiplies a few awkward shapes beside numpy, and only
then registers it as ``pynn.ops``' product backend. Anything wrong (no file, a browser without
WebAssembly SIMD, a failed check) keeps numpy's products; ``install`` returns the one line the
worker logs either way.

Natively (CPython) none of this runs: numpy's BLAS is faster than any kernel here.
"""

from __future__ import annotations

import sys

import numpy as np

from pynn import ops

KERNEL_FILE = "kernels/pynn_gemm.wasm"     # its path in dist/
LABEL = "WebAssembly SIMD kernel"
_INSTALLED_AT = "/tmp/pynn_gemm.wasm"      # where install() writes it in Pyodide's file system
_loaded: Kernel | None = None


class Kernel:
    """The functions of a loaded kernel file, called on numpy arrays in place.

    ``matmul(a, b, transpose_a, transpose_b, out=None)`` (``pynn_gemm_sgemm``) takes float32
    2-D arrays with any strides (transposes are strides, never copies); ``out`` (float32, the
    result's shape) is written in place, through a temporary when it is not row-contiguous or
    overlaps ``a`` or ``b``.

    ``relu``, ``relu_backward``, ``sub_scaled``, ``max_pool`` and ``max_pool_backward``
    (``kernels/pynn_gemm_layers.c``) are ``pynn.ops``' layer kernel: each does what the numpy
    code it replaces does, or returns ``None`` (``sub_scaled``: ``False``) for an input it does
    not take: not float32, or laid out otherwise than its loops read.
    """

    def __init__(self, path: str):
        import ctypes

        library = ctypes.CDLL(path)
        # No argtypes: ctypes then passes Python ints as C ints, 4x faster per call in
        # Pyodide than with argtypes (~7 vs ~25 µs); pointers go through _address.
        self._sgemm = library.pynn_gemm_sgemm
        self._relu = library.pynn_gemm_relu
        self._relu_backward = library.pynn_gemm_relu_backward
        self._sub_scaled = library.pynn_gemm_sub_scaled
        self._max_pool = library.pynn_gemm_max_pool
        self._max_pool_backward = library.pynn_gemm_max_pool_backward
        for function in (self._sgemm, self._relu, self._relu_backward, self._sub_scaled,
                         self._max_pool, self._max_pool_backward):
            function.restype = None
        self._float = ctypes.c_float
        floats = library.pynn_gemm_work_floats()
        work = np.empty(floats + 4, np.float32)            # + 4: room to align it to 16 bytes
        start = (-work.ctypes.data % 16) // 4
        self._work = work[start:start + floats]
        self._work_pointer = _address(self._work)

    def matmul(self, a, b, transpose_a=False, transpose_b=False, out=None):
        if a.ndim != 2 or b.ndim != 2:
            raise ValueError(f"matmul takes 2-D arrays, got shapes {a.shape} and {b.shape}")
        a_rows, a_cols = _strides(a, transpose_a)
        b_rows, b_cols = _strides(b, transpose_b)
        m, k = a.shape[::-1] if transpose_a else a.shape
        k_b, n = b.shape[::-1] if transpose_b else b.shape
        if k != k_b:
            raise ValueError(f"matmul: op(a) is {m}×{k} but op(b) is {k_b}×{n}")
        result = out if _writable_in_place(out, (m, n), a, b) else np.empty((m, n), np.float32)
        if m and n:
            self._sgemm(m, n, k, _address(a), a_rows, a_cols, _address(b), b_rows, b_cols,
                        _address(result), result.strides[0] // 4, 0, self._work_pointer)
        if out is not None and result is not out:
            out[...] = result
            return out
        return result

    def relu(self, x):
        """``np.maximum(x, 0)``, for float32 ``x`` whose elements fill its buffer (in any
        axis order: the batch-last images of pynn.conv too); the result is laid out alike."""
        if x.dtype != np.float32:
            return None
        out = np.empty_like(x)
        if out.strides != x.strides:
            return None
        self._relu(x.size, _address(x), _address(out))
        return out

    def relu_backward(self, grad_output, x):
        """``grad_output * (x > 0)`` (0 where ``x <= 0``), for float32 arrays laid out as
        ``relu`` takes them, both alike."""
        if (x.dtype != np.float32 or grad_output.dtype != np.float32 or grad_output.shape != x.shape
                or grad_output.strides != x.strides):
            return None
        out = np.empty_like(x)
        if out.strides != x.strides:
            return None
        self._relu_backward(x.size, _address(grad_output), _address(x), _address(out))
        return out

    def sub_scaled(self, param, rate, grad) -> bool:
        """``param -= rate * grad`` for C-contiguous float32 arrays of one shape; ``False``
        (nothing done) for others."""
        if (param.dtype != np.float32 or grad.dtype != np.float32 or param.shape != grad.shape
                or not param.flags.c_contiguous or not grad.flags.c_contiguous
                or np.may_share_memory(param, grad)):
            return False
        self._sub_scaled(param.size, _address(param), self._float(rate), _address(grad))
        return True

    def max_pool(self, x, pool_size):
        """``(output, winners)`` of ``pool_size`` max pooling of float32 images ``x``
        ``[N, C, H, W]`` stored batch last (``x.transpose(1, 2, 3, 0)`` C-contiguous, as
        pynn's Conv2D leaves them); ``winners`` says which element of each window won, for
        ``max_pool_backward``. The output is stored batch last too."""
        images = x.transpose(1, 2, 3, 0)
        if x.dtype != np.float32 or not images.flags.c_contiguous:
            return None
        c, h, w, n = images.shape
        p = pool_size
        out = np.empty((c, h // p, w // p, n), np.float32)
        winners = np.empty(out.shape, np.int32)
        self._max_pool(c, h, w, n, p, _address(images), _address(out), _address(winners))
        return out.transpose(3, 0, 1, 2), winners

    def max_pool_backward(self, grad_output, winners, pool_size, input_shape):
        """The gradient with respect to the input of shape ``input_shape`` (stored batch
        last) of the pooling that gave ``winners``, for a float32 ``grad_output``."""
        if grad_output.dtype != np.float32:
            return None
        g = np.ascontiguousarray(grad_output.transpose(1, 2, 3, 0))
        n, c, h, w = input_shape
        grad = np.empty((c, h, w, n), np.float32)
        self._max_pool_backward(c, h, w, n, pool_size, _address(g), _address(winners), _address(grad))
        return grad.transpose(3, 0, 1, 2)


def _address(x: np.ndarray) -> int:
    """x's data pointer as the C int that holds the same 32 bits (wasm32 pointers are 32-bit;
    ctypes refuses ints above 2**31 - 1 for an int argument)."""
    address = x.__array_interface__["data"][0]     # ~2x cheaper than x.ctypes.data in Pyodide
    return address - (1 << 32) if address >= 1 << 31 else address


def _strides(x: np.ndarray, transpose: bool) -> tuple[int, int]:
    """``op(x)``'s (row, column) strides in elements."""
    rows, cols = x.strides[::-1] if transpose else x.strides
    return rows // 4, cols // 4


def _writable_in_place(out, shape, a, b) -> bool:
    if out is None:
        return False
    if out.shape != shape or out.dtype != np.float32:
        raise ValueError(f"out must be a float32 array of shape {shape}, got {out.dtype} {out.shape}")
    return (out.strides[1] == 4 and out.strides[0] % 4 == 0
            and not np.may_share_memory(out, a) and not np.may_share_memory(out, b))


# (m, k, n, transpose_a, transpose_b) for self_test: 1, 0, edges of the 4×8 tiles, two K
# blocks (K > KC = 4096) with two blocks of rows (> 16 for that K), two blocks of columns
# (n = 440 > 432 for k = 600), every transpose.
SELF_TEST_PRODUCTS = [(1, 1, 1, False, False), (3, 0, 4, False, False), (0, 5, 2, False, True),
                      (5, 7, 13, True, False), (17, 4100, 3, False, True), (1, 600, 440, True, True)]
_PATTERN = np.array([2, -1, 0, 3, -3, 1, 1, -2, 0, 3, -1, 2, -2], np.float32)


def _small_integers(count: int, period: int = 13) -> np.ndarray:
    """``count`` float32 values in [-3, 3]: a fixed pattern of ``period`` values, repeated
    (with repeats inside, so max pooling sees ties). Their products and sums up to 2**24 are
    exact in float32, so every order of summation gives numpy's result bit for bit."""
    repeats = -(-count // period)
    return np.broadcast_to(_PATTERN[:period], (repeats, period)).ravel()[:count]


def self_test(kernel: Kernel) -> None:
    """``AssertionError`` unless every function of the kernel gives numpy's result exactly,
    on inputs that take every path of its code: for the products the shapes above and a
    strided view; for the layers' loops, lengths that are not a multiple of 4 (vector body and
    scalar tail), ties, and images whose last row does not fill a window.

    Cheap on purpose (it runs at every page start: ~30 ms for its first call in Pyodide, ~2.5
    ms after): small exact integers instead of random numbers (numpy.random's first use alone
    costs 60–85 ms there) and no float64."""
    for m, k, n, ta, tb in SELF_TEST_PRODUCTS:
        a = _small_integers(m * k).reshape((k, m) if ta else (m, k))
        b = _small_integers(k * n, 11).reshape((n, k) if tb else (k, n))
        want = np.matmul(a.T if ta else a, b.T if tb else b)
        assert np.array_equal(kernel.matmul(a, b, ta, tb), want), \
            f"the kernel's {m}×{k}×{n} product differs from numpy's"
    x = _small_integers(120).reshape(12, 10)[::2, 1::3]       # a strided view
    assert np.array_equal(kernel.matmul(x, x, True, False), x.T @ x), "the kernel misreads strides"

    x, g = _small_integers(23), _small_integers(23, 11)
    assert np.array_equal(kernel.relu(x), np.maximum(x, 0)), "the kernel's ReLU differs"
    assert np.array_equal(kernel.relu_backward(g, x), g * (x > 0)), "the kernel's ReLU gradient differs"
    param = x.copy()
    assert kernel.sub_scaled(param, 0.5, g) and np.array_equal(param, x - np.float32(0.5) * g), \
        "the kernel's SGD step differs"

    c, h, w, n, p = 2, 5, 5, 6, 2    # the last row and column fill no window; 6 = 4 in vectors + 2
    images = _small_integers(c * h * w * n).reshape(c, h, w, n)
    out, winners = kernel.max_pool(images.transpose(3, 0, 1, 2), p)
    h_out, w_out = h // p, w // p
    windows = images[:, :h_out * p, :w_out * p].reshape(c, h_out, p, w_out, p, n)
    windows = windows.transpose(0, 1, 3, 2, 4, 5).reshape(c, h_out, w_out, p * p, n)
    first_maximum = windows.argmax(axis=3)
    assert np.array_equal(out.transpose(1, 2, 3, 0), windows.max(axis=3)) \
        and np.array_equal(winners, first_maximum), "the kernel's max pooling differs"
    g = _small_integers(out.size, 11).reshape(out.shape)
    grad = kernel.max_pool_backward(g, winners, p, images.transpose(3, 0, 1, 2).shape)
    expected = np.zeros_like(images)
    picked = (np.arange(p * p)[:, None] == first_maximum[:, :, :, None, :]) \
        * g.transpose(1, 2, 3, 0)[:, :, :, None, :]                # [c, h_out, w_out, p·p, n]
    expected[:, :h_out * p, :w_out * p] = picked.reshape(c, h_out, w_out, p, p, n) \
        .transpose(0, 1, 3, 2, 4, 5).reshape(c, h_out * p, w_out * p, n)
    assert np.array_equal(grad.transpose(1, 2, 3, 0), expected), "the kernel's max pooling gradient differs"


def load(path: str) -> Kernel:
    """Open the kernel at ``path``, check it against numpy, register it with ``pynn.ops``
    and return it. Raises (OSError, AssertionError, ...) and registers nothing on failure."""
    global _loaded
    kernel = Kernel(path)
    self_test(kernel)
    ops.register_products(LABEL, kernel.matmul)
    ops.register_layer_kernel(kernel)
    _loaded = kernel
    return kernel


def loaded() -> Kernel | None:
    """The kernel ``install`` or ``load`` registered, if any."""
    return _loaded


def install(data, why: str = "") -> str:
    """Install the kernel file's bytes (``bytes``, or the worker's ``Uint8Array``; ``None``
    when it could not be fetched, ``why`` saying why) and return the one line that says which
    products pynn now uses."""
    if sys.platform != "emscripten":
        return f"products: {ops.products()} (the kernel is for Pyodide only)"
    if data is None:
        return f"products: {ops.products()} (no kernel: {why})"
    try:
        with open(_INSTALLED_AT, "wb") as f:
            f.write(data.to_bytes() if hasattr(data, "to_bytes") else data)
        load(_INSTALLED_AT)
    except Exception as error:   # no WebAssembly SIMD, a corrupt file, a failed check
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"products: {ops.products()} (the kernel could not be used: {reason[:200]})"
    return f"products: {ops.products()} ({KERNEL_FILE}, checked against numpy)"
