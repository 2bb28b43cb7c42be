"""Exercise 3: softmax cross-entropy on logits, and its gradient."""

import numpy as np

from pynn.gradcheck import numerical_gradient
from pynn.lab.checks import Failed, call, compare, precision_of
from pynn.losses import grad_softmax_crossentropy_with_logits as reference_grad
from pynn.losses import softmax_crossentropy_with_logits as reference_loss

TITLE = "Softmax cross-entropy"
ORDER = 3
TARGET = None  # two functions, found by name below
FUNCTIONS = ("softmax_crossentropy_with_logits", "grad_softmax_crossentropy_with_logits")
DEFINES = "the loss functions"

SHAPES = [
    "logits [batch, 10], reference_answers [batch] (integers 0-9)",
    "loss: [batch], one number per example",
    "gradient: [batch, 10], the logits' shape",
]

STATEMENT = r"""
The network's last layer gives logits $a$ [batch, n_classes]: unnormalised scores. The loss
of example $i$ with true class $y_i$ is $-\log \mathrm{softmax}(a_i)_{y_i} = -a_{i, y_i} +
\log \sum_j e^{a_{i, j}}$.

1. softmax_crossentropy_with_logits(logits, reference_answers) returns the loss of each
   example, shape [batch].
2. grad_softmax_crossentropy_with_logits(logits, reference_answers) returns the gradient of
   the MEAN loss with respect to the logits: $(\mathrm{softmax}(a) - \mathrm{onehot}(y)) /
   \mathrm{batch}$.

Both must stay finite for logits of ±1000: $e^{1000}$ overflows. Subtract each row's maximum
before exp — it changes nothing mathematically.
"""

STARTER = '''
import numpy as np


def softmax_crossentropy_with_logits(logits, reference_answers):
    """Loss of each example, shape [batch]."""
    logits_for_answers = logits[np.arange(len(logits)), reference_answers]
    # TODO: -logits_for_answers + the log of each row's sum of exp(logits) (a sum over
    # axis=-1: one number per example), without overflow for logits of ±1000
    return -logits_for_answers


def grad_softmax_crossentropy_with_logits(logits, reference_answers):
    """Gradient of the mean loss with respect to logits, shape [batch, n_classes]."""
    ones_for_answers = np.zeros_like(logits)
    ones_for_answers[np.arange(len(logits)), reference_answers] = 1
    # TODO: the softmax of each row (exp(logits) divided by its row's sum, keepdims=True),
    # without overflow; then (that softmax - ones_for_answers) / the batch size
    return -ones_for_answers / logits.shape[0]
'''

SOLUTION = '''
import numpy as np


def softmax_crossentropy_with_logits(logits, reference_answers):
    """Loss of each example, shape [batch]."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    logits_for_answers = shifted[np.arange(len(logits)), reference_answers]
    return -logits_for_answers + np.log(np.sum(np.exp(shifted), axis=-1))


def grad_softmax_crossentropy_with_logits(logits, reference_answers):
    """Gradient of the mean loss with respect to logits, shape [batch, n_classes]."""
    ones_for_answers = np.zeros_like(logits)
    ones_for_answers[np.arange(len(logits)), reference_answers] = 1
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
    softmax = exp / exp.sum(axis=-1, keepdims=True)
    return (softmax - ones_for_answers) / logits.shape[0]
'''


class Functions:
    """The two functions, found in the learner's module (or given as a tuple)."""

    def __init__(self, loss, grad):
        self.loss, self.grad = loss, grad


def find(namespace: dict):
    from pynn.lab.runner import LearnerCodeError

    missing = [name for name in FUNCTIONS if not callable(namespace.get(name))]
    if missing:
        raise LearnerCodeError(f"your code does not define {' and '.join(missing)}")
    for name in FUNCTIONS:
        module = getattr(namespace[name], "__module__", None)
        if module != namespace["__name__"]:
            where = "pynn" if str(module).split(".")[0] == "pynn" else str(module)
            raise LearnerCodeError(f"{name} comes from {where}, not from your file: write the "
                                   f"function yourself")
    return Functions(*(namespace[name] for name in FUNCTIONS))


def check(target, report):
    if isinstance(target, tuple):
        target = Functions(*target)
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 4)) * 3
    answers = rng.integers(0, 4, size=6)
    # pynn's answers first; the learner's functions get copies (``call``), so an in-place
    # ``logits -= logits.max(...)`` changes only their own copy
    expected_loss, expected_grad = reference_loss(logits.copy(), answers), reference_grad(logits.copy(), answers)

    def shape():
        loss = np.asarray(call(target.loss, logits, answers))
        grad = np.asarray(call(target.grad, logits, answers))
        if loss.shape != (6,):
            raise Failed(f"the loss of a [6, 4] batch has shape {loss.shape}; expected (6,), one per example")
        if grad.shape != (6, 4):
            raise Failed(f"the gradient has shape {grad.shape}; expected the logits' shape (6, 4)")
        return "loss (6,), gradient (6, 4)"

    report.check("output shapes", shape, essential=True, about=("forward",),
                 hint=("the loss has one number per example; the gradient one per logit",
                       "loss [batch] (sum over the classes of each row), gradient [batch, n_classes]"))
    # the loss first: the gradient checks measure the gradient against it
    report.check("loss agrees with pynn's", lambda: compare(
        "loss", call(target.loss, logits, answers), expected_loss, "pynn's"), about=("forward",),
        hint=("each example's loss is minus the log of the probability softmax gives its true class",
              "-logits[i, y_i] + log(sum_j exp(logits[i, j])) for each row i"))

    def assignment():
        x = np.linspace(-1, 1, 500).reshape([50, 10])
        y = np.arange(50) % 10
        eps = precision_of(call(target.loss, x, y)).eps
        numeric = numerical_gradient(lambda: float(np.mean(call(target.loss, x, y))), x, eps)
        return compare("gradient", call(target.grad, x, y), numeric, "numerical", tolerance=1e-3,
                       input=x)

    report.check("the assignment's gradient check", assignment, about=("gradient",),
                 hint=("the gradient is that of the MEAN loss over the batch, not of the sum",
                       "(softmax(logits) - onehot(answers)) / batch"))
    report.check("gradient agrees with pynn's", lambda: compare(
        "gradient", call(target.grad, logits, answers), expected_grad, "pynn's", input=logits),
        about=("gradient",),
        hint=("softmax's probabilities minus 1 at the true class, for the mean loss",
              "(softmax(logits) - onehot(answers)) / batch"))
    for shift in (1e3, -1e3):
        def stable(shift=shift):
            # Adding the same number to every logit of a row changes neither the loss nor
            # its gradient, but exp(1000) overflows and exp(-1000) underflows to 0.
            with np.errstate(all="ignore"):
                compare("loss", call(target.loss, logits + shift, answers), expected_loss, "pynn's")
                compare("gradient", call(target.grad, logits + shift, answers), expected_grad, "pynn's")
            return f"logits {shift:+g} give the same loss and gradient"

        report.check(f"stable for logits {shift:+g}", stable, about=("stability",),
                     hint=("exp(1000) is inf and exp(-1000) is 0: adding one number to a whole "
                           "row of logits changes neither the loss nor the gradient",
                           "subtract each row's maximum from the logits first: "
                           "logits - logits.max(axis=1, keepdims=True)"))
