import numpy as np
import pytest

import pynn
from pynn import SGD, Adam, Dense, Dropout, Network, ReLU


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
