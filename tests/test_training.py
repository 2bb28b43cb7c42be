"""train_steps and fit: events, shuffling and shifts from a seed, validation in pieces,
divergence rolled back to the last good weights, and bad arguments refused up front."""

import itertools

import numpy as np
import pytest

import pynn
from pynn import BatchEnd, EpochEnd, TrainingDiverged, Validating, train_steps
from pynn.training import random_shifts


@pytest.fixture
def small_data(digits):
    return digits.X_train[:300], digits.y_train[:300], digits.X_val[:100], digits.y_val[:100]


def make_net(seed=0, dropout=0.2):
    return pynn.TrainingConfig(hidden=(16,), dropout=dropout, seed=seed).build_network()


def weights_equal(a, b):
    return all(np.array_equal(a[k], b[k]) for k in a)


def test_events_after_every_batch_and_at_each_epoch_end(small_data):
    x, y, xv, yv = small_data
    events = list(train_steps(make_net(), x, y, epochs=2, batch_size=64, validation_data=(xv, yv)))
    batches = [e for e in events if isinstance(e, BatchEnd)]
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert len(batches) == 2 * 5 and len(epochs) == 2
    assert [(b.epoch, b.batch) for b in batches[:5]] == [(1, i) for i in range(1, 6)]
    assert batches[4].size == 300 - 4 * 64 and batches[0].n_batches == 5
    # the validation pass (100 rows) is one piece of at most 1000 rows: one Validating event
    assert events[5] == Validating(1, 100, 100)
    assert isinstance(events[6], EpochEnd) and events[6].epoch == 1 and events[6].epochs == 2
    assert 0 <= epochs[1].val_accuracy <= 1 and np.isfinite(epochs[1].val_loss)
    assert set(epochs[0].logs()) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_the_validation_pass_yields_after_every_piece_and_measures_the_same(small_data):
    x, y, xv, yv = small_data
    whole = list(train_steps(make_net(), x, y, epochs=1, validation_data=(xv, yv)))
    pieces = list(train_steps(make_net(), x, y, epochs=1, validation_data=(xv, yv),
                              eval_batch_size=30))
    assert [e for e in pieces if isinstance(e, Validating)] == [
        Validating(1, 30, 100), Validating(1, 60, 100), Validating(1, 90, 100), Validating(1, 100, 100)]
    assert pieces[-1].val_loss == pytest.approx(whole[-1].val_loss, rel=1e-6)
    assert pieces[-1].val_accuracy == whole[-1].val_accuracy


def test_stopping_and_resuming_gives_exactly_the_uninterrupted_run(small_data):
    x, y, xv, yv = small_data
    straight = make_net()
    list(train_steps(straight, x, y, epochs=2, batch_size=32, shift=1, seed=3))

    paused = make_net()
    steps = train_steps(paused, x, y, epochs=2, batch_size=32, shift=1, seed=3)
    first = list(itertools.islice(steps, 7))         # stop in the middle of epoch 1
    snapshot = paused.state_dict()
    assert len(first) == 7
    rest = list(steps)                                 # resume later
    assert isinstance(rest[-1], EpochEnd) and rest[-1].epoch == 2
    assert not weights_equal(snapshot, paused.state_dict())
    assert weights_equal(straight.state_dict(), paused.state_dict())


def test_same_seed_gives_bit_identical_weights_and_another_seed_does_not(small_data):
    x, y, _, _ = small_data

    def run(seed):
        net = make_net(seed)
        pynn.fit(net, x, y, epochs=2, batch_size=32, shift=2, seed=seed)
        return net.state_dict()

    assert weights_equal(run(7), run(7))
    assert not weights_equal(run(7), run(8))


def test_fit_returns_a_keras_style_history_and_calls_back(small_data):
    x, y, xv, yv = small_data
    seen = []
    history = pynn.fit(make_net(), x, y, epochs=3, batch_size=32, validation_data=(xv, yv),
                       on_epoch_end=lambda epoch, logs: seen.append((epoch, logs["val_accuracy"])))
    assert history.epoch == [1, 2, 3]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert [acc for _, acc in seen] == history.history["val_accuracy"]
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_a_recipes_run_options_train_exactly_like_its_settings_spelled_out(small_data):
    x, y, xv, yv = small_data
    config = pynn.TrainingConfig(hidden=(16,), epochs=2, batch_size=50, shift=1, seed=4)
    a, b = config.build_network(), config.build_network()
    pynn.fit(a, x, y, validation_data=(xv, yv), **config.run_options())
    pynn.fit(b, x, y, validation_data=(xv, yv), epochs=2, batch_size=50, shift=1, seed=4)
    assert weights_equal(a.state_dict(), b.state_dict())


def test_learning_rate_change_applies_to_the_next_steps(small_data):
    x, y, _, _ = small_data
    net = make_net(dropout=0.0)
    steps = train_steps(net, x, y, epochs=1, batch_size=32, optimizer=pynn.SGD(lr=0.1))
    next(steps)
    net.optimizer.lr = 1e-30
    before = net.state_dict()
    next(steps)
    after = net.state_dict()
    assert all(np.allclose(before[k], after[k], atol=1e-20) for k in before)


def test_divergence_stops_and_puts_back_the_last_good_weights(digits):
    x, y = digits.X_train[:2000], digits.y_train[:2000]
    net = pynn.TrainingConfig(hidden=(100, 200), dropout=0.0, optimizer="sgd", lr=0.1).build_network()
    list(train_steps(net, x, y, epochs=1, batch_size=64, seed=0))  # some honest training first
    good = net.state_dict()
    accuracy = net.evaluate(x, y)[1]
    steps = train_steps(net, x, y, epochs=5, batch_size=64, optimizer=pynn.SGD(lr=1e4))
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="diverged at epoch 1, batch .* from the start of this run"):
        list(steps)
    restored = net.state_dict()
    assert all(np.all(np.isfinite(v)) for v in restored.values())
    assert weights_equal(restored, good)  # diverged before the first snapshot: back to the start
    assert net.evaluate(x, y)[1] == accuracy


def test_divergence_later_in_a_run_restores_a_snapshot_that_had_a_finite_loss(small_data):
    x, y, _, _ = small_data
    net = make_net(dropout=0.0)
    steps = train_steps(net, x, y, epochs=20, batch_size=8, optimizer=pynn.SGD(lr=0.05))
    for _ in range(19):
        next(steps)
    snapshot = net.state_dict()  # what batch 20 starts from
    for _ in range(45 - 19):  # into epoch 2 (38 batches per epoch); last snapshot: epoch 1, batch 20
        next(steps)
    net.layers[-1].biases[0] = np.nan  # as if the last update had overflowed
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="at epoch 2, batch 7: .* put back the weights from epoch 1, batch 20"):
        list(steps)
    assert weights_equal(net.state_dict(), snapshot)
    loss, _ = net.evaluate(x, y)
    assert np.isfinite(loss)


def test_random_shifts_move_whole_images_within_bounds(rng):
    image = np.zeros((28, 28), np.float32)
    image[10:18, 12:16] = 1
    shifted = random_shifts(np.tile(image.ravel(), (50, 1)), 2, rng).reshape(50, 28, 28)
    assert np.all(shifted.sum(axis=(1, 2)) == image.sum())  # nothing falls off, nothing added
    offsets = {(int(np.argwhere(s)[0][0]) - 10, int(np.argwhere(s)[0][1]) - 12) for s in shifted}
    assert offsets <= {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)} and len(offsets) > 10
