"""Exercise 6: train, one step of gradient descent on a batch by backpropagation."""

import numpy as np

from pynn.assignment import forward as reference_forward
from pynn.gradcheck import numerical_gradient
from pynn.lab.checks import Failed, compare
from pynn.lab.function_checks import copied, deep_copy, described, scalar, small_network
from pynn.lab.reference_layers import NotebookDense, NotebookReLU, SelfUpdating
from pynn.layers import Dense, Layer
from pynn.losses import grad_softmax_crossentropy_with_logits as reference_grad
from pynn.losses import softmax_crossentropy_with_logits as reference_loss

TITLE = "train(network, X, y)"
ORDER = 6
TARGET = "train"

SHAPES = [
    "X [batch, 784], y [batch] → the mean loss (one number)",
    "layer_inputs = [X] + activations: layer_inputs[i] goes into network[i]",
]

STATEMENT = """
train(network, X, y) makes one training step on the batch X [batch, input_units] with its
labels y [batch], and returns the batch's mean loss:

1. activations = forward(network, X); the logits are the last one.
2. the loss of each example and the gradient of the mean loss with respect to the logits:
   softmax_crossentropy_with_logits and grad_softmax_crossentropy_with_logits (given by the
   assignment: copy them into your file, or import them from pynn).
3. backward through the layers from the last to the first: layer i gets its own input
   (layer_inputs = [X] + activations, so layer_inputs[i] is network[i]'s input) and the
   gradient of its output, and returns the gradient of its input for the layer before it.

The layers take their SGD step inside backward, as the assignment's Dense does: once every
backward has run, the network has learned from the batch.
"""

STARTER = '''
import numpy as np

# Given by the assignment: copy them here, or use pynn's
from pynn import softmax_crossentropy_with_logits, grad_softmax_crossentropy_with_logits
# forward(network, X) from the forward exercise: paste yours here, or use pynn's
from pynn import forward


def train(network, X, y):
    """One step of SGD on the batch X, y; returns the mean loss of the batch."""
    layer_activations = forward(network, X)
    layer_inputs = [X] + layer_activations   # layer_inputs[i] is network[i]'s input
    logits = layer_activations[-1]
    loss = softmax_crossentropy_with_logits(logits, y)
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)
    # TODO: call backward on every layer, from the last to the first, handing each the
    # gradient the layer after it returned
    return np.mean(loss)
'''

SOLUTION = '''
import numpy as np

# Given by the assignment: copy them here, or use pynn's
from pynn import softmax_crossentropy_with_logits, grad_softmax_crossentropy_with_logits
# forward(network, X) from the forward exercise: paste yours here, or use pynn's
from pynn import forward


def train(network, X, y):
    """One step of SGD on the batch X, y; returns the mean loss of the batch."""
    layer_activations = forward(network, X)
    layer_inputs = [X] + layer_activations   # layer_inputs[i] is network[i]'s input
    logits = layer_activations[-1]
    loss = softmax_crossentropy_with_logits(logits, y)
    loss_grad = grad_softmax_crossentropy_with_logits(logits, y)
    for layer_i in range(len(network))[::-1]:
        loss_grad = network[layer_i].backward(layer_inputs[layer_i], loss_grad)
    return np.mean(loss)
'''

SIZES = (4, 5, 3)  # Dense, ReLU, Dense
NEEDS = ("your train calls forward and the two loss functions: the assignment gives "
         "softmax_crossentropy_with_logits and grad_softmax_crossentropy_with_logits; copy "
         "them into your file or `from pynn import softmax_crossentropy_with_logits, "
         "grad_softmax_crossentropy_with_logits` (and `from pynn import forward` if you have "
         "not pasted yours)")


def other_network() -> list:
    """A deeper network whose first layer is pynn's Dense, put under the assignment's
    contract (its step inside backward)."""
    rng = np.random.default_rng(2)
    first = Dense(3, 6, rng=rng, dtype=np.float64)
    first.params["W"][...] = rng.normal(size=(3, 6)) * 0.5
    first.params["b"][...] = rng.normal(size=6) * 0.1
    return [SelfUpdating(first), NotebookReLU()] + small_network((6, 5, 2), seed=3)


