"""Matrix products through pynn.ops' one seam: numpy's (BLAS natively, einsum in Pyodide), or a
registered backend such as pynn's WebAssembly SIMD kernel (pynn/wasm_products.py).

Inside Pyodide with dist's kernel installed (tests/pyodide/run.mjs does, as the page's workers
do) the kernel is compared with numpy on random and awkward shapes; natively those tests skip
(the kernel is WebAssembly only)."""

import sys

import numpy as np
import pytest

from pynn import ops, wasm_products

KERNEL = wasm_products.loaded()
needs_kernel = pytest.mark.skipif(
    KERNEL is None, reason="pynn's WebAssembly kernel is not loaded (it runs in Pyodide only, "
                           "installed by the page's workers or tests/pyodide/run.mjs)")
# (m, k, n): op(a) is m×k, op(b) is k×n. Primes, 1, 0, and the sizes of pynn's products;
# 783 and 4095 straddle the kernel's blocks (KC = 256, NC = 512) and tiles (4×8).
SHAPES = [(1, 1, 1), (0, 3, 4), (3, 0, 4), (3, 4, 0), (1, 784, 100), (7, 13, 17), (32, 784, 100),
          (32, 100, 784), (784, 32, 100), (31, 783, 9), (5, 4095, 3), (3, 5, 4095), (257, 29, 513),
          (16, 25, 9217)]


def operands(rng, m, k, n, transpose_a, transpose_b):
    a = rng.standard_normal((k, m) if transpose_a else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if transpose_b else (k, n), dtype=np.float32)
    return a, b


def reference(a, b, transpose_a, transpose_b):
    """op(a) @ op(b) in float64."""
    return (a.T if transpose_a else a).astype(np.float64) @ (b.T if transpose_b else b).astype(np.float64)


def assert_close(got, want, k):
    assert got.shape == want.shape and got.dtype == np.float32
    # float32 sums of k products of N(0, 1): errors grow like sqrt(k)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-6 * max(1, k) ** 0.5 * 4)


@pytest.mark.parametrize("transpose_a, transpose_b", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("m, k, n", SHAPES)
def test_matmul_agrees_with_float64_numpy_whatever_computes_it(m, k, n, transpose_a, transpose_b):
    rng = np.random.default_rng(m * 10007 + k * 101 + n)
    a, b = operands(rng, m, k, n, transpose_a, transpose_b)
    got = ops.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b)
    assert_close(got, reference(a, b, transpose_a, transpose_b), k)


@needs_kernel
@pytest.mark.parametrize("m, k, n", SHAPES)
def test_the_kernel_agrees_with_numpy_on_every_product_of_backprop(m, k, n):
    rng = np.random.default_rng(k)
    for transpose_a, transpose_b in [(False, False), (True, False), (False, True)]:
        a, b = operands(rng, m, k, n, transpose_a, transpose_b)
        got = KERNEL.matmul(a, b, transpose_a, transpose_b)
        assert_close(got, reference(a, b, transpose_a, transpose_b), k)


@needs_kernel
def test_the_kernel_reads_non_contiguous_views_and_negative_strides_in_place():
    rng = np.random.default_rng(1)
    big = rng.standard_normal((40, 90), dtype=np.float32)
    views = [big[::3, 5:60:2], big[1::2, ::-3], big.T[::2, ::4], big[7:8, :].T, big[:, 3:4]]
    for a in views:
        for b in views:
            for transpose_a in (False, True):
                inner = a.shape[0] if transpose_a else a.shape[1]
                for transpose_b in (False, True):
                    if (b.shape[1] if transpose_b else b.shape[0]) != inner:
                        continue
                    got = KERNEL.matmul(a, b, transpose_a, transpose_b)
                    assert_close(got, reference(a, b, transpose_a, transpose_b), inner)


@needs_kernel
def test_the_kernel_writes_out_in_place_even_when_it_is_an_operand():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((37, 37), dtype=np.float32)
    b = rng.standard_normal((37, 37), dtype=np.float32)
    want = reference(a, b, False, False)
    out = np.full((37, 37), np.nan, np.float32)
    assert KERNEL.matmul(a, b, out=out) is out
    assert_close(out, want, 37)
    alias = a.copy()                      # out is the left operand: computed aside, then copied
    assert KERNEL.matmul(alias, b, out=alias) is alias
    assert_close(alias, want, 37)
    wide = np.zeros((37, 50), np.float32)  # out is a row-strided view: written in place
    assert_close(KERNEL.matmul(a, b, out=wide[:, 5:42]), want, 37)
    assert_close(wide[:, 5:42], want, 37)
    assert not wide[:, :5].any() and not wide[:, 42:].any()
    with pytest.raises(ValueError, match="out must be"):
        KERNEL.matmul(a, b, out=np.zeros((37, 36), np.float32))


