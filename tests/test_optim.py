"""The optimizers: updates against hand-computed ones, their checks, and state that saves,
restores and refuses what does not fit (every optimizer of pynn.optim.OPTIMIZERS)."""

import math

import numpy as np
import pytest

from pynn import SGD, Adam, Momentum, make_optimizer
from pynn.optim import OPTIMIZERS

WITH_STATE = [name for name, cls in OPTIMIZERS.items() if cls.SLOTS]


def one_param(value=1.0, grad=0.5):
    param = np.array([value], dtype=np.float64)
    return param, [("0.W", param, np.array([grad]))]


def test_sgd_rule():
    param, params = one_param()
    SGD(lr=0.1).step(params)
    assert param[0] == pytest.approx(1.0 - 0.1 * 0.5)


def test_weight_decay_adds_an_l2_term_to_the_gradient():
    param, params = one_param()
    SGD(lr=0.1, weight_decay=0.2).step(params)
    assert param[0] == pytest.approx(1.0 - 0.1 * (0.5 + 0.2 * 1.0))


def test_momentum_accumulates_velocity():
    param, params = one_param()
    opt = Momentum(lr=0.1, momentum=0.9)
    opt.step(params)
    opt.step(params)
    v1 = -0.1 * 0.5
    v2 = 0.9 * v1 - 0.1 * 0.5
    assert param[0] == pytest.approx(1.0 + v1 + v2)


def test_nesterov_looks_ahead():
    param, params = one_param()
    opt = Momentum(lr=0.1, momentum=0.9, nesterov=True)
    opt.step(params)
    v1 = -0.1 * 0.5
    assert param[0] == pytest.approx(1.0 + 0.9 * v1 - 0.1 * 0.5)


def test_adam_matches_the_paper_on_two_steps():
    param, params = one_param()
    opt = Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    expected, m, v = 1.0, 0.0, 0.0
    for t in (1, 2):
        opt.step(params)
        m = 0.9 * m + 0.1 * 0.5
        v = 0.999 * v + 0.001 * 0.25
        m_hat, v_hat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
        expected -= 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert param[0] == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(lr=0), "lr must be a number > 0"),
    (lambda: SGD(lr=-0.1), "got -0.1"),
    (lambda: SGD(lr=float("nan")), "got nan"),
    (lambda: SGD(lr=float("inf")), "got inf"),
    (lambda: SGD(lr="0.1"), "got '0.1'"),
    (lambda: Momentum(momentum=1.0), "momentum must be"),
    (lambda: Adam(beta1=1.5), "beta1 must be"),
    (lambda: Adam(beta2=-0.1), "beta2 must be"),
    (lambda: Adam(eps=0), "eps must be"),
    (lambda: SGD(weight_decay=-1), "weight_decay must be"),
    (lambda: make_optimizer("rmsprop"), "optimizer must be one of sgd, momentum, adam; got 'rmsprop'"),
    (lambda: make_optimizer("sgd", betas=3), "SGD has no hyperparameter.s. betas; it takes lr, weight_decay"),
])
def test_bad_hyperparameters_raise_naming_the_value(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_learning_rate_can_change_between_steps_and_is_validated():
    param, params = one_param()
    opt = SGD(lr=0.1)
    opt.lr = 0.2
    opt.step(params)
    assert param[0] == pytest.approx(0.9)
    with pytest.raises(ValueError):
        opt.lr = 0
    assert opt.lr == 0.2


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_state_can_be_saved_and_restored(name, rng):
    """Restoring a state_dict into a fresh optimizer continues exactly like the original."""
    grads = [rng.normal(size=(3, 2)) for _ in range(6)]
    param_a = rng.normal(size=(3, 2))
    param_b = param_a.copy()
    a = make_optimizer(name, lr=0.01)
    for g in grads[:3]:
        a.step([("0.W", param_a, g)])
    b = make_optimizer(name, lr=0.01)
    b.load_state_dict(a.state_dict(), {"0.W": param_a})
    param_b[...] = param_a
    for g in grads[3:]:
        a.step([("0.W", param_a, g)])
        b.step([("0.W", param_b, g)])
    np.testing.assert_array_equal(param_a, param_b)
    assert b.steps == 6


def test_state_dict_is_a_copy():
    param, params = one_param()
    opt = Adam()
    opt.step(params)
    state = opt.state_dict()
    state["m.0.W"][...] = 123
    assert opt.state["m.0.W"][0] != 123


def test_config_rebuilds_the_same_optimizer():
    opt = Momentum(lr=0.05, momentum=0.8, nesterov=True, weight_decay=1e-4)
    again = make_optimizer(**opt.config())
    assert again.config() == opt.config()
    assert repr(again) == "Momentum(lr=0.05, weight_decay=0.0001, momentum=0.8, nesterov=True)"


@pytest.mark.parametrize("name", WITH_STATE)
def test_a_state_that_does_not_fit_the_parameters_is_refused_and_changes_nothing(name, rng):
    param = rng.normal(size=(3, 2))
    source = make_optimizer(name, lr=0.01)
    source.step([("0.W", param.copy(), rng.normal(size=(3, 2)))])
    state = source.state_dict()
    target = make_optimizer(name, lr=0.01)
    wrong_shape = {k: (v[:2] if k != "steps" else v) for k, v in state.items()}
    with pytest.raises(ValueError, match=r"has shape \(2, 2\); its parameter has shape \(3, 2\)"):
        target.load_state_dict(wrong_shape, {"0.W": param})
    with pytest.raises(ValueError, match=r"missing \['.\.1\.W'"):
        target.load_state_dict(state, {"0.W": param, "1.W": param})
    with pytest.raises(ValueError, match="steps must be a whole number >= 0"):
        target.load_state_dict({**state, "steps": np.array(-1)}, {"0.W": param})
    assert target.state == {} and target.steps == 0


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_has_a_label_and_rebuilds_from_its_config(name):
    optimizer = make_optimizer(name, lr=0.05)
    assert type(optimizer).label and type(optimizer).label != "Optimizer"
    assert make_optimizer(**optimizer.config()).config() == optimizer.config()