def check(target, report):
    rng = np.random.default_rng(0)
    network = small_network(SIZES)
    X, y = rng.normal(size=(6, SIZES[0])), rng.integers(0, SIZES[-1], size=6)
    expected = Expected(network, X, y)                      # everything expected, first
    deeper = other_network()
    x2, y2 = rng.normal(size=(2, 3)), np.array([1, 0])
    expected_deeper = Expected(deeper, x2, y2)
    run = None

    def runs():
        nonlocal run
        run = run_train(target, network, X, y, expected)
        return f"train ran on {network_text(network)}"

    report.check("train runs on a small network", runs, essential=True, hint=NEEDS)
    report.check("backward from the last layer to the first", lambda: run.verdict("order"),
                 essential=True, hint=("the gradient flows backwards: the last layer first",
                                       "for layer_i in range(len(network))[::-1]: ..."))
    report.check("each backward gets its layer's input", lambda: run.verdict("input"),
                 essential=True, hint=("backward needs what went into its layer, not what "
                                       "came out", "layer_inputs = [X] + layer_activations; "
                                       "network[i]'s input is layer_inputs[i]"))
    report.check("each backward gets the gradient of its layer's output",
                 lambda: run.verdict("gradient"), essential=True,
                 hint=("start from the loss's gradient and hand each layer what the layer "
                       "after it returned", "loss_grad = grad_softmax_crossentropy_with_logits"
                       "(logits, y), then loss_grad = layer.backward(input, loss_grad)"))

    def mean_loss():
        if isinstance(run.returned, np.ndarray) and run.returned.shape == (len(X),):
            raise Failed(f"train returned the loss of every example (shape "
                         f"{run.returned.shape}); return their mean: np.mean(loss)")
        value = scalar(run.returned, "what train returned")
        if np.isclose(value, expected.loss * len(X)) and not np.isclose(value, expected.loss):
            raise Failed(f"train returned {value:.6g}, the sum of the {len(X)} losses; return "
                         f"their mean, {expected.loss:.6g}")
        if not np.isclose(value, expected.loss, rtol=1e-6, atol=1e-9):
            raise Failed(f"train returned {value:.6g}; the mean loss of the batch (before the "
                         f"step) is {expected.loss:.6g}")
        return f"{value:.6g}"

    report.check("returns the mean loss of the batch", mean_loss,
                 hint=("the mean over the batch of the loss of the logits, before any backward",
                       "return np.mean(loss)"))
    report.check("one step of SGD with the true gradients", lambda: expected.compare_step(run),
                 hint=("every parameter moves once, through its layer's backward, downhill on "
                       "the MEAN loss", "call each layer's backward exactly once, with the "
                       "gradient of the mean loss (the given grad function divides by the batch)"))

    def deeper_network():
        again = run_train(target, deeper, x2, y2, expected_deeper)
        for what in ("order", "input", "gradient"):
            again.verdict(what)
        return expected_deeper.compare_step(again)

    report.check("the same on a deeper network (pynn's Dense first) and a batch of two",
                 deeper_network, hint=("nothing in train depends on the sizes or the number of "
                                       "layers", "loop over the network as it is, without fixed "
                                       "numbers"))



def network_text(network) -> str:
    return "[" + ", ".join(repr(layer) for layer in network) + "]"


def parameters(network):
    """``(name, array, learning_rate)`` of every parameter, as it is now (the assignment's
    Dense puts new arrays in ``weights`` and ``biases`` at every step)."""
    for index, layer in enumerate(network):
        layer = getattr(layer, "recorded", layer)
        if isinstance(layer, NotebookDense):
            yield f"network[{index}].weights", layer.weights, layer.learning_rate
            yield f"network[{index}].biases", layer.biases, layer.learning_rate
        elif isinstance(layer, SelfUpdating):
            for key, array in layer.layer.params.items():
                yield f"network[{index}].params[{key!r}]", array, layer.learning_rate


class Expected:
    """What one correct ``train(network, X, y)`` does, worked out before the learner's runs:
    each layer's input and output gradient, the mean loss, and every parameter after one SGD
    step along central differences of the mean loss (no backward of anyone's involved)."""

    def __init__(self, network, X, y):
        self.batch, self.n_layers = len(X), len(network)
        probe = deep_copy(network)
        self.activations = reference_forward(probe, X.copy())
        self.inputs = [X.copy()] + self.activations
        logits = self.activations[-1]
        self.loss = float(np.mean(reference_loss(logits, y)))
        grad, self.grad_outputs = reference_grad(logits, y), [None] * len(network)
        for index in reversed(range(len(network))):
            self.grad_outputs[index] = grad
            grad = deep_copy(probe[index]).backward(self.inputs[index], grad)

        def mean_loss() -> float:
            return float(np.mean(reference_loss(reference_forward(probe, X)[-1], y)))

        self.before, self.after = {}, {}
        for name, array, learning_rate in parameters(probe):
            self.before[name] = array.copy()
            self.after[name] = array - learning_rate * numerical_gradient(mean_loss, array)

    def compare_step(self, run) -> str:
        """Detail text if every parameter of ``run`` moved as expected, else ``Failed``."""
        mine = {name: run.params[name] - before for name, before in self.before.items()}
        expected = {name: self.after[name] - before for name, before in self.before.items()}
        if not any(np.any(step) for step in mine.values()):
            raise Failed("train left every weight as it was: the layers learn inside their "
                         "backward, so train must call every layer's backward")
        flat_mine = np.concatenate([step.ravel() for step in mine.values()])
        flat_expected = np.concatenate([step.ravel() for step in expected.values()])
        ratio = float(flat_mine @ flat_expected / (flat_expected @ flat_expected))
        if abs(ratio - self.batch) < 0.01 * self.batch and self.batch > 1:
            raise Failed(f"every weight moved {self.batch} times too far ({self.batch} "
                         f"examples): the gradient was not divided by the batch size; "
                         f"grad_softmax_crossentropy_with_logits does that")
        if abs(ratio - 2) < 0.02:
            raise Failed("every weight moved twice as far as one step: a step was taken twice "
                         "(backward called twice, or a step added after backward)")
        for name in self.before:
            compare(f"the change of {name}", mine[name], expected[name], "expected")
        return f"{len(mine)} parameters moved by -learning_rate × their gradient"


