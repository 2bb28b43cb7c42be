"""Matrix products with the fastest numpy spelling per runtime.

Natively, ``np.matmul`` calls BLAS and nothing beats it. numpy in WebAssembly (Pyodide) has
no BLAS: there its fallback matmul loop is 1.4–1.6× slower than ``np.einsum``'s
sum-of-products loops for a Dense layer's shapes (measured in Pyodide 0.27.7 / numpy 2.0.2;
see bench/browser_epoch.py). einsum is only fast on the original, untransposed arrays, so
the transposes are part of the subscripts rather than ``.T`` views.

>>> matmul(np.ones((2, 3)), np.ones((2, 4)), transpose_a=True).shape
(3, 4)
"""

import sys

import numpy as np

IN_WEBASSEMBLY = sys.platform == "emscripten"

# einsum subscripts for (transpose_a, transpose_b)
_SUBSCRIPTS = {(False, False): "ij,jk->ik", (True, False): "ji,jk->ik",
               (False, True): "ik,jk->ij", (True, True): "ji,kj->ik"}


def matmul(a: np.ndarray, b: np.ndarray, *, transpose_a: bool = False,
           transpose_b: bool = False) -> np.ndarray:
    """``op(a) @ op(b)`` for 2-D arrays, where ``op`` transposes when asked."""
    if IN_WEBASSEMBLY:
        return np.einsum(_SUBSCRIPTS[transpose_a, transpose_b], a, b)
    return (a.T if transpose_a else a) @ (b.T if transpose_b else b)
