"""Network: shapes chained and checked when built, modes, predictions, train_step, weights,
the summary; and build_network / build_mlp, the one builder of MLPs and convnets."""

import numpy as np
import pytest

import pynn
from pynn import SGD, Adam, Conv2D, Dense, Dropout, Flatten, MaxPool2D, Network, ReLU, Reshape, Tanh
from pynn.gradcheck import numerical_gradient, relative_error


def small_net(**kwargs):
    return pynn.build_mlp(8, (6,), 3, rng=0, **kwargs)


def test_forward_predict_and_probabilities(rng):
    net = small_net()
    x = rng.normal(size=(5, 8)).astype(np.float32)
    logits = net.forward(x)
    assert logits.shape == (5, 3) and logits.dtype == np.float32
    proba = net.predict_proba(x)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(net.predict(x), logits.argmax(axis=1))


def test_train_step_lowers_the_loss_on_a_fixed_batch(rng):
    net = small_net(optimizer=Adam(lr=0.01))
    x = rng.normal(size=(16, 8)).astype(np.float32)
    y = rng.integers(0, 3, 16)
    first = net.train_step(x, y)
    for _ in range(50):
        last = net.train_step(x, y)
    assert last < first * 0.5


def test_evaluate_returns_mean_loss_and_accuracy(rng):
    net = small_net()
    x = rng.normal(size=(10, 8)).astype(np.float32)
    y = net.predict(x)
    y[:3] = (y[:3] + 1) % 3
    loss, accuracy = net.evaluate(x, y, batch_size=4)
    assert accuracy == pytest.approx(0.7)
    expected = pynn.softmax_crossentropy_with_logits(net.forward(x), y).mean()
    assert loss == pytest.approx(float(expected), rel=1e-5)


def test_modes_switch_dropout_and_predictions_always_use_eval_mode(rng):
    net = pynn.build_mlp(8, (50,), 3, dropout=0.5, rng=0)
    x = rng.normal(size=(4, 8)).astype(np.float32)
    assert net.training
    assert not np.array_equal(net.forward(x), net.forward(x))  # fresh dropout masks
    p1, p2 = net.predict_proba(x), net.predict_proba(x)
    np.testing.assert_array_equal(p1, p2)
    assert net.training  # predict did not leave eval mode switched on
    net.eval()
    assert all(not layer.training for layer in net.layers)
    np.testing.assert_array_equal(net.forward(x), net.forward(x))


def test_parameters_summary_and_repr():
    net = pynn.build_mlp(784, (100, 200), 10, rng=0)
    assert net.count_params() == 784 * 100 + 100 + 100 * 200 + 200 + 200 * 10 + 10
    assert [name for name, _, _ in net.parameters()] == ["0.W", "0.b", "2.W", "2.b", "4.W", "4.b"]
    assert repr(net) == "Network([Dense(784, 100), ReLU(), Dense(100, 200), ReLU(), Dense(200, 10)])"
    summary = net.summary()
    assert "Dense(784, 100)" in summary and "78,500" in summary and "total parameters: 100,710" in summary


def test_default_optimizer_is_the_assignments_sgd():
    assert isinstance(Network().optimizer, SGD) and Network().optimizer.lr == 0.1


def test_networks_do_not_share_layer_lists():
    a, b = Network(), Network()
    a.add(ReLU())
    assert b.layers == []


def test_build_mlp_picks_the_initializer_for_the_activation():
    relu = pynn.build_mlp(100, (50,), 10, activation="relu", rng=0)
    tanh = pynn.build_mlp(100, (50,), 10, activation="tanh", rng=0)
    assert relu.layers[0].init == "he" and tanh.layers[0].init == "glorot"
    assert isinstance(pynn.build_mlp(10, (5,), 2, dropout=0.2, rng=0).layers[2], Dropout)
    with pytest.raises(ValueError, match="activation must be one of"):
        pynn.build_mlp(activation="softplus")


