"""The notebook's own loop, unchanged, on top of pynn."""

import numpy as np
import pytest

from pynn import Dense, ReLU, forward, iterate_minibatches, load_digits, predict, train


def test_notebook_loop_runs_unchanged_and_learns():
    np.random.seed(0)
    X_train, y_train, X_val, y_val, X_test, y_test = load_digits()
    X_train, y_train = X_train[:2000], y_train[:2000]

    network = []
    network.append(Dense(X_train.shape[1], 100))
    network.append(ReLU())
    network.append(Dense(100, 200))
    network.append(ReLU())
    network.append(Dense(200, 10))

    train_log, val_log = [], []
    for epoch in range(3):
        for x_batch, y_batch in iterate_minibatches(X_train, y_train, batchsize=32, shuffle=True):
            train(network, x_batch, y_batch)
        train_log.append(np.mean(predict(network, X_train) == y_train))
        val_log.append(np.mean(predict(network, X_val) == y_val))

    assert val_log[-1] > 0.8
    assert train_log[-1] >= train_log[0]


def test_forward_returns_every_activation():
    network = [Dense(4, 3, rng=0), ReLU(), Dense(3, 2, rng=1)]
    activations = forward(network, np.ones((5, 4), np.float32))
    assert [a.shape for a in activations] == [(5, 3), (5, 3), (5, 2)]
    assert np.all(activations[1] >= 0)


def test_train_uses_each_layers_learning_rate_and_returns_the_loss():
    frozen = Dense(4, 3, learning_rate=1e-30, rng=0)
    moving = Dense(3, 2, learning_rate=0.5, rng=1)
    network = [frozen, ReLU(), moving]
    before = frozen.weights.copy(), moving.weights.copy()
    x, y = np.ones((2, 4), np.float32), np.array([0, 1])
    loss = train(network, x, y)
    assert isinstance(loss, float) and loss > 0
    np.testing.assert_array_equal(frozen.weights, before[0])
    assert not np.array_equal(moving.weights, before[1])


def test_iterate_minibatches_drops_the_short_last_batch_and_covers_each_row_once():
    X = np.arange(10).reshape(10, 1)
    y = np.arange(10)
    batches = list(iterate_minibatches(X, y, batchsize=3, shuffle=True, rng=0))
    assert [len(b) for b, _ in batches] == [3, 3, 3]
    seen = np.concatenate([t for _, t in batches])
    assert len(set(seen)) == 9
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)
    in_order = list(iterate_minibatches(X, y, batchsize=5))
    np.testing.assert_array_equal(in_order[0][1], [0, 1, 2, 3, 4])


def test_iterate_minibatches_validates():
    with pytest.raises(ValueError, match="batchsize must be a whole number >= 1, got 0"):
        list(iterate_minibatches(np.zeros((4, 1)), np.zeros(4), batchsize=0))
    with pytest.raises(ValueError, match="inputs has 4 rows but targets has 3"):
        list(iterate_minibatches(np.zeros((4, 1)), np.zeros(3), batchsize=2))
