"""Exercise 10: better steps than SGD's, momentum then Adam."""

import numpy as np

from pynn.lab.checks import Failed, compare
from pynn.lab.runner import LearnerCodeError
from pynn.optim import Adam as PynnAdam
from pynn.optim import SGD as PynnSGD
from pynn.optim import Momentum as PynnMomentum

TITLE = "Momentum and Adam"
ORDER = 10
TARGET = None  # two classes, found by name below
CLASSES = ("Momentum", "Adam")
DEFINES = "Momentum and Adam"

SHAPES = [
    "params: a list of arrays, any shapes",
    "grads: a list of arrays, each its param's shape",
    "state (a velocity, m, v): one array per param, of its shape",
]

STATEMENT = """
The assignment's layers take a plain SGD step: param -= lr * grad. Two better steps, each a
class whose step(params, grads) gets two lists of arrays (every parameter of the network,
and its gradient) and changes each param in place (param -= ..., not param = ...: the
network keeps its own arrays). State such as a velocity is one array per parameter, zeros
at first, kept between calls.

1. Momentum(lr=0.01, momentum=0.9): a velocity v that remembers past steps:
   v = momentum * v - lr * grad, then param += v.
2. Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8): with t the number of steps so far
   (1 at the first), m = beta1 * m + (1 - beta1) * grad, v = beta2 * v + (1 - beta2) * grad**2;
   the bias-corrected m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t);
   then param -= lr * m_hat / (sqrt(v_hat) + eps).
"""

STARTER = '''
import numpy as np


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum = lr, momentum
        self.velocities = None   # one array per parameter, made at the first step

    def step(self, params, grads):
        if self.velocities is None:
            self.velocities = [np.zeros_like(param) for param in params]
        for param, grad, v in zip(params, grads, self.velocities):
            # TODO: v = momentum * v - lr * grad (in place: v[...] = ...), then param += v
            param -= self.lr * grad


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(param) for param in params]
            self.v = [np.zeros_like(param) for param in params]
        self.t += 1
        for param, grad, m, v in zip(params, grads, self.m, self.v):
            # TODO: update m and v in place, correct their bias, and step param in place
            param -= self.lr * grad
'''

SOLUTION = '''
import numpy as np


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum = lr, momentum
        self.velocities = None   # one array per parameter, made at the first step

    def step(self, params, grads):
        if self.velocities is None:
            self.velocities = [np.zeros_like(param) for param in params]
        for param, grad, v in zip(params, grads, self.velocities):
            v[...] = self.momentum * v - self.lr * grad
            param += v


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(param) for param in params]
            self.v = [np.zeros_like(param) for param in params]
        self.t += 1
        for param, grad, m, v in zip(params, grads, self.m, self.v):
            m[...] = self.beta1 * m + (1 - self.beta1) * grad
            v[...] = self.beta2 * v + (1 - self.beta2) * grad ** 2
            m_hat = m / (1 - self.beta1 ** self.t)
            v_hat = v / (1 - self.beta2 ** self.t)
            param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
'''

