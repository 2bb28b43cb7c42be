"""Bad input gets a clear error that names the problem, raised before anything changes."""

import numpy as np
import pytest

import pynn


@pytest.fixture
def net():
    return pynn.build_mlp(784, (16,), 10, rng=0)


def x_ok(n=8):
    return np.random.default_rng(0).random((n, 784), dtype=np.float32)


def y_ok(n=8):
    return np.arange(n) % 10


def nan_at(row, col):
    x = x_ok()
    x[row, col] = np.nan
    return x


FIT_CASES = [
    ("wrong feature count", dict(x=x_ok()[:, :700]), "x has 700 features per sample, the network expects 784"),
    ("rank 1", dict(x=x_ok()[0]), r"x must have shape \[n_samples, n_features\], got shape \(784,\) \(a single sample"),
    ("rank 3", dict(x=x_ok().reshape(8, 28, 28)), r"got shape \(8, 28, 28\)"),
    ("NaN input", dict(x=nan_at(3, 100)), "x contains NaN or infinite values .*row 3, column 100"),
    ("inf input", dict(x=np.full((8, 784), np.inf, np.float32)), "x contains NaN or infinite values"),
    ("empty", dict(x=x_ok()[:0], y=y_ok()[:0]), r"x is empty \(0 samples\)"),
    ("text input", dict(x=np.full((8, 784), "a")), "x must be numeric"),
    ("label 10", dict(y=np.array([0, 1, 2, 3, 4, 5, 6, 10])), r"labels must be in \[0, 9\], got 10 at index 7"),
    ("label -1", dict(y=np.array([-1, 1, 2, 3, 4, 5, 6, 7])), r"got -1 at index 0"),
    ("float labels", dict(y=np.array([0, 1.5, 2, 3, 4, 5, 6, 7])), "must hold integer class labels, got non-integer values such as 1.5"),
    ("string labels", dict(y=np.array(list("01234567"))), "must hold integer class labels, got dtype"),
    ("label count", dict(y=y_ok(7)), "y has 7 labels for 8 samples"),
    ("2-D labels", dict(y=np.eye(10)[y_ok()]), "y must be a 1-D array of class labels"),
    ("batch size 0", dict(batch_size=0), "batch_size must be a positive integer, got 0"),
    ("batch size -5", dict(batch_size=-5), "batch_size must be a positive integer, got -5"),
    ("batch size 2.5", dict(batch_size=2.5), "batch_size must be a positive integer, got 2.5"),
    ("epochs 0", dict(epochs=0), "epochs must be a positive integer, got 0"),
    ("shift 20", dict(shift=20), "shift must be an integer from 0 to 8"),
    ("bad validation", dict(validation_data=(x_ok()[:, :3], y_ok())), "x_val has 3 features"),
]


@pytest.mark.parametrize("name, change, message", FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_training_rejects_bad_input_before_any_step(net, name, change, message):
    args = dict(x=x_ok(), y=y_ok(), epochs=1, batch_size=4)
    args.update(change)
    before = net.state_dict()
    with pytest.raises(ValueError, match=message):
        pynn.train_steps(net, args.pop("x"), args.pop("y"), **args)  # raised at the call, not at next()
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf")])
def test_non_finite_or_non_positive_learning_rates(lr):
    with pytest.raises(ValueError, match="learning rate must be a finite number in"):
        pynn.Adam(lr=lr)
    with pytest.raises(ValueError, match="lr must be a number from"):
        pynn.TrainingConfig(lr=lr)


def test_bad_hidden_layer_spec():
    with pytest.raises(ValueError, match="hidden layer sizes must be whole numbers"):
        pynn.TrainingConfig.from_dict({"hidden": "100;200"})


def test_prediction_and_evaluation_check_their_input(net):
    with pytest.raises(ValueError, match="x has 10 features"):
        net.predict(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="NaN"):
        net.predict_proba(nan_at(0, 0))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 9\]"):
        net.evaluate(x_ok(), np.full(8, 12))


def test_train_step_checks_shapes_and_blames_nan_input_not_divergence(net):
    before = net.state_dict()
    with pytest.raises(ValueError, match="x has 5 features"):
        net.train_step(np.zeros((2, 5), np.float32), np.zeros(2, int))
    with pytest.raises(ValueError, match="x contains NaN"):
        net.train_step(nan_at(1, 1), y_ok())
    with pytest.raises(ValueError, match=r"reference_answers must be in \[0, 9\]"):
        net.train_step(x_ok(), np.full(8, 10))
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_nan_loss_stops_without_applying_the_update(net):
    net.layers[0].biases[:] = np.inf  # weights already broken: the loss is NaN
    broken = net.state_dict()
    with np.errstate(all="ignore"), pytest.raises(pynn.TrainingDiverged, match="the loss became nan"):
        net.train_step(x_ok(), y_ok())
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, broken[key])
