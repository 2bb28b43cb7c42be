"""One validation vocabulary: numpy scalars count as numbers, bools don't, integer arrays
work like float arrays, and every message names the parameter and the bad value."""

import re

import numpy as np
import pytest

import pynn
from pynn import Dense, Dropout, LeakyReLU
from pynn.checks import check_choice, check_int, check_number, check_seed
from pynn.registry import ACTIVATIONS, INITIALIZERS


@pytest.mark.parametrize("value", [0.5, 1, np.float32(0.5), np.float64(0.5), np.int64(1), np.int8(1)])
def test_numpy_scalars_are_numbers(value):
    assert check_number("x", value, low=0, high=1) == float(value)


@pytest.mark.parametrize("value", [True, np.bool_(False), "1", None, [1], 1j])
def test_bools_strings_and_containers_are_not_numbers(value):
    with pytest.raises(TypeError, match=re.escape(f"x must be a number, got {value!r}")):
        check_number("x", value)


@pytest.mark.parametrize("value, message", [
    (float("nan"), "got nan"), (float("inf"), "got inf"), (-1, "x must be a number >= 0, got -1"),
])
def test_non_finite_and_out_of_range_numbers_are_refused(value, message):
    with pytest.raises(ValueError, match=message):
        check_number("x", value, low=0)


def test_whole_numbers_accept_numpy_ints_and_refuse_floats_and_bools():
    assert check_int("n", np.int32(7), low=1) == 7
    for bad in (7.0, True, "7"):
        with pytest.raises(TypeError, match=f"n must be a whole number >= 1, got {bad!r}"):
            check_int("n", bad, low=1)
    with pytest.raises(ValueError, match="n must be a whole number from 1 to 3, got 4"):
        check_int("n", 4, low=1, high=3)


def test_choices_and_seeds_name_the_parameter():
    with pytest.raises(ValueError, match="mode must be one of a, b; got 'c'"):
        check_choice("mode", "c", ("a", "b"))
    with pytest.raises(TypeError, match="seed must be a whole number from 0 to 4294967295 or a "
                                        "np.random.Generator, got 'abc'"):
        check_seed("seed", "abc")
    with pytest.raises(ValueError, match="seed must be a whole number from 0 to 4294967295, got -1"):
        check_seed("seed", -1)


@pytest.mark.parametrize("make", [
    lambda: pynn.SGD(lr=np.float32(0.1), weight_decay=np.float64(0.0)),
    lambda: pynn.Adam(lr=np.float64(0.01), beta1=np.float32(0.9)),
    lambda: pynn.Momentum(momentum=np.float32(0.5)),
    lambda: Dense(np.int64(3), np.int32(4), rng=np.int64(0)),
    lambda: Dropout(np.float32(0.5), rng=np.uint32(1)),
    lambda: LeakyReLU(np.float64(0.1)),
    lambda: pynn.TrainingConfig(batch_size=np.int64(32), lr=np.float32(0.5), hidden=[np.int64(10)]),
    lambda: pynn.build_mlp(np.int64(4), (np.int64(3),), 2, dropout=np.float32(0.1), rng=np.int64(2)),
])
def test_numpy_scalars_are_accepted_wherever_python_numbers_are(make):
    make()


@pytest.mark.parametrize("make, message", [
    (lambda: pynn.SGD(lr=True), "lr must be a number > 0, got True"),
    (lambda: Dense(True, 3), "Dense input_units must be a whole number >= 1, got True"),
    (lambda: Dense("2", 3), "Dense input_units must be a whole number >= 1, got '2'"),
    (lambda: Dropout(True), "Dropout rate must be a number in"),
    (lambda: pynn.TrainingConfig(epochs=True), "Epochs must be a whole number from 1 to 1000, got True"),
    (lambda: pynn.TrainingConfig(hidden=[True]), "Hidden layers must be whole numbers"),
    (lambda: pynn.Momentum(nesterov="yes"), "nesterov must be True or False, got 'yes'"),
    (lambda: Dense(3, 4, init="zeros"), f"init must be one of {', '.join(INITIALIZERS)}; got 'zeros'"),
    (lambda: Dense(3, 4, dtype=np.int32), "dtype must be a float dtype"),
    (lambda: Dense(3, 4, rng="abc"), "rng must be a whole number from 0 to 4294967295 or a np.random.Generator, got 'abc'"),
])
def test_bools_and_wrong_types_are_refused_with_the_parameter_named(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


LAYERS = {
    "Dense": lambda: Dense(4, 3, rng=0), "LeakyReLU(0.1)": lambda: LeakyReLU(0.1),
    **{name: row.layer for name, row in ACTIVATIONS.items()},
    "Dropout": lambda: Dropout(0.5, rng=0),
}


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_arrays_give_the_same_result_as_float_arrays(name, dtype):
    x = np.array([[0, 3, 1, 2], [5, 0, 7, 1]], dtype=dtype)
    if dtype != np.uint8:
        x[0, 0] = -4
    as_int, as_float = LAYERS[name](), LAYERS[name]()
    out_int, out_float = as_int.forward(x), as_float.forward(x.astype(np.float64))
    assert out_int.dtype.kind == "f"
    np.testing.assert_allclose(out_int, out_float, rtol=1e-6)
    g = np.ones_like(out_float, dtype=np.int64)
    np.testing.assert_allclose(as_int.backward(x, g), as_float.backward(x.astype(np.float64), g.astype(float)),
                               rtol=1e-6)


def test_a_network_gives_the_same_answers_for_uint8_and_float_pixels(digits):
    network = pynn.build_mlp(784, (16,), 10, rng=0)
    pixels = np.round(digits.X_test[:20] * 255).astype(np.uint8)
    np.testing.assert_allclose(network.predict_proba(pixels),
                               network.predict_proba(pixels.astype(np.float32)), rtol=1e-6)
    network.train_step(pixels, digits.y_test[:20])  # integer inputs train too


def test_dense_checks_its_input_width_naming_both_widths():
    with pytest.raises(ValueError, match=r"Dense\(784, 10\) takes inputs of shape \[batch, 784\], "
                                         r"got shape \(2, 78\)"):
        Dense(784, 10, rng=0).forward(np.zeros((2, 78)))