def test_same_seed_same_weights():
    a = pynn.build_mlp(20, (10,), 3, rng=5).state_dict()
    b = pynn.build_mlp(20, (10,), 3, rng=5).state_dict()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_load_state_dict_names_mismatches():
    net = small_net()
    state = net.state_dict()
    state["0.W"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"0.W: expected shape \(8, 6\), got \(2, 2\)"):
        net.load_state_dict(state)
    with pytest.raises(ValueError, match="missing"):
        net.load_state_dict({})


def test_network_built_by_hand_from_layers():
    net = Network([Dense(4, 3, rng=0), ReLU(), Dense(3, 2, rng=1)], optimizer=Adam())
    assert net.input_units == 4 and net.n_classes == 2
    assert net.predict(np.ones((3, 4), np.float32)).shape == (3,)


# -- networks of any shape: conv nets ---------------------------------------------------------

def codelab_net(**kwargs):
    return Network([Reshape((1, 28, 28)), Conv2D(1, 8, 5, rng=0), ReLU(), MaxPool2D(2),
                    Conv2D(8, 16, 5, rng=1), ReLU(), MaxPool2D(2), Flatten(),
                    Dense(256, 10, rng=2)], **kwargs)


def test_a_conv_network_knows_its_shapes_and_takes_rows_of_784():
    net = codelab_net()
    assert net.input_shape == (784,) and net.input_units == 784
    assert net.output_shape == (10,) and net.n_classes == 10
    assert net.count_params() == (8 * 25 + 8) + (16 * 8 * 25 + 16) + (256 * 10 + 10)
    lines = net.summary().splitlines()
    assert lines[0].split() == ["#", "layer", "output", "shape", "params"]
    assert lines[2].split() == ["1", "Conv2D(1,", "8,", "5)", "8×24×24", "208"]
    assert lines[5].split() == ["4", "Conv2D(8,", "16,", "5)", "16×8×8", "3,216"]
    assert lines[8].split() == ["7", "Flatten()", "256"]
    assert lines[9].split() == ["8", "Dense(256,", "10)", "10", "2,570"]
    assert lines[-1].startswith("input: 784 values; total parameters: 5,994")
    assert net.predict(np.zeros((3, 784), np.float32)).shape == (3,)


def test_a_network_starting_with_a_conv_takes_images_of_any_size(rng):
    net = Network([Conv2D(2, 3, 3, rng=0), ReLU(), Flatten()])
    assert net.input_shape == (2, None, None) and net.input_units is None
    assert net.output_shape is None
    assert net.forward(rng.random((4, 2, 5, 6))).shape == (4, 3 * 3 * 4)
    assert "input: shape 2×?×?" in net.summary() and "3×?×?" in net.summary()


@pytest.mark.parametrize("layers, message", [
    (lambda: [Reshape((1, 28, 28)), Conv2D(1, 8, 5), ReLU(), Conv2D(4, 16, 3)],
     r"layer 3 Conv2D\(4, 16, 3\) takes inputs of shape 4×\?×\?, but layer 1 Conv2D\(1, 8, 5\) gives 8×24×24"),
    (lambda: [Reshape((1, 28, 28)), Conv2D(1, 8, 5), MaxPool2D(2), Flatten(), Dense(100, 10)],
     r"layer 4 Dense\(100, 10\) takes inputs of 100 values, but layer 3 Flatten\(\) gives 1152"),
    (lambda: [Reshape((1, 8, 8)), Conv2D(1, 2, 5), MaxPool2D(2), Conv2D(2, 2, 3)],
     r"layer 3 Conv2D\(2, 2, 3\) cannot take the 2×2×2 output of layer 2 MaxPool2D\(2\): "
     r"a 3×3 kernel does not fit a 2×2 image with padding 0"),
    (lambda: [Reshape((1, 4, 4)), Conv2D(1, 2, 3), MaxPool2D(3)],
     r"layer 2 MaxPool2D\(3\) cannot take the 2×2×2 output of layer 1 Conv2D\(1, 2, 3\): "
     r"a 3×3 window does not fit a 2×2 image"),
    (lambda: [Dense(4, 9), Conv2D(1, 2, 3)],
     r"layer 1 Conv2D\(1, 2, 3\) takes inputs of shape 1×\?×\?, but layer 0 Dense\(4, 9\) gives 9"),
    (lambda: [Dense(4, 9), ReLU(), Reshape((1, 4, 4))],
     r"layer 2 Reshape\(\(1, 4, 4\)\) takes inputs of 16 values, but layer 0 Dense\(4, 9\) gives 9"),
    (lambda: [Reshape((1, 28, 28)), Flatten(), Dense(28, 10)],
     r"layer 2 Dense\(28, 10\) takes inputs of 28 values, but layer 1 Flatten\(\) gives 784"),
], ids=["channels", "flatten-dense", "kernel-too-large", "pool-too-large", "dense-conv",
        "dense-reshape", "reshape-flatten-dense"])
