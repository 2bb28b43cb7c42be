"""Bad input gets a clear error that names the problem, raised before anything changes."""

import numpy as np
import pytest

import pynn
from pynn import Dense


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
    ("text input", dict(x=np.full((8, 784), "a")), "x must be an array of numbers, got dtype"),
    ("label 10", dict(y=np.array([0, 1, 2, 3, 4, 5, 6, 10])), r"labels must be in \[0, 9\], got 10 at index 7"),
    ("label -1", dict(y=np.array([-1, 1, 2, 3, 4, 5, 6, 7])), r"got -1 at index 0"),
    ("float labels", dict(y=np.array([0, 1.5, 2, 3, 4, 5, 6, 7])), "must hold whole-number class labels, got 1.5 at index 1"),
    ("string labels", dict(y=np.array(list("01234567"))), "must hold integer class labels, got dtype"),
    ("label count", dict(y=y_ok(7)), "y has 7 labels for 8 samples"),
    ("2-D labels", dict(y=np.eye(10)[y_ok()]), "y must be a 1-D array of class labels"),
    ("batch size 0", dict(batch_size=0), "batch_size must be a whole number >= 1, got 0"),
    ("batch size -5", dict(batch_size=-5), "batch_size must be a whole number >= 1, got -5"),
    ("batch size 2.5", dict(batch_size=2.5), "batch_size must be a whole number >= 1, got 2.5"),
    ("epochs 0", dict(epochs=0), "epochs must be a whole number >= 1, got 0"),
    ("shift 20", dict(shift=20), "shift must be a whole number from 0 to 8"),
    ("bad validation", dict(validation_data=(x_ok()[:, :3], y_ok())), "x_val has 3 features"),
]