@needs_kernel
def test_the_kernel_refuses_mismatched_shapes_like_numpy():
    with pytest.raises(ValueError, match="3×4 but op"):
        KERNEL.matmul(np.ones((3, 4), np.float32), np.ones((5, 2), np.float32))


def test_ops_matmul_writes_into_out():
    a, b = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
    out = np.zeros((2, 4), np.float32)
    assert ops.matmul(a, b, out=out) is out and (out == 3).all()


def test_a_registered_backend_gets_float32_products_and_numpy_keeps_the_rest(monkeypatch):
    calls = []

    def fake(a, b, transpose_a, transpose_b, out=None):
        calls.append((a.shape, b.shape, transpose_a, transpose_b))
        return np.zeros((a.shape[1] if transpose_a else a.shape[0], b.shape[0] if transpose_b else b.shape[1]), np.float32)

    monkeypatch.setattr(ops, "_products", ops._products)
    monkeypatch.setattr(ops, "_products_label", ops._products_label)
    monkeypatch.setattr(ops, "SKIP_ZERO_COLUMNS", ops.SKIP_ZERO_COLUMNS)
    ops.register_products("a fake", fake)
    assert ops.products() == "a fake"
    assert ops.matmul(np.ones((2, 3), np.float32), np.ones((4, 3), np.float32), transpose_b=True).shape == (2, 4)
    assert calls == [((2, 3), (4, 3), False, True)]
    assert (ops.matmul(np.ones((2, 3)), np.ones((3, 4))) == 3).all()     # float64: numpy's
    assert len(calls) == 1
    ops.register_products(None, None)
    assert ops.products().startswith("numpy")


def test_products_names_what_is_in_use():
    if KERNEL is not None:
        assert ops.products() == wasm_products.LABEL
    else:
        assert ops.products() == ("numpy (einsum, no BLAS)" if sys.platform == "emscripten" else "numpy (BLAS)")


def test_install_outside_pyodide_changes_nothing():
    if sys.platform == "emscripten":
        pytest.skip("natively only: inside Pyodide install() really loads")
    assert wasm_products.install(b"\0asm") == "products: numpy (BLAS) (the kernel is for Pyodide only)"
    assert ops.products() == "numpy (BLAS)"


def test_without_the_file_install_says_why_and_numpy_keeps_multiplying(monkeypatch):
    monkeypatch.setattr(ops, "_products", ops._products)
    monkeypatch.setattr(ops, "_products_label", ops._products_label)
    monkeypatch.setattr(ops, "SKIP_ZERO_COLUMNS", ops.SKIP_ZERO_COLUMNS)
    ops.register_products(None, None)
    line = wasm_products.install(None, "kernels/pynn_gemm.wasm: HTTP 404")
    if sys.platform == "emscripten":
        assert line == "products: numpy (einsum, no BLAS) (no kernel: kernels/pynn_gemm.wasm: HTTP 404)"
    assert ops.products().startswith("numpy")


@pytest.mark.skipif(sys.platform != "emscripten", reason="loading a side module needs Pyodide")
def test_a_file_that_is_no_kernel_is_refused_and_registers_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(ops, "_products", ops._products)
    monkeypatch.setattr(ops, "_products_label", ops._products_label)
    monkeypatch.setattr(ops, "SKIP_ZERO_COLUMNS", ops.SKIP_ZERO_COLUMNS)
    before = ops.products()
    path = tmp_path / "not_a_kernel.wasm"
    path.write_bytes(b"\0asm\1\0\0\0 this is not a module")
    with pytest.raises(Exception):
        wasm_products.load(str(path))
    assert ops.products() == before


@needs_kernel
@pytest.mark.parametrize("m, k, n", [(32, 784, 100), (32, 100, 784), (784, 32, 100), (5, 4095, 3), (7, 13, 17)])
def test_the_kernel_gives_numpys_float32_results_bit_for_bit(m, k, n):
    # Up to K = 4096 it sums each product in numpy's order (one pass, k = 0, 1, 2...; no fused
    # multiply-add in WebAssembly): switching it on changes no result of pynn in Pyodide.
    rng = np.random.default_rng(3)
    for transpose_a, transpose_b in [(False, False), (True, False), (False, True)]:
        a, b = operands(rng, m, k, n, transpose_a, transpose_b)
        want = np.matmul(a.T if transpose_a else a, b.T if transpose_b else b)
        np.testing.assert_array_equal(KERNEL.matmul(a, b, transpose_a, transpose_b), want)