STEPS = 5
SETTINGS = {"Momentum": {"lr": 0.1, "momentum": 0.9},
            "Adam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}}


class Classes:
    """The learner's two classes (found in their module, or given as a tuple)."""

    def __init__(self, momentum, adam):
        self.by_name = {"Momentum": momentum, "Adam": adam}


def find(namespace: dict):
    missing = [name for name in CLASSES if not isinstance(namespace.get(name), type)]
    if missing:
        raise LearnerCodeError(f"your code does not define the class {' and '.join(missing)}")
    mine = namespace["__name__"]
    for name in CLASSES:
        cls = namespace[name]
        owner = next((base for base in cls.__mro__ if "step" in vars(base)), None)
        if owner is None:
            raise LearnerCodeError(f"your {name} has no step method: write step(self, params, grads)")
        for what, home in ((name, cls.__module__), (f"{name}.step", owner.__module__)):
            if home != mine:
                where = "pynn" if home.split(".")[0] == "pynn" else home
                raise LearnerCodeError(f"{what} comes from {where}, not from your file: write "
                                       f"it yourself")
    return Classes(*(namespace[name] for name in CLASSES))


# -- reference steps, and the classic slips, in the learner's shape --------------------------

class FromPynn:
    """pynn's optimizer behind ``step(params, grads)``."""

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def step(self, params, grads):
        self.optimizer.step([(str(i), p, g) for i, (p, g) in enumerate(zip(params, grads))])


class Rule:
    """``step(params, grads)`` from a per-parameter rule ``update(state, param, grad, t)``."""

    def __init__(self, update, **settings):
        self.update, self.settings, self.states, self.t = update, settings, None, 0

    def step(self, params, grads):
        self.states = self.states or [{} for _ in params]
        self.t += 1
        for state, param, grad in zip(self.states, params, grads):
            param[...] = self.update(state, param, grad, self.t, **self.settings)


def uphill(state, p, g, t, lr, momentum):
    state["v"] = momentum * state.get("v", 0) + lr * g
    return p + state["v"]


def forgetful(state, p, g, t, lr, momentum):
    return p - lr * g


def adam_textbook(state, p, g, t, lr, beta1, beta2, eps, correct=True, inside=False):
    state["m"] = beta1 * state.get("m", 0) + (1 - beta1) * g
    state["v"] = beta2 * state.get("v", 0) + (1 - beta2) * g * g
    m_hat = state["m"] / (1 - beta1 ** t) if correct else state["m"]
    v_hat = state["v"] / (1 - beta2 ** t) if correct else state["v"]
    return p - lr * m_hat / (np.sqrt(v_hat + eps) if inside else np.sqrt(v_hat) + eps)


SLIPS = {
    "Momentum": [(lambda: Rule(uphill, **SETTINGS["Momentum"]),
                  "your steps go up the gradient: v = momentum * v - lr * grad, then param += v")
                 , (lambda: Rule(forgetful, **SETTINGS["Momentum"]),
                    "your steps are plain SGD's: keep each parameter's velocity between calls "
                    "(in self), and add it to the parameter")],
    "Adam": [(lambda: Rule(adam_textbook, **SETTINGS["Adam"], correct=False),
              "no bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t), t "
              "counting the steps from 1 (else the first steps are ~3 times too big)"),
             (lambda: Rule(adam_textbook, **SETTINGS["Adam"], inside=True),
              "eps is inside the square root: m_hat / (np.sqrt(v_hat) + eps); for small "
              "gradients sqrt(v_hat + eps) is far bigger than sqrt(v_hat)")],
}
ACCEPTED = {"Momentum": [lambda: FromPynn(PynnMomentum(**SETTINGS["Momentum"]))],
            "Adam": [lambda: FromPynn(PynnAdam(**SETTINGS["Adam"])),
                     lambda: Rule(adam_textbook, **SETTINGS["Adam"])]}


def trajectory(optimizer, start, gradient, steps=STEPS) -> list[list[np.ndarray]]:
    """The parameters after each of ``steps`` steps from ``start``, each step's gradients
    from ``gradient(step, params)``; the arrays ``optimizer`` is handed are checked to have
    changed in place."""
    params, path = [p.copy() for p in start], []
    for step in range(steps):
        before = [p.copy() for p in params]
        given = list(params)
        returned = optimizer.step(given, [g.copy() for g in gradient(step, params)])
        if not any(np.any(p != b) for p, b in zip(params, before)):
            if any(a is not b for a, b in zip(given, params)):
                raise Failed("your step puts new arrays into the list (params[i] = ...): the "
                             "network keeps its own arrays; change them in place: "
                             "params[i] -= ..., or param[...] = ...")
            raise Failed("step left the parameters as they were" + (
                f" and returned {type(returned).__name__}" if returned is not None else "") +
                ": change each param in place (param -= ..., not param = param - ...)")
        path.append([p.copy() for p in params])
    return path


def differs(name, mine, expected) -> tuple[int, str] | None:
    """``None`` if the trajectories agree, else why not: ``(the first step that differs,
    its worst element)``."""
    for step, (ours, theirs) in enumerate(zip(mine, expected), start=1):
        for index, (a, b) in enumerate(zip(ours, theirs)):
            try:
                compare(f"params[{index}]", a, b, name)
            except Failed as failure:
                return step, f"after step {step}: {failure}"
    return None


def follow(name, cls, start, gradient, steps=STEPS) -> str:
    """Check the learner's class ``cls`` against the accepted references, naming a slip."""
    expected_paths = [trajectory(make(), start, gradient, steps) for make in ACCEPTED[name]]
    slips = [(trajectory(make(), start, gradient, steps), why) for make, why in SLIPS[name]]
    mine = trajectory(cls(**SETTINGS[name]), start, gradient, steps)
    problems = [differs(f"{who} {name}", mine, path)
                for who, path in zip(("pynn's", "the textbook's"), expected_paths)]
    if None in problems:
        return f"{steps} steps agree with {'pynn' if problems[0] is None else 'the textbook'}'s"
    for path, why in slips:
        if differs("", mine, path) is None:
            raise Failed(why)
    raise Failed(max(problems)[1])   # the reference it follows longest


def check(target, report):
    if isinstance(target, tuple):
        target = Classes(*target)
    rng = np.random.default_rng(0)
    start = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    random_grads = [[rng.normal(size=(3, 4)), rng.normal(size=4)] for _ in range(STEPS)]
    curvature, centre = [rng.uniform(0.5, 3, size=(3, 4)), rng.uniform(0.5, 3, size=4)], \
        [rng.normal(size=(3, 4)), rng.normal(size=4)]
    tiny = [[g * 1e-6 for g in grads] for grads in random_grads]

    def bowl(step, params):  # the gradient of 0.5 * sum(curvature * (params - centre)**2)
        return [c * (p - m) for c, p, m in zip(curvature, params, centre)]

    for name in CLASSES:
        cls = target.by_name[name]
        settings = ", ".join(f"{k}={v}" for k, v in SETTINGS[name].items())

        def builds(cls=cls, name=name):
            trajectory(cls(**SETTINGS[name]), start, lambda step, params: random_grads[step], 1)
            return f"{name}({settings}).step(params, grads) changes params in place"

        if not report.check(f"{name}: step changes the parameters in place", builds,
                            hint=(f"{name}({settings}) must build, and step(params, grads) "
                                  f"change the network's own arrays", "param -= ... or "
                                  "param[...] = ...: not param = ..., which only renames")):
            continue
        report.check(f"{name}: {STEPS} steps on random gradients agree with pynn's",
                     lambda cls=cls, name=name: follow(
                         name, cls, start, lambda step, params: random_grads[step]),
                     hint=("compare your update with the formulas of the statement, step by step",
                           "state arrays are zeros at first, one per parameter, kept between calls"))
        report.check(f"{name}: 20 steps down a quadratic bowl agree with pynn's",
                     lambda cls=cls, name=name: follow(name, cls, start, bowl, steps=20),
                     hint=("each step's gradient comes from the parameters the last step left",
                           "update the state and the parameters in place, every call"))
        if name == "Momentum":
            def no_momentum(cls=cls):
                plain = trajectory(FromPynn(PynnSGD(lr=0.1)), start, lambda s, p: random_grads[s])
                mine = trajectory(cls(lr=0.1, momentum=0.0), start, lambda s, p: random_grads[s])
                problem = differs("pynn's SGD", mine, plain)
                if problem:
                    raise Failed(problem[1])
                return f"{STEPS} steps equal pynn's SGD(lr=0.1)"

            report.check("Momentum: with momentum=0 the steps are SGD's", no_momentum,
                         hint=("use the settings the constructor got",
                               "self.momentum and self.lr, not numbers written in step"))
        if name == "Adam":
            report.check("Adam: tiny gradients (1e-6) agree with pynn's",
                         lambda cls=cls: follow("Adam", cls, start,
                                                lambda step, params: tiny[step]),
                         hint=("eps only matters when sqrt(v_hat) is about as small as eps",
                               "param -= lr * m_hat / (np.sqrt(v_hat) + eps): eps after the root"))
