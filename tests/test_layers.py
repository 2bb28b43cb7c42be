"""Dense, the activations and Dropout: the assignment's checks, shapes, initializers,
and the params/grads contract every layer keeps."""

import sys

import numpy as np
import pytest

import pynn
from pynn import Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from pynn.initializers import INITIALIZERS, init_weights, weight_fans
from pynn.layers import ACTIVATIONS


def test_assignment_dense_initialization_check():
    # Verbatim from the assignment notebook.
    l = Dense(128, 150)
    assert -0.05 < l.weights.mean() < 0.05 and 1e-3 < l.weights.std() < 1e-1, \
        "The initial weights must have zero mean and small variance. " \
        "If you know what you're doing, remove this assertion."
    assert -0.05 < l.biases.mean() < 0.05, "Biases must be zero mean. Ignore if you have a reason to do otherwise."


def test_assignment_dense_forward_check():
    # Verbatim from the assignment notebook: weights and biases set as attributes.
    l = Dense(3, 4)
    x = np.linspace(-1, 1, 2 * 3).reshape([2, 3])
    l.weights = np.linspace(-1, 1, 3 * 4).reshape([3, 4])
    l.biases = np.linspace(-1, 1, 4)
    assert np.allclose(l.forward(x), np.array([[0.07272727, 0.41212121, 0.75151515, 1.09090909],
                                               [-0.90909091, 0.08484848, 1.07878788, 2.07272727]]))


def test_dense_setters_reject_wrong_shapes():
    layer = Dense(3, 4)
    with pytest.raises(ValueError, match=r"weights must have shape \(3, 4\), got \(4, 3\)"):
        layer.weights = np.zeros((4, 3))
    with pytest.raises(ValueError, match="biases"):
        layer.biases = np.zeros(3)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", True])
def test_dense_rejects_bad_sizes(bad):
    with pytest.raises((ValueError, TypeError), match=f"Dense input_units must be a whole number >= 1, got {bad!r}"):
        Dense(bad, 4)


def test_every_layer_keeps_params_and_grads_in_matching_dicts():
    layer = Dense(5, 3, rng=0)
    assert set(layer.params) == set(layer.grads) == {"W", "b"}
    for key in layer.params:
        assert layer.params[key].shape == layer.grads[key].shape
    for parameterless in (*(row.layer() for row in ACTIVATIONS.values()), Dropout(0.5, rng=0)):
        assert parameterless.params == {} and parameterless.grads == {}


def test_backward_computes_gradients_but_never_updates(rng):
    layer = Dense(4, 3, rng=0)
    before = {k: v.copy() for k, v in layer.params.items()}
    x = rng.normal(size=(5, 4)).astype(np.float32)
    grad_out = rng.normal(size=(5, 3)).astype(np.float32)
    grad_in = layer.backward(x, grad_out)
    for key in before:
        np.testing.assert_array_equal(layer.params[key], before[key])
    np.testing.assert_allclose(layer.grads["W"], x.T @ grad_out, rtol=1e-6)
    np.testing.assert_allclose(layer.grads["b"], grad_out.sum(axis=0), rtol=1e-6)
    assert grad_in.shape == x.shape


@pytest.mark.parametrize("init, expected_std", [("small", 0.01), ("he", np.sqrt(2 / 400)),
                                                 ("glorot", np.sqrt(2 / 700))])
def test_initializers_have_their_documented_scale(init, expected_std):
    w = init_weights((400, 300), init, np.random.default_rng(0))
    assert w.dtype == np.float32
    assert abs(w.mean()) < 0.01 * expected_std * 10
    assert w.std() == pytest.approx(expected_std, rel=0.02)


def test_unknown_initializer_is_named():
    with pytest.raises(ValueError, match=f"init must be one of {', '.join(INITIALIZERS)}; got 'zeros'"):
        Dense(3, 4, init="zeros")


def test_seeded_layers_are_reproducible_and_global_seed_works_like_the_notebook():
    np.testing.assert_array_equal(Dense(6, 5, rng=3).weights, Dense(6, 5, rng=3).weights)
    np.random.seed(42)
    a = Dense(6, 5).weights
    np.random.seed(42)
    np.testing.assert_array_equal(a, Dense(6, 5).weights)


def test_float32_by_default_float64_on_request():
    assert Dense(3, 2).forward(np.ones((1, 3), np.float32)).dtype == np.float32
    assert Dense(3, 2, dtype=np.float64).weights.dtype == np.float64


