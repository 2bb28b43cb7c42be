"""The layers' elementwise work through pynn.ops' layer kernel (kernels/pynn_gemm_layers.c,
loaded by pynn/wasm_products.py): ReLU, its gradient, max pooling and its gradient, SGD's step.

Inside Pyodide with dist's kernel installed (tests/pyodide/run.mjs does, as the page's workers
do) the kernel's results are compared with numpy's code for the same layers, bit for bit; natively
those tests skip. How ops picks between a registered kernel and numpy is tested everywhere."""

import numpy as np
import pytest

import pynn
from pynn import ops, wasm_products
from pynn.layers import ReLU
from pynn.pooling import MaxPool2D

KERNEL = wasm_products.loaded()
needs_kernel = pytest.mark.skipif(
    KERNEL is None, reason="pynn's WebAssembly kernel is not loaded (it runs in Pyodide only, "
                           "installed by the page's workers or tests/pyodide/run.mjs)")


def without_layer_kernel(monkeypatch):
    monkeypatch.setattr(ops, "_layer_kernel", None)


def batch_last(values: np.ndarray) -> np.ndarray:
    """Images ``[N, C, H, W]`` stored ``[C, H, W, N]``, as pynn's Conv2D leaves them."""
    return np.ascontiguousarray(values.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def small_integers(rng, shape) -> np.ndarray:
    """float32 values in -3..3: many exact zeros and ties."""
    return rng.integers(-3, 4, shape).astype(np.float32)


@needs_kernel
@pytest.mark.parametrize("layout", ["rows", "batch last", "NCHW", "strided"])
def test_relu_and_its_gradient_are_numpys_in_every_layout(layout, monkeypatch):
    rng = np.random.default_rng(0)
    shape = (32, 103) if layout == "rows" else (5, 3, 7, 9)
    x = small_integers(rng, shape) + rng.standard_normal(shape, dtype=np.float32)
    g = rng.standard_normal(shape, dtype=np.float32)
    if layout == "batch last":
        x, g = batch_last(x), batch_last(g)
    elif layout == "strided":
        x, g = x[:, :, ::2], g[:, :, ::2]
    layer = ReLU()
    out, grad = layer.forward(x), layer.backward(x, g)
    without_layer_kernel(monkeypatch)
    np.testing.assert_array_equal(out, layer.forward(x))
    np.testing.assert_array_equal(grad, layer.backward(x, g))
    assert out.strides == np.maximum(x, 0).strides          # the layout is kept
    assert (KERNEL.relu(x) is None) == (layout == "strided")


@needs_kernel
def test_the_kernels_relu_keeps_nan_and_refuses_float64():
    x = np.array([np.nan, -1, 0, 2, np.nan], np.float32)
    np.testing.assert_array_equal(KERNEL.relu(x), np.maximum(x, 0))
    assert KERNEL.relu(x.astype(np.float64)) is None
    assert KERNEL.relu_backward(x, x.astype(np.float64)) is None


@needs_kernel
@pytest.mark.parametrize("n, c, h, w, p", [(64, 8, 24, 24, 2), (5, 3, 7, 9, 2), (3, 2, 9, 10, 3),
                                           (1, 1, 2, 2, 2), (6, 2, 4, 4, 4)])
def test_max_pooling_gives_numpys_outputs_and_gradients_ties_and_odd_sizes_included(n, c, h, w, p, monkeypatch):
    rng = np.random.default_rng(n * c + h)
    x = batch_last(small_integers(rng, (n, c, h, w)))
    layer = MaxPool2D(p)
    out = layer.forward(x)
    assert layer._cached[2] is not None                      # the kernel pooled
    g = rng.standard_normal(out.shape, dtype=np.float32)     # NCHW, as Flatten hands it back
    grad = layer.backward(x, g)
    without_layer_kernel(monkeypatch)
    np.testing.assert_array_equal(out, layer.forward(x))
    np.testing.assert_array_equal(grad, layer.backward(x, g))
    np.testing.assert_array_equal(grad, layer.backward(x, batch_last(g)))


@needs_kernel
def test_images_not_stored_batch_last_are_pooled_by_numpy():
    x = np.arange(2 * 3 * 4 * 4, dtype=np.float32).reshape(2, 3, 4, 4)
    assert KERNEL.max_pool(x, 2) is None and KERNEL.max_pool(batch_last(x).astype(np.float64), 2) is None
    layer = MaxPool2D(2)
    np.testing.assert_array_equal(layer.forward(x), x[:, :, 1::2, 1::2])
    assert layer._cached[2] is None


@needs_kernel
def test_the_sgd_step_is_numpys_and_other_arrays_are_left_to_numpy():
    rng = np.random.default_rng(1)
    param, grad = rng.standard_normal((784, 101), dtype=np.float32), rng.standard_normal((784, 101), dtype=np.float32)
    want = param - np.float32(0.1) * grad
    assert KERNEL.sub_scaled(param, 0.1, grad)
    np.testing.assert_array_equal(param, want)
    assert not KERNEL.sub_scaled(param, 0.1, grad.astype(np.float64))
    assert not KERNEL.sub_scaled(param[:, ::2], 0.1, grad[:, ::2])
    assert not KERNEL.sub_scaled(param, 0.1, param)         # an alias: numpy's temporary is safe


@needs_kernel
def test_a_convnet_trains_the_same_weights_with_and_without_the_layer_kernel(monkeypatch):
    def trained():
        network = pynn.build_network(784, (), 10, arch="conv4x5 pool2 conv8x3 pool2", rng=0,
                                     optimizer=pynn.SGD(lr=0.1))
        rng = np.random.default_rng(2)
        for _ in range(3):
            network.train_step(rng.random((16, 784), dtype=np.float32), rng.integers(0, 10, 16))
        return network.state_dict()

    with_kernel = trained()
    without_layer_kernel(monkeypatch)
    without = trained()
    for name, value in with_kernel.items():
        np.testing.assert_array_equal(value, without[name], err_msg=name)


class FakeKernel:
    """Takes float32 only, and says what it was asked."""

    def __init__(self):
        self.calls = []

    def relu(self, x):
        self.calls.append("relu")
        return np.full_like(x, 7) if x.dtype == np.float32 else None

    def relu_backward(self, grad_output, x):
        self.calls.append("relu_backward")
        return None

    def sub_scaled(self, param, rate, grad):
        self.calls.append("sub_scaled")
        if param.dtype != np.float32:
            return False
        param[...] = 7
        return True


def test_ops_hands_the_layers_work_to_a_registered_kernel_and_numpy_does_what_it_refuses(monkeypatch):
    fake = FakeKernel()
    monkeypatch.setattr(ops, "_layer_kernel", ops._layer_kernel)
    ops.register_layer_kernel(fake)
    assert ops.layer_kernel() is fake
    assert (ops.relu(np.array([-1.0, 2.0], np.float32)) == 7).all()
    np.testing.assert_array_equal(ops.relu(np.array([-1.0, 2.0])), [0.0, 2.0])
    np.testing.assert_array_equal(ops.relu_backward(np.array([3.0, 4.0]), np.array([-1.0, 2.0])), [0.0, 4.0])
    param = np.ones(2, np.float32)
    ops.sub_scaled(param, 0.5, np.ones(2, np.float32))
    assert (param == 7).all()
    param = np.ones(2)
    ops.sub_scaled(param, 0.5, np.ones(2))
    np.testing.assert_array_equal(param, [0.5, 0.5])
    assert fake.calls == ["relu", "relu", "relu_backward", "sub_scaled", "sub_scaled"]
    ops.register_layer_kernel(None)
    assert ops.layer_kernel() is None
    np.testing.assert_array_equal(ops.relu(np.array([-1.0, 2.0], np.float32)), [0.0, 2.0])
