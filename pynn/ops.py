"""The three matrix products a Dense layer needs, with the fastest numpy spelling per runtime.

Natively, ``np.matmul`` calls BLAS and nothing beats it. numpy in WebAssembly (Pyodide) has
no BLAS: there its fallback matmul loop is 1.4–1.6× slower than ``np.einsum``'s
sum-of-products loops for our shapes (measured in Pyodide 0.27.7 / numpy 2.0.2; see
bench/browser_epoch.py). einsum is only fast with these exact subscripts on the original,
untransposed arrays, hence one function per product.
"""

import sys

import numpy as np

if sys.platform == "emscripten":
    def matmul(a, b):
        """``a @ b``"""
        return np.einsum("ij,jk->ik", a, b)

    def matmul_tn(a, b):
        """``a.T @ b``"""
        return np.einsum("ji,jk->ik", a, b)

    def matmul_nt(a, b):
        """``a @ b.T``"""
        return np.einsum("ik,jk->ij", a, b)
else:
    def matmul(a, b):
        """``a @ b``"""
        return a @ b

    def matmul_tn(a, b):
        """``a.T @ b``"""
        return a.T @ b

    def matmul_nt(a, b):
        """``a @ b.T``"""
        return a @ b.T
