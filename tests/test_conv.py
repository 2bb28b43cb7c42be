"""Conv2D, MaxPool2D, Flatten, Reshape: shapes, the maths against plain loops, every backward
against float64 central differences (input and parameters), ties and odd sizes, and the
products' WebAssembly spelling."""

import math

import numpy as np
import pytest

import pynn
from pynn import Conv2D, Flatten, MaxPool2D, Reshape
from pynn import ops
from pynn.gradcheck import check_layer_gradients

TOLERANCE = 1e-6


def assert_gradients_match(layer, x, rng):
    errors = check_layer_gradients(layer, x, rng)
    bad = {name: err for name, err in errors.items() if err >= TOLERANCE}
    assert not bad, f"{layer!r} on {np.shape(x)}: backward vs numerical relative error {bad}"


def reference_conv(x, w, b, stride, padding):
    """The definition, one output pixel at a time."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    f, _, k, _ = w.shape
    h_out = (x.shape[2] - k) // stride + 1
    w_out = (x.shape[3] - k) // stride + 1
    out = np.zeros((len(x), f, h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            patch = x[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = np.einsum("ncuv,fcuv->nf", patch, w) + b
    return out


def random_conv(rng, n, c, h, w, f, k, stride, padding):
    layer = Conv2D(c, f, k, stride=stride, padding=padding, rng=rng, dtype=np.float64)
    layer.params["b"][...] = rng.normal(size=f)
    return layer, rng.normal(size=(n, c, h, w))


# batch, channels, height, width, filters, kernel, stride, padding
CONV_CASES = [
    (1, 1, 5, 5, 1, 3, 1, 0),
    (2, 3, 7, 6, 4, 3, 1, 0),     # not square
    (3, 2, 8, 9, 3, 3, 2, 1),     # stride and padding
    (2, 2, 6, 7, 3, 2, 3, 1),     # stride larger than the kernel
    (1, 1, 5, 5, 2, 5, 1, 2),     # "same" padding, kernel = image
    (2, 4, 4, 4, 2, 1, 1, 0),     # 1×1 kernel
    (2, 1, 9, 8, 2, 4, 2, 3),     # padding larger than needed
]


@pytest.mark.parametrize("n, c, h, w, f, k, stride, padding", CONV_CASES)
def test_conv_forward_matches_the_definition(n, c, h, w, f, k, stride, padding, rng):
    layer, x = random_conv(rng, n, c, h, w, f, k, stride, padding)
    expected = reference_conv(x, layer.params["W"], layer.params["b"], stride, padding)
    out = layer.forward(x)
    assert out.shape == expected.shape == (n, *layer.output_shape((c, h, w)))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n, c, h, w, f, k, stride, padding", CONV_CASES)
def test_conv_gradients(n, c, h, w, f, k, stride, padding, rng):
    layer, x = random_conv(rng, n, c, h, w, f, k, stride, padding)
    assert_gradients_match(layer, x, rng)


@pytest.mark.parametrize("trial", range(4))
def test_conv_gradients_on_random_shapes(trial):
    rng = np.random.default_rng(100 + trial)
    k, stride, c, f, n = (int(v) for v in rng.integers(1, 4, size=5))
    padding = int(rng.integers(0, 3))
    h, w = (int(v) for v in rng.integers(max(1, k - 2 * padding), 8, size=2))
    layer, x = random_conv(rng, n, c, h, w, f, k, stride, padding)
    assert_gradients_match(layer, x, rng)


def test_conv_compute_grads_gives_the_same_gradients_as_backward(rng):
    layer, x = random_conv(rng, 3, 2, 7, 7, 4, 3, 2, 1)
    g = rng.normal(size=layer.forward(x).shape)
    layer.backward(x, g)
    expected = {name: grad.copy() for name, grad in layer.grads.items()}
    layer.compute_grads(x, g)
    for name in expected:
        np.testing.assert_array_equal(layer.grads[name], expected[name])


def test_conv_backward_never_updates_and_works_without_a_forward(rng):
    layer, x = random_conv(rng, 2, 2, 6, 6, 3, 3, 1, 1)
    before = {name: p.copy() for name, p in layer.params.items()}
    g = rng.normal(size=(2, 3, 6, 6))
    fresh = Conv2D(2, 3, 3, padding=1, dtype=np.float64)
    fresh.params.update({name: p.copy() for name, p in layer.params.items()})
    grad_input = fresh.backward(x, g)  # no forward: the patches are gathered here
    layer.forward(x)
    np.testing.assert_allclose(layer.backward(x, g), grad_input, rtol=1e-12)
    for name, p in layer.params.items():
        np.testing.assert_array_equal(p, before[name])
        np.testing.assert_allclose(layer.grads[name], fresh.grads[name], rtol=1e-12)


def test_conv_backward_uses_its_cache_only_for_the_same_input(rng):
    layer, x = random_conv(rng, 2, 1, 5, 5, 2, 3, 1, 0)
    other = rng.normal(size=x.shape)
    g = rng.normal(size=(2, 2, 3, 3))
    layer.backward(other, g)
    expected = layer.grads["W"].copy()
    layer.forward(x)
    layer.backward(other, g)  # not the input forward saw: its patches are gathered again
    np.testing.assert_array_equal(layer.grads["W"], expected)
    layer.forward(other)
    assert layer._cached is not None
    layer.backward(other, g)
    assert layer._cached is None  # released: the next backward gathers again
    np.testing.assert_array_equal(layer.grads["W"], expected)
    layer.training = False
    layer.forward(x)  # eval mode keeps nothing
    assert layer._cached is None


def test_conv_is_float32_by_default_and_seeded(rng):
    a, b = Conv2D(3, 4, 3, rng=5), Conv2D(3, 4, 3, rng=5)
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    assert a.params["W"].dtype == a.params["b"].dtype == np.float32
    out = a.forward(rng.random((2, 3, 6, 6), dtype=np.float32))
    assert out.dtype == np.float32
    a.backward(np.zeros((2, 3, 6, 6), np.float32), np.ones_like(out))
    assert a.grads["W"].dtype == a.grads["b"].dtype == np.float32
    # He: std sqrt(2 / fan_in), fan_in = 3·3·3
    big = Conv2D(64, 64, 3, rng=0).params["W"]
    assert big.std() == pytest.approx(np.sqrt(2 / 576), rel=0.02)
    assert Conv2D(1, 2, 3, init="small", rng=0).params["W"].std() < 0.05


def test_a_float32_conv_passes_the_gradient_check_and_keeps_its_dtype(rng):
    layer = Conv2D(2, 3, 3, padding=1, rng=0)
    errors = check_layer_gradients(layer, rng.normal(size=(2, 2, 5, 5)).astype(np.float32), rng)
    assert max(errors.values()) < TOLERANCE, errors
    assert layer.params["W"].dtype == np.float32


@pytest.mark.parametrize("make, message", [
    (lambda: Conv2D(0, 4, 3), "Conv2D in_channels must be a whole number >= 1, got 0"),
    (lambda: Conv2D(1, 4, 2.5), "Conv2D kernel_size must be a whole number >= 1, got 2.5"),
    (lambda: Conv2D(1, 4, 3, stride=0), "Conv2D stride must be a whole number >= 1, got 0"),
    (lambda: Conv2D(1, 4, 3, padding=-1), "Conv2D padding must be a whole number >= 0, got -1"),
    (lambda: Conv2D(1, 4, 3, init="lecun"), "init must be one of small, glorot, he; got 'lecun'"),
    (lambda: MaxPool2D(0), "MaxPool2D pool_size must be a whole number >= 1, got 0"),
    (lambda: Reshape(784), r"Reshape shape must be a tuple of sizes such as \(1, 28, 28\), got 784"),
    (lambda: Reshape((1, 0, 28)), "Reshape shape sizes must be a whole number >= 1, got 0"),
])
def test_bad_settings_are_refused_naming_the_value(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def test_wrong_inputs_get_clear_errors(rng):
    conv = Conv2D(1, 2, 3, rng=0)
    with pytest.raises(ValueError, match=r"takes images of shape \[batch, 1, height, width\], got "
                                         r"shape \(2, 784\); put Reshape\(\(1, 28, 28\)\) first"):
        conv.forward(np.zeros((2, 784)))
    with pytest.raises(ValueError, match=r"Conv2D\(1, 2, 3\) takes images of shape \[batch, 1, "):
        conv.forward(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"grad_output must have shape \(2, 2, 6, 6\)"):
        conv.backward(np.zeros((2, 1, 8, 8)), np.zeros((2, 2, 5, 5)))
    with pytest.raises(ValueError, match=r"Reshape\(\(1, 28, 28\)\) takes inputs of shape \[batch, 784\]"):
        Reshape((1, 28, 28)).forward(np.zeros((2, 783)))
    with pytest.raises(ValueError, match=r"a 3×3 window does not fit a 2×5 image"):
        MaxPool2D(3).forward(np.zeros((1, 1, 2, 5)))
    with pytest.raises(ValueError, match="a 5×5 kernel does not fit a 3×3 image with padding 0"):
        Conv2D(1, 2, 5).output_shape((1, 3, 3))


def test_repr_and_config():
    assert repr(Conv2D(1, 8, 5)) == "Conv2D(1, 8, 5)"
    assert repr(Conv2D(8, 16, 3, stride=2, padding=1)) == "Conv2D(8, 16, 3, stride=2, padding=1)"
    assert Conv2D(8, 16, 3, padding=1).config() == {
        "type": "Conv2D", "in_channels": 8, "out_channels": 16, "kernel_size": 3, "stride": 1,
        "padding": 1, "init": "he"}
    assert repr(MaxPool2D(3)) == "MaxPool2D(3)" and MaxPool2D().config() == {"type": "MaxPool2D", "pool_size": 2}
    assert repr(Flatten()) == "Flatten()" and Flatten().config() == {"type": "Flatten"}
    assert repr(Reshape((1, 28, 28))) == "Reshape((1, 28, 28))"
    assert Reshape([1, 28, 28]).config() == {"type": "Reshape", "shape": [1, 28, 28]}


# -- MaxPool2D ------------------------------------------------------------------------------

@pytest.mark.parametrize("n, c, h, w, pool", [
    (2, 3, 4, 4, 2), (1, 2, 7, 5, 2), (3, 1, 9, 9, 3), (2, 2, 8, 7, 3), (2, 1, 3, 4, 1), (1, 1, 5, 6, 5),
])
def test_maxpool_gradients_with_odd_sizes(n, c, h, w, pool, rng):
    # distinct random values: no ties, so the maximum is differentiable
    assert_gradients_match(MaxPool2D(pool), rng.normal(size=(n, c, h, w)), rng)


def test_maxpool_forward_drops_rows_and_columns_that_do_not_fill_a_window(rng):
    x = rng.normal(size=(2, 3, 7, 5))
    out = MaxPool2D(2).forward(x)
    assert out.shape == (2, 3, 3, 2) and MaxPool2D(2).output_shape((3, 7, 5)) == (3, 3, 2)
    expected = x[:, :, :6, :4].reshape(2, 3, 3, 2, 2, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(out, expected)
    grad = MaxPool2D(2).backward(x, np.ones_like(out))
    assert not grad[:, :, 6, :].any() and not grad[:, :, :, 4].any()  # the dropped ones
    assert grad.sum() == out.size  # each window's gradient went to one place


def test_maxpool_ties_send_the_gradient_to_the_first_maximum_in_row_major_order():
    x = np.array([[[[1.0, 3.0, 0.0, 0.0],
                    [3.0, 3.0, 0.0, 0.0],
                    [2.0, 1.0, 5.0, 4.0],
                    [1.0, 2.0, 4.0, 5.0]]]])
    pool = MaxPool2D(2)
    out = pool.forward(x)
    np.testing.assert_array_equal(out, [[[[3.0, 0.0], [2.0, 5.0]]]])
    grad = pool.backward(x, np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    np.testing.assert_array_equal(grad, [[[[0.0, 10.0, 20.0, 0.0],
                                           [0.0, 0.0, 0.0, 0.0],
                                           [30.0, 0.0, 40.0, 0.0],
                                           [0.0, 0.0, 0.0, 0.0]]]])


def test_maxpool_backward_without_forward_and_in_any_memory_layout(rng):
    x = rng.normal(size=(3, 2, 6, 6))
    g = rng.normal(size=(3, 2, 3, 3))
    expected = MaxPool2D(2).backward(x, g)
    batch_last = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    pool = MaxPool2D(2)
    out = pool.forward(batch_last)
    np.testing.assert_array_equal(out, MaxPool2D(2).forward(x))
    np.testing.assert_array_equal(pool.backward(batch_last, g), expected)


# -- Flatten and Reshape ----------------------------------------------------------------------

@pytest.mark.parametrize("make, shape", [(Flatten, (3, 2, 4, 5)), (Flatten, (2, 6)),
                                         (lambda: Reshape((2, 3, 4)), (3, 24))],
                         ids=["flatten-4d", "flatten-2d", "reshape"])
def test_flatten_and_reshape_gradients(make, shape, rng):
    assert_gradients_match(make(), rng.normal(size=shape), rng)


def test_flatten_and_reshape_are_inverse_views(rng):
    x = rng.random((4, 784))
    images = Reshape((1, 28, 28)).forward(x)
    assert images.shape == (4, 1, 28, 28) and np.shares_memory(images, x)
    np.testing.assert_array_equal(Flatten().forward(images), x)
    assert Flatten().output_shape((16, 4, 4)) == (256,) and Flatten().output_shape((16, None, None)) is None


# -- the products in WebAssembly ----------------------------------------------------------------

@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("rows, inner, columns", [(40, 3, 5), (3, 40, 5), (3, 5, 40), (4, 4, 4)])
def test_webassembly_products_are_cut_into_pieces_einsum_accepts(
        monkeypatch, rng, transpose_a, transpose_b, rows, inner, columns):
    """einsum refuses more than 2³¹ − 1 iterations in 32-bit WebAssembly: a lower limit here
    makes every product go through the pieces."""
    a = rng.normal(size=(inner, rows) if transpose_a else (rows, inner))
    b = rng.normal(size=(columns, inner) if transpose_b else (inner, columns))
    expected = (a.T if transpose_a else a) @ (b.T if transpose_b else b)
    monkeypatch.setattr(ops, "IN_WEBASSEMBLY", True)
    monkeypatch.setattr(ops, "EINSUM_MAX_ITERATIONS", 50)
    iterations = []
    real_einsum = np.einsum

    def counting_einsum(subscripts, x, y):
        sizes = {}
        for letters, array in zip(subscripts.split("->")[0].split(","), (x, y)):
            sizes.update(zip(letters, array.shape))
        iterations.append(math.prod(sizes.values()))
        return real_einsum(subscripts, x, y)

    monkeypatch.setattr(np, "einsum", counting_einsum)
    got = ops.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert max(iterations) <= 50
    largest = max(rows, inner, columns)
    pieces = math.ceil(largest / (50 // (rows * inner * columns // largest)))
    assert len(iterations) == (1 if rows * inner * columns <= 50 else pieces)


def test_output_size_is_the_rule_the_layers_shapes_follow():
    """The one output-size rule of each layer (pynn.arch sizes the text form with it too)."""
    conv = Conv2D(2, 3, 5, stride=2, padding=1, rng=0)
    assert conv.output_shape((2, 11, 9)) == (3, Conv2D.output_size(11, 5, 2, 1), Conv2D.output_size(9, 5, 2, 1))
    assert MaxPool2D(2).output_shape((3, 7, 6)) == (3, MaxPool2D.output_size(7, 2), 3)
    assert Conv2D.output_size(4, 5) < 1 and MaxPool2D.output_size(1, 2) < 1   # does not fit
