"""Every backward against float64 central differences, on random shapes (relative error < 1e-6)."""

import numpy as np
import pytest

import pynn
from pynn import Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from pynn.gradcheck import check_layer_gradients, numerical_gradient, relative_error
from pynn.losses import grad_softmax_crossentropy_with_logits, softmax_crossentropy_with_logits

TOLERANCE = 1e-6
SHAPES = [(1, 1), (2, 3), (5, 7), (16, 4)]


def away_from_kinks(rng, shape):
    """Inputs with |x| >= 0.1: central differences are wrong right at ReLU's kink."""
    x = rng.normal(size=shape)
    return np.where(np.abs(x) < 0.1, np.sign(x + 1e-12) * 0.1 + x, x)


def assert_gradients_match(layer, x, rng):
    errors = check_layer_gradients(layer, x, rng)
    bad = {name: err for name, err in errors.items() if err >= TOLERANCE}
    assert not bad, f"{layer!r}: backward vs numerical relative error {bad}"


@pytest.mark.parametrize("batch, units", SHAPES)
@pytest.mark.parametrize("make", [ReLU, LeakyReLU, Sigmoid, Tanh, lambda: LeakyReLU(0.3)],
                         ids=["relu", "leaky_relu", "sigmoid", "tanh", "leaky_relu_0.3"])
def test_activation_gradients(make, batch, units, rng):
    assert_gradients_match(make(), away_from_kinks(rng, (batch, units)), rng)


@pytest.mark.parametrize("batch, n_in, n_out", [(1, 1, 1), (3, 4, 5), (8, 6, 2), (2, 10, 7)])
def test_dense_gradients(batch, n_in, n_out, rng):
    layer = Dense(n_in, n_out, rng=rng, dtype=np.float64)
    layer.biases = rng.normal(size=n_out)
    assert_gradients_match(layer, rng.normal(size=(batch, n_in)), rng)


@pytest.mark.parametrize("batch, units", SHAPES)
def test_dropout_gradients_with_a_fixed_mask(batch, units, rng):
    layer = Dropout(0.3)
    draws = np.random.default_rng(1).random((batch, units))
    layer.rng.random = lambda shape: draws  # the same mask on every forward
    assert_gradients_match(layer, rng.normal(size=(batch, units)), rng)


@pytest.mark.parametrize("batch, classes", [(1, 2), (4, 3), (10, 10)])
def test_loss_gradient(batch, classes, rng):
    logits = rng.normal(size=(batch, classes)) * 3
    answers = rng.integers(0, classes, size=batch)
    numerical = numerical_gradient(
        lambda: float(np.mean(softmax_crossentropy_with_logits(logits, answers))), logits)
    analytic = grad_softmax_crossentropy_with_logits(logits, answers)
    assert relative_error(analytic, numerical) < TOLERANCE


def test_whole_network_gradient_through_train_step_path(rng):
    """The network's backward pass (all layers chained) matches the numerical gradient of
    the mean loss for every parameter."""
    network = pynn.build_mlp(6, (5, 4), 3, activation="tanh", rng=0, dtype=np.float64)
    x = rng.normal(size=(7, 6))
    y = rng.integers(0, 3, size=7)
    network.optimizer = pynn.SGD(lr=1e-300)  # a step that changes nothing measurable
    before = network.state_dict()
    network.train_step(x, y)
    network.load_state_dict(before)
    for name, param, grad in network.parameters():
        numerical = numerical_gradient(lambda: network.evaluate(x, y)[0], param)
        assert relative_error(grad, numerical) < TOLERANCE, name


def test_gradient_check_catches_a_wrong_backward(rng):
    class BrokenReLU(ReLU):
        def backward(self, input, grad_output):
            return grad_output * (input >= 0) * 1.01

    errors = check_layer_gradients(BrokenReLU(), away_from_kinks(rng, (3, 4)), rng)
    assert errors["input"] > 1e-3


def test_a_correct_float32_dense_passes_the_gradient_check_and_keeps_its_dtype(rng):
    layer = Dense(6, 4, rng=0)  # float32 parameters, as in training
    errors = check_layer_gradients(layer, rng.normal(size=(3, 6)).astype(np.float32), rng)
    assert max(errors.values()) < TOLERANCE, errors
    assert layer.weights.dtype == np.float32 and layer.biases.dtype == np.float32


@pytest.mark.parametrize("skip", [False, True], ids=["dense", "zero-columns-left-out"])
def test_dense_gradients_with_all_zero_input_columns(skip, rng, monkeypatch):
    """Blank-pixel columns, as in digit batches: exact gradients whichever product is used
    (``pynn.ops.SKIP_ZERO_COLUMNS`` leaves those columns out in WebAssembly)."""
    monkeypatch.setattr(pynn.ops, "SKIP_ZERO_COLUMNS", skip)
    layer = Dense(9, 4, rng=rng, dtype=np.float64)
    layer.biases = rng.normal(size=4)
    x = rng.normal(size=(5, 9))
    x[:, [0, 3, 4, 8]] = 0.0
    assert_gradients_match(layer, x, rng)
    network = pynn.Network([layer, Tanh(), Dense(4, 3, rng=rng, dtype=np.float64)],
                           optimizer=pynn.SGD(lr=1e-300))
    y = rng.integers(0, 3, size=5)
    network.train_step(x, y)   # the first layer only computes its own gradients here
    for name, param, grad in network.parameters():
        numerical = numerical_gradient(lambda: network.evaluate(x, y)[0], param)
        assert relative_error(grad, numerical) < TOLERANCE, name