def test_a_chain_that_does_not_fit_is_refused_naming_both_layers(layers, message):
    with pytest.raises(ValueError, match=message):
        Network(layers())
    net = Network()
    with pytest.raises(ValueError, match=message):
        for layer in layers():
            net.add(layer)


def test_a_conv_network_trains_end_to_end(digits):
    net = codelab_net(optimizer=Adam(lr=0.003))
    x, y = digits.X_train[:64], digits.y_train[:64]
    first = net.train_step(x, y)
    for _ in range(30):
        last = net.train_step(x, y)
    assert last < first * 0.3
    assert net.evaluate(x, y)[1] > 0.9


def test_whole_conv_network_gradient_through_train_step_path(rng):
    """Backward through Reshape, a padded conv, Tanh, an odd-sized max pool, a strided conv,
    Flatten and Dense matches the numerical gradient of the mean loss for every parameter."""
    layers = [Reshape((2, 7, 7)), Conv2D(2, 3, 3, padding=1, rng=rng, dtype=np.float64), Tanh(),
              MaxPool2D(2), Conv2D(3, 4, 2, stride=2, padding=1, rng=rng, dtype=np.float64),
              Flatten(), Dense(16, 3, rng=rng, dtype=np.float64)]
    network = Network(layers, optimizer=SGD(lr=1e-300))  # a step that changes nothing measurable
    for layer in layers:
        for param in layer.params.values():
            param[...] = rng.normal(size=param.shape) * 0.5
    x = rng.normal(size=(5, 98))
    y = rng.integers(0, 3, size=5)
    before = network.state_dict()
    network.train_step(x, y)
    network.load_state_dict(before)
    for name, param, grad in network.parameters():
        numerical = numerical_gradient(lambda: network.evaluate(x, y)[0], param)
        assert relative_error(grad, numerical) < 1e-6, name


def test_one_builder_makes_the_recipes_mlps_and_convnets_with_the_same_weights():
    config = pynn.TrainingConfig(arch="conv4x5 pool2", hidden=(8,), dropout=0.1, seed=3)
    built = pynn.build_network(784, (8,), 10, arch="conv4x5 pool2", dropout=0.1, rng=3)
    recipe = config.build_network()
    assert repr(built) == repr(recipe)
    for name, value in recipe.state_dict().items():
        np.testing.assert_array_equal(built.state_dict()[name], value)
    assert built.dense_layers[0].input_units == 4 * 12 * 12   # from the layers' own output shapes
    mlp, same = pynn.build_mlp(20, (6,), 3, rng=1), pynn.build_network(20, (6,), 3, rng=1)
    np.testing.assert_array_equal(mlp.state_dict()["0.W"], same.state_dict()["0.W"])
    with pytest.raises(ValueError, match=r"Convolutions need 28×28 images \(784 inputs\), got 20 inputs"):
        pynn.build_network(20, (6,), 3, arch="conv4x5")