def test_activations_values():
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(ReLU().forward(x), [[0, 0, 3]])
    np.testing.assert_allclose(LeakyReLU(0.1).forward(x), [[-0.2, 0, 3]])
    np.testing.assert_allclose(Sigmoid().forward(x), 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(Tanh().forward(x), np.tanh(x))


def test_sigmoid_does_not_overflow_for_large_inputs():
    x = np.array([[-1e4, 1e4]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise"):
        out = Sigmoid().forward(x)
    np.testing.assert_array_equal(out, [[0, 1]])
    assert out.dtype == np.float32


def test_dropout_is_active_only_in_training_mode():
    x = np.ones((200, 50), np.float32)
    layer = Dropout(0.4, rng=0)
    out = layer.forward(x)
    dropped = (out == 0).mean()
    assert 0.35 < dropped < 0.45
    np.testing.assert_allclose(out[out != 0], 1 / 0.6, rtol=1e-6)  # inverted dropout keeps the mean
    grad = layer.backward(x, np.ones_like(x))
    np.testing.assert_array_equal(grad == 0, out == 0)  # backward reuses the forward mask
    layer.training = False
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(x, x), x)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan")])
def test_dropout_rejects_bad_rates(rate):
    with pytest.raises(ValueError, match=r"Dropout rate must be a number in \[0, 1\)"):
        Dropout(rate)


def test_reprs():
    assert repr(Dense(784, 100)) == "Dense(784, 100)"
    assert repr(ReLU()) == "ReLU()"
    assert repr(Dropout(0.25)) == "Dropout(0.25)"
    assert repr(LeakyReLU(0.2)) == "LeakyReLU(alpha=0.2)"


def test_compute_grads_fills_the_same_gradients_as_backward(rng):
    layer = Dense(6, 4, rng=0, dtype=np.float64)
    x, g = rng.normal(size=(3, 6)), rng.normal(size=(3, 4))
    layer.backward(x, g)
    expected = {k: v.copy() for k, v in layer.grads.items()}
    layer.grads = {k: np.zeros_like(v) for k, v in layer.grads.items()}
    assert layer.compute_grads(x, g) is None
    for key, value in expected.items():
        np.testing.assert_allclose(layer.grads[key], value)
    relu = ReLU()
    relu.compute_grads(x, rng.normal(size=(3, 6)))  # the generic version: nothing to fill
    assert relu.grads == {}


# -- leaving all-zero input columns out of Dense's products (pynn.ops.used_columns) ----------
def _zero_columns_batch(rng, zero_columns, shape=(6, 10)):
    x = rng.normal(size=shape)
    x[:, zero_columns] = 0.0
    return x


@pytest.mark.parametrize("zero_columns", [[], [0, 2, 3, 9], list(range(1, 10)), list(range(10))],
                         ids=["none-zero", "some-zero", "one-used", "all-zero"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_gives_the_same_outputs_and_gradients_with_zero_columns_left_out(
        zero_columns, dtype, rng, monkeypatch):
    x = _zero_columns_batch(rng, zero_columns).astype(dtype)
    g = rng.normal(size=(6, 4)).astype(dtype)
    results = {}
    for skip in (False, True):
        monkeypatch.setattr(pynn.ops, "SKIP_ZERO_COLUMNS", skip)
        layer = Dense(10, 4, rng=0, dtype=dtype)
        layer.biases = np.arange(4, dtype=dtype)
        out = layer.forward(x)
        grad_input = layer.backward(x, g)
        results[skip] = (out, grad_input, layer.grads["W"], layer.grads["b"])
        layer.compute_grads(x, 2 * g)
        np.testing.assert_allclose(layer.grads["W"], 2 * results[skip][2], rtol=1e-6)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    for dense, sparse in zip(results[False], results[True]):
        assert sparse.dtype == dense.dtype and sparse.shape == dense.shape
        np.testing.assert_allclose(sparse, dense, rtol=tolerance, atol=tolerance)
    assert not results[True][2][zero_columns].any()   # no gradient where the input is all zero


def test_used_columns_lists_the_columns_with_a_nonzero_value_when_that_pays(rng, monkeypatch):
    x = _zero_columns_batch(rng, [1, 2, 5, 7])
    x[0, 7] = np.nan    # NaN must reach the output: its column is used
    x[:, 1] = -0.0      # all zero too; may be kept (its products are zero anyway)
    monkeypatch.setattr(pynn.ops, "SKIP_ZERO_COLUMNS", True)
    for dtype in (np.float16, np.float32, np.float64, np.longdouble):
        used = set(pynn.ops.used_columns(x.astype(dtype)).tolist())
        assert {0, 3, 4, 6, 7, 8, 9} <= used <= {0, 1, 3, 4, 6, 7, 8, 9}, dtype
    for view in (x[::2], np.asfortranarray(x)):   # strided and column-major layouts too
        assert set(pynn.ops.used_columns(view).tolist()) >= {0, 3, 4, 6, 7, 8, 9}
    assert pynn.ops.used_columns(rng.normal(size=(3, 10))) is None   # nothing to leave out
    monkeypatch.setattr(pynn.ops, "SKIP_ZERO_COLUMNS", False)
    assert pynn.ops.used_columns(x) is None


def test_zero_columns_are_left_out_only_for_numpys_products_in_webassembly():
    """Natively BLAS, and in the page pynn's kernel, multiply the whole batch faster than the
    gather that would skip the blank columns (bench/browser_epoch.py measures both)."""
    assert pynn.ops.SKIP_ZERO_COLUMNS == (sys.platform == "emscripten"
                                          and pynn.ops.products().startswith("numpy"))


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_row_holds_a_layer_a_registered_initializer_and_a_label(name):
    row = ACTIVATIONS[name]
    assert issubclass(row.layer, pynn.Layer) and row.init in INITIALIZERS and row.label
    assert row.layer().config()["type"] == row.layer.__name__


def test_kernels_are_drawn_with_a_convolutions_fans():
    assert weight_fans((400, 300)) == (400, 300)
    assert weight_fans((8, 3, 5, 5)) == (3 * 25, 8 * 25)
    kernels = init_weights((8, 3, 5, 5), "he", np.random.default_rng(0))
    np.testing.assert_array_equal(kernels, pynn.Conv2D(3, 8, 5, init="he", rng=0).params["W"])