class WrongCall(Exception):
    """Raised into the learner's train when a backward call is already known to be wrong."""


class Recorder(Layer):
    """One of the network's layers, noting each ``backward`` call for ``run``."""

    def __init__(self, layer, index: int, run: "Run"):
        super().__init__()
        self.recorded, self.index, self.run = layer, index, run

    def forward(self, input):
        return self.recorded.forward(input)

    def backward(self, input, grad_output):
        self.run.called(self.index, copied(input), copied(grad_output))
        return self.recorded.backward(input, grad_output)

    def __repr__(self):
        return repr(self.recorded)


class Run:
    """One call of the learner's ``train``: what it returned, the order of its backward
    calls, what each one got (``problems``: the first thing wrong, by kind) and the
    parameters afterwards."""

    def __init__(self, expected: Expected):
        self.expected, self.calls, self.problems = expected, [], {}
        self.returned, self.params = None, {}

    def verdict(self, kind: str) -> str:
        if kind in self.problems:
            raise Failed(self.problems[kind])
        last = self.expected.n_layers - 1
        return {"order": f"backward on network[{last}] down to network[0]"
                if len(self.calls) > last else f"backward started on the last layer, network[{last}]",
                "input": "each layer got layer_inputs[i]",
                "gradient": "the loss gradient, then each layer's grad_input"}[kind]

    def problem(self, kind: str, message: str, stop: bool = True) -> None:
        self.problems.setdefault(kind, message)
        if stop:
            raise WrongCall(message)

    def called(self, index: int, input, grad_output) -> None:
        expected, n = self.expected, self.expected.n_layers
        self.calls.append(index)
        if len(self.calls) > n:
            self.problem("order", f"backward ran {len(self.calls)} times for {n} layers: once "
                                  f"per layer, from the last to the first")
        wanted = n - len(self.calls)
        if index != wanted:
            first = (f"backward was called first on network[{index}]" if len(self.calls) == 1
                     else f"after network[{self.calls[-2]}], backward was called on "
                          f"network[{index}]")
            self.problem("order", f"{first}; expected network[{wanted}]: the gradient flows "
                                  f"from the loss back, from the last layer to the first")
        if not _same(input, expected.inputs[index]):
            own_output = _same(input, expected.activations[index])
            self.problem("input", f"network[{index}].backward got " + (
                f"network[{index}]'s own output (layer_activations[{index}]); it needs its "
                f"input, layer_inputs[{index}]" if own_output else
                f"{described(input)} that is not its input, layer_inputs[{index}]"))
        wanted_grad = expected.grad_outputs[index]
        if np.shape(grad_output) != wanted_grad.shape:
            self.problem("gradient", f"network[{index}].backward got a gradient of shape "
                                     f"{np.shape(grad_output)}; its output, and so the gradient "
                                     f"of its output, has shape {wanted_grad.shape}")
        if not np.allclose(grad_output, wanted_grad, rtol=1e-7, atol=1e-12):
            ratio = float(np.sum(grad_output * wanted_grad) / np.sum(wanted_grad ** 2))
            if abs(ratio - expected.batch) < 0.01 * expected.batch and expected.batch > 1:
                why = (f"{expected.batch} times the gradient of the mean loss: divide by the "
                       f"batch size, as grad_softmax_crossentropy_with_logits does")
            else:
                try:
                    compare("grad_output", grad_output, wanted_grad, "expected")
                    why = "a gradient that is not the loss's"
                except Failed as failure:
                    why = f"the wrong gradient: {failure}"
            self.problem("gradient", f"network[{index}].backward got {why}", stop=False)


def _same(a, b) -> bool:
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-9, atol=1e-12)


def run_train(target, network, X, y, expected: Expected) -> Run:
    """The learner's ``train`` on a copy of ``network`` whose layers note their backward
    calls; its own errors go through (the check shows them), ``WrongCall`` does not."""
    run = Run(expected)
    layers = [Recorder(layer, index, run) for index, layer in enumerate(deep_copy(network))]
    try:
        run.returned = copied(target(layers, X.copy(), y.copy()))
    except WrongCall:
        pass
    missing = [index for index in range(len(network)) if index not in run.calls]
    if missing and not run.problems:
        run.problems["order"] = (f"backward never ran on network[{missing[0]}]: every layer's "
                                 f"backward must run, down to network[0]")
    run.params = {name: array.copy() for name, array, _ in parameters(layers)}
    return run
