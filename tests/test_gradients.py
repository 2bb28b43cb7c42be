"""Every backward against float64 central differences, on random shapes (relative error < 1e-6):
every activation and every layer type in pynn's tables (``pynn.registry``), so a new one is
checked without a line here, the loss, and whole networks."""

import inspect

import numpy as np
import pytest

import pynn
from pynn import Conv2D, Dense, Dropout, LeakyReLU, ReLU, Reshape, Tanh
from pynn.gradcheck import check_layer_gradients, numerical_gradient, relative_error
from pynn.losses import grad_softmax_crossentropy_with_logits, softmax_crossentropy_with_logits
from pynn.registry import ACTIVATIONS, LAYER_TYPES

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


def dropout_with_a_fixed_mask(rng):
    layer = Dropout(0.3)
    draws = np.random.default_rng(1).random((4, 5))
    layer.rng.random = lambda shape: draws  # the same mask on every forward
    return layer


# The layer types whose constructor needs arguments, each with an example and the shape of
# its input; every other registered type is built with no arguments and given [batch, units]
# rows, or images if it takes them (test_every_layer_type_can_be_gradient_checked).
EXAMPLES = {
    "Dense": (lambda rng: Dense(5, 3, rng=rng, dtype=np.float64), (4, 5)),
    "Dropout": (dropout_with_a_fixed_mask, (4, 5)),
    "Reshape": (lambda rng: Reshape((2, 3, 2)), (4, 12)),
    "Conv2D": (lambda rng: Conv2D(2, 3, 3, stride=2, padding=1, rng=rng, dtype=np.float64), (2, 2, 6, 5)),
}


def without_arguments(cls) -> bool:
    return all(parameter.default is not parameter.empty
               for parameter in inspect.signature(cls).parameters.values())


def example(name, rng):
    """A ``name`` layer and an input for it (``EXAMPLES``, or built with no arguments)."""
    if name in EXAMPLES:
        make, shape = EXAMPLES[name]
        return make(rng), shape
    layer = LAYER_TYPES[name]()
    shape = (3, 5) if layer.input_shape is None else (3, *(n or 6 for n in layer.input_shape))
    return layer, shape


@pytest.mark.parametrize("batch, units", SHAPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_gradients(name, batch, units, rng):
    layer = ACTIVATIONS[name].layer()
    assert_gradients_match(layer, away_from_kinks(rng, (batch, units)), rng)


def test_a_leaky_relu_with_its_own_slope_passes_the_gradient_check(rng):
    assert_gradients_match(LeakyReLU(0.3), away_from_kinks(rng, (5, 7)), rng)


def test_every_layer_type_has_an_example_or_needs_no_arguments():
    missing = [name for name, cls in LAYER_TYPES.items()
               if name not in EXAMPLES and not without_arguments(cls)]
    assert not missing, f"add an example of {missing} to EXAMPLES"


@pytest.mark.parametrize("name", LAYER_TYPES)
def test_every_layer_type_can_be_gradient_checked(name, rng):
    layer, shape = example(name, rng)
    assert_gradients_match(layer, away_from_kinks(rng, shape), rng)


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


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_network_of_each_activation_has_exact_gradients(activation, rng):
    """Every activation as the recipes use it: between Dense layers, in float64."""
    network = pynn.build_mlp(6, (5,), 3, activation=activation, rng=0, dtype=np.float64)
    x, y = away_from_kinks(rng, (7, 6)), rng.integers(0, 3, size=7)
    network.optimizer = pynn.SGD(lr=1e-300)  # a step that changes nothing measurable
    network.train_step(x, y)
    for name, param, grad in network.parameters():
        numerical = numerical_gradient(lambda: network.evaluate(x, y)[0], param)
        assert relative_error(grad, numerical) < TOLERANCE, name


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
