"""Exercise 5: predict, the most likely class of each example."""

import numpy as np

from pynn.assignment import forward as reference_forward
from pynn.lab.checks import Failed
from pynn.lab.function_checks import copied, deep_copy, described, small_network

TITLE = "predict(network, X)"
ORDER = 5
TARGET = "predict"

SHAPES = [
    "X [batch, 784] → labels [batch] (integers)",
]

STATEMENT = """
predict(network, X) returns the class the network finds most likely for each example of
the batch X [batch, input_units]: the index of the largest logit of each row, an integer
label per example, shape [batch].

No softmax is needed: it never changes which logit is the largest. The training loop
compares these labels with the true ones: accuracy = np.mean(predict(network, X) == y).
"""

STARTER = '''
import numpy as np

# forward(network, X) from the previous exercise: paste yours here, or use pynn's
from pynn import forward


def predict(network, X):
    """The most likely class of each row of X: integer labels, shape [batch]."""
    logits = forward(network, X)[-1]
    # TODO: the index of the largest logit of each row
    return logits
'''

SOLUTION = '''
import numpy as np

# forward(network, X) from the previous exercise: paste yours here, or use pynn's
from pynn import forward


def predict(network, X):
    """The most likely class of each row of X: integer labels, shape [batch]."""
    logits = forward(network, X)[-1]
    return logits.argmax(axis=-1)
'''

SIZES = (5, 8, 4)


def check(target, report):
    rng = np.random.default_rng(0)
    network = small_network(SIZES)
    X = rng.normal(size=(10, SIZES[0]))
    logits = reference_forward(deep_copy(network), X.copy())[-1]   # first, on copies
    expected = logits.argmax(axis=-1)
    one_layer = small_network(SIZES[:1] + SIZES[-1:], seed=1)
    x_one = rng.normal(size=(1, SIZES[0]))
    expected_one = reference_forward(deep_copy(one_layer), x_one.copy())[-1].argmax(axis=-1)
    labels = None

    def one_label_per_example():
        nonlocal labels
        labels = copied(target(network, X.copy()))
        shape = np.shape(labels)
        if shape == logits.shape:
            raise Failed(f"predict returned {described(labels)}: a score for every class of "
                         f"every example (the logits or probabilities); return the index of "
                         f"the largest in each row: .argmax(axis=-1)")
        if shape == (logits.shape[1],):
            raise Failed(f"predict returned {len(labels)} labels for a batch of {len(X)}: "
                         f"argmax(axis=0) picks an example per class; the class of each "
                         f"example is argmax(axis=-1)")
        if shape != expected.shape:
            raise Failed(f"predict returned {described(labels)}; expected one label per "
                         f"example, shape {expected.shape}")
        return f"shape {shape}"

    report.check("returns one label per example", one_label_per_example, essential=True,
                 hint=("one label per example: the class whose logit is the largest",
                       "forward(network, X)[-1].argmax(axis=-1)"))

    def whole_numbers():
        kind = np.asarray(labels).dtype.kind
        if kind not in "iu":
            raise Failed(f"predict returned {np.asarray(labels).dtype} values; labels are "
                         f"integers (class 3, not 3.0 or a probability)")
        return f"{np.asarray(labels).dtype} labels"

    report.check("labels are integers", whole_numbers,
                 hint=("a label is the index of a class, a whole number", "argmax gives integers"))

    def agrees():
        wrong = np.flatnonzero(np.asarray(labels) != expected)
        if wrong.size:
            i = int(wrong[0])
            raise Failed(f"{wrong.size} of {len(expected)} labels differ; example {i}: yours "
                         f"{labels[i]}, but its largest logit is class {expected[i]}")
        return f"{len(expected)} labels, each the argmax of its row of logits"

    report.check("each label is the class with the largest logit", agrees,
                 hint=("the logits are the network's last activation; the label is the "
                       "position of the largest one in each row",
                       "logits = forward(network, X)[-1]; then .argmax(axis=-1)"))

    def one_layer_one_example():
        mine = np.asarray(copied(target(one_layer, x_one.copy())))
        if mine.shape != (1,):
            raise Failed(f"for a batch of one, predict returned {described(mine)}; expected "
                         f"one label in an array of shape (1,)")
        if mine[0] != expected_one[0]:
            raise Failed(f"for a one-layer network predict returned {mine[0]}; its largest "
                         f"logit is class {expected_one[0]}")
        return "one label, shape (1,)"

    report.check("a one-layer network and a batch of one", one_layer_one_example,
                 hint=("keep the batch axis: one label per row, even for a single row",
                       "argmax(axis=-1), without squeeze"))
