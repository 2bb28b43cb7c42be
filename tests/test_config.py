"""TrainingConfig and its settings table FIELDS: parsing and messages in the form's words,
choices and their labels from pynn's tables, the rules between settings, and what a recipe
builds (network, optimizer, the run's options)."""

import numpy as np
import pytest

import pynn
from pynn import TrainingConfig, parse_hidden
from pynn.config import FIELD, FIELDS
from pynn.registry import ACTIVATIONS, INITIALIZERS, OPTIMIZERS


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
    ({"activation": "swish"}, f"Activation must be one of {', '.join(ACTIVATIONS)}; got 'swish'"),
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


@pytest.mark.parametrize("name, table", [("activation", ACTIVATIONS), ("init", INITIALIZERS),
                                         ("optimizer", OPTIMIZERS)])
def test_every_choice_comes_from_pynns_tables_with_the_label_the_page_shows(name, table):
    described = FIELD[name].to_dict()
    assert set(table) <= set(described["choices"])
    assert list(described["choice_labels"]) == described["choices"]
    assert all(described["choice_labels"][word] == row.label for word, row in table.items())


def test_the_labels_the_page_always_showed():
    labels = {**FIELD["activation"].to_dict()["choice_labels"], **FIELD["init"].to_dict()["choice_labels"],
              **FIELD["optimizer"].to_dict()["choice_labels"]}
    assert {word: labels[word] for word in ("relu", "leaky_relu", "auto", "small", "glorot", "momentum")} == {
        "relu": "ReLU", "leaky_relu": "Leaky ReLU", "auto": "auto", "small": "small (×0.01)",
        "glorot": "Glorot", "momentum": "SGD + momentum"}


def test_only_choices_have_labels_and_only_momentum_depends_on_another_setting():
    for field in FIELDS:
        described = field.to_dict()
        assert (described["choice_labels"] != {}) == (field.kind == "choice")
        assert described["only_when"] == ({"optimizer": ["momentum"]} if field.name == "momentum" else None)


def test_momentum_reaches_only_the_momentum_optimizer():
    assert FIELD["momentum"].used_by(TrainingConfig(optimizer="momentum"))
    assert not FIELD["momentum"].used_by(TrainingConfig(optimizer="adam"))
    assert TrainingConfig(optimizer="momentum", momentum=0.5).build_optimizer().momentum == 0.5
    assert TrainingConfig(optimizer="adam", momentum=0.5).build_optimizer().config() == pynn.Adam().config()


def test_a_new_learning_rate_keeps_adams_moments_and_any_other_live_change_starts_them_again():
    before = TrainingConfig(optimizer="adam")
    optimizer = before.build_optimizer()
    optimizer.state = {"m.0.W": 1}
    kept = before.updated_optimizer(before.update({"lr": 0.01}), optimizer)
    assert kept is optimizer and kept.lr == 0.01 and kept.state == {"m.0.W": 1}
    assert [f.name for f in FIELDS if f.keeps_optimizer_state] == ["lr"]
    for change in ({"weight_decay": 0.1}, {"optimizer": "momentum"}, {"momentum": 0.5}):
        rebuilt = before.updated_optimizer(before.update(change), optimizer)
        assert rebuilt is not optimizer and rebuilt.state == {}


def test_run_options_are_train_steps_keyword_arguments():
    config = TrainingConfig(batch_size=16, epochs=3, shift=1, seed=7)
    assert config.run_options() == {"batch_size": 16, "epochs": 3, "shift": 1, "seed": 7}
    assert config.run_options(seed=9)["seed"] == 9
    network = TrainingConfig(hidden=(4,), dropout=0.0).build_network(6, 2)
    x, y = np.zeros((10, 6)), np.arange(10) % 2
    events = list(pynn.train_steps(network, x, y, **TrainingConfig(epochs=2, shift=0).run_options()))
    assert events[-1].epoch == 2