@pytest.mark.parametrize("name, change, message", FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_training_rejects_bad_input_before_any_step(net, name, change, message):
    args = dict(x=x_ok(), y=y_ok(), epochs=1, batch_size=4)
    args.update(change)
    before = net.state_dict()
    with pytest.raises((ValueError, TypeError), match=message):
        pynn.train_steps(net, args.pop("x"), args.pop("y"), **args)  # raised at the call, not at next()
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf")])
def test_non_finite_or_non_positive_learning_rates(lr):
    with pytest.raises(ValueError, match=r"lr must be a number > 0, got"):
        pynn.Adam(lr=lr)
    with pytest.raises(ValueError, match="Learning rate must be a number from"):
        pynn.TrainingConfig(lr=lr)


def test_bad_hidden_layer_spec():
    with pytest.raises(ValueError, match="Hidden layers must be whole numbers"):
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
    with pytest.raises(ValueError, match=r"y labels must be in \[0, 9\], got 10 at index 0"):
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


def test_a_fit_whose_last_update_overflows_raises_and_keeps_the_last_good_weights(net):
    before = net.state_dict()
    with np.errstate(all="ignore"), pytest.raises(pynn.TrainingDiverged, match="NaN, infinite or too large"):
        pynn.fit(net, np.full((8, 784), 1e30), np.arange(8), epochs=1, batch_size=4)
    for key, value in net.state_dict().items():
        assert np.all(np.isfinite(value))
        np.testing.assert_array_equal(value, before[key])  # the good state is the start of the run
    assert np.all(np.isfinite(net.predict_proba(x_ok())))


def test_a_non_finite_validation_loss_stops_the_run_and_restores_the_weights(net):
    before = net.state_dict()
    huge = np.full((8, 784), np.finfo(np.float32).max, np.float32)  # logits overflow
    with np.errstate(all="ignore"), pytest.raises(pynn.TrainingDiverged, match="validation loss"):
        list(pynn.train_steps(net, x_ok(), y_ok(), epochs=1, batch_size=8,
                              optimizer=pynn.SGD(lr=1e-9), validation_data=(huge, y_ok())))
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_an_optimizer_name_instead_of_an_optimizer_is_refused_and_changes_nothing(net):
    optimizer = net.optimizer
    with pytest.raises(TypeError, match=r"optimizer must be a pynn Optimizer .* got 'adam' "
                                        r"\(use make_optimizer\('adam'\) for a name\)"):
        pynn.fit(net, x_ok(), y_ok(), epochs=1, optimizer="adam")
    assert net.optimizer is optimizer
    pynn.fit(net, x_ok(), y_ok(), epochs=1)  # later fits still work


@pytest.mark.parametrize("seed, error, message", [
    ("abc", TypeError, "seed must be a whole number from 0 to 4294967295 or a np.random.Generator, got 'abc'"),
    (-1, ValueError, "seed must be a whole number from 0 to 4294967295, got -1"),
    (1.5, TypeError, "got 1.5"),
])
def test_bad_seeds_are_named_in_our_words(net, seed, error, message):
    with pytest.raises(error, match=message):
        pynn.train_steps(net, x_ok(), y_ok(), epochs=1, seed=seed)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_prediction_batch_sizes_are_checked_in_our_words(net, batch_size):
    with pytest.raises((ValueError, TypeError), match=f"batch_size must be a whole number >= 1, got {batch_size!r}"):
        net.predict(x_ok(), batch_size=batch_size)


def test_the_notebook_functions_refuse_nan_before_touching_the_weights():
    layers = [Dense(784, 16, rng=0), pynn.ReLU(), Dense(16, 10, rng=1)]
    before = [layer.weights.copy() for layer in (layers[0], layers[2])]
    for bad in (nan_at(2, 5), np.full((8, 784), np.inf)):
        with pytest.raises(ValueError, match="X contains NaN or infinite values"):
            pynn.train(layers, bad, y_ok())
        with pytest.raises(ValueError, match="X contains NaN or infinite values"):
            pynn.predict(layers, bad)
    with pytest.raises(ValueError, match=r"y labels must be in \[0, 9\], got 10"):
        pynn.train(layers, x_ok(), np.full(8, 10))
    for layer, weights in zip((layers[0], layers[2]), before):
        np.testing.assert_array_equal(layer.weights, weights)


@pytest.mark.parametrize("layers, message", [
    (lambda: [Dense(784, 100, rng=0), pynn.ReLU(), Dense(50, 10, rng=0)],
     r"layer 2 Dense\(50, 10\) takes inputs of 50 values, but layer 0 Dense\(784, 100\) gives 100"),
    (lambda: [pynn.ReLU()], r"needs a layer with parameters .* got ReLU\(\)"),
    (lambda: [pynn.ReLU(), pynn.Dropout(0.5)], "needs a layer with parameters"),
    (lambda: [Dense(4, 3, rng=0), "relu"], "layer 1 must be a pynn Layer, got 'relu'"),
])
def test_networks_whose_layers_do_not_fit_are_refused_when_built(layers, message):
    with pytest.raises((ValueError, TypeError), match=message):
        pynn.Network(layers())


def test_adding_a_layer_that_does_not_fit_is_refused_and_the_network_is_unchanged():
    network = pynn.Network([Dense(4, 3, rng=0)])
    with pytest.raises(ValueError, match=r"layer 1 Dense\(5, 2\) takes inputs of 5 values"):
        network.add(Dense(5, 2, rng=0))
    assert repr(network) == "Network([Dense(4, 3)])"
    network.add(pynn.ReLU()).add(Dense(3, 2, rng=0))
    assert network.input_units == 4 and network.n_classes == 2


def test_divergence_after_the_optimizer_was_swapped_mid_run_still_restores_the_weights(net):
    x = np.random.default_rng(1).random((100, 784), dtype=np.float32)
    steps = pynn.train_steps(net, x, np.arange(100) % 10, epochs=3, batch_size=4,
                             optimizer=pynn.Adam(lr=1e-3))
    for _ in range(21):  # past batch 20: the last good snapshot holds Adam's moments
        next(steps)
    snapshot = net.state_dict()  # batch 21's update came after the snapshot of batch 20...
    net.optimizer = pynn.SGD(lr=1e30)  # a live change of optimizer, then an exploding step
    with np.errstate(all="ignore"), pytest.raises(pynn.TrainingDiverged, match="weights from epoch 1, batch 20"):
        list(steps)
    restored = net.state_dict()
    assert all(np.all(np.isfinite(value)) for value in restored.values())
    assert any(not np.array_equal(restored[k], snapshot[k]) for k in snapshot)  # ...so it is older
    assert net.optimizer.state == {}  # the snapshot's Adam moments do not fit SGD
