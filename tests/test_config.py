import pytest

import pynn
from pynn import TrainingConfig, parse_hidden


@pytest.mark.parametrize("spec, expected", [("100,200", (100, 200)), (" 64 , 32 ", (64, 32)),
                                            ("", ()), ([300], (300,)), ((5, 6, 7), (5, 6, 7))])
def test_parse_hidden(spec, expected):
    assert parse_hidden(spec) == expected


@pytest.mark.parametrize("spec, message", [
    ("100,x", "got 'x' in '100,x'"), ("100,,200", "got '' in"), ("0", "got '0'"),
    ("-5", "got '-5'"), ("1.5", "got '1.5'"), ("99999", "from 1 to 4096"),
    ("1,1,1,1,1,1,1,1,1", "at most 8 layers"), (None, "sizes like '100,200'"),
    ([True], "got 'True'"),
])
def test_bad_hidden_specs_are_named(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_hidden(spec)


def test_from_dict_accepts_form_strings_and_round_trips():
    config = TrainingConfig.from_dict({"hidden": "64,32", "lr": "0.01", "epochs": "3",
                                       "optimizer": "sgd", "dropout": "0"})
    assert config.hidden == (64, 32) and config.lr == 0.01 and config.epochs == 3
    assert TrainingConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("values, message", [
    ({"lr": "fast"}, "Learning rate must be a number from 1e-07 to 10000, got 'fast'"),
    ({"lr": 0}, "Learning rate must be a number from"), ({"lr": float("nan")}, "got nan"),
    ({"lr": float("inf")}, "got inf"),
    ({"batch_size": 0}, "Batch size must be a whole number from 1"),
    ({"batch_size": "-3"}, "Batch size must be a whole number"),
    ({"epochs": 2.5}, "Epochs must be a whole number"),
    ({"dropout": 1.0}, "Dropout must be a number from 0 to 0.95"),
    ({"activation": "swish"}, "Activation must be one of relu, leaky_relu, sigmoid, tanh; got 'swish'"),
    ({"optimizer": "rmsprop"}, "Optimizer must be one of"), ({"init": "zeros"}, "Initializer must be one of"),
    ({"learning_rate": 1}, "unknown setting\\(s\\): learning_rate; known: arch, hidden,"),
])
def test_bad_settings_are_named(values, message):
    with pytest.raises((ValueError, TypeError), match=message):
        TrainingConfig.from_dict(values)


def test_builds_the_network_and_optimizer_it_describes():
    config = TrainingConfig(hidden=(30,), activation="tanh", dropout=0.0, optimizer="momentum",
                            lr=0.05, momentum=0.8)
    net = config.build_network()
    assert repr(net) == "Network([Dense(784, 30), Tanh(), Dense(30, 10)])"
    assert isinstance(net.optimizer, pynn.Momentum) and net.optimizer.momentum == 0.8
    assert net.layers[0].init == "glorot"


def test_architecture_changes_are_told_apart_from_live_settings():
    base = TrainingConfig()
    assert base.needs_reset(TrainingConfig(hidden=(10,)))
    assert base.needs_reset(TrainingConfig(dropout=0.5))
    assert base.needs_reset(TrainingConfig(seed=3))
    assert not base.needs_reset(TrainingConfig(lr=0.1, epochs=3))
    assert base.changed(TrainingConfig(lr=0.1, epochs=3), "live") == ["lr"]
    assert base.changed(TrainingConfig(lr=0.1, epochs=3), "next_run") == ["epochs"]
