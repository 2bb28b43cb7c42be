"""Exercise 4: forward, every layer's activation for a batch."""

import numpy as np

from pynn.assignment import forward as reference_forward
from pynn.lab.checks import Failed, compare
from pynn.lab.function_checks import copied, deep_copy, described, small_network, unchanged

TITLE = "forward(network, X)"
ORDER = 4
TARGET = "forward"

SHAPES = [
    "X [batch, 784] → a list of one activation per layer",
    "activations[-1]: the logits [batch, 10]",
]

STATEMENT = """
The network is a plain list of layers, each one applied to what the previous one gave.
forward(network, X) runs a batch X [batch, input_units] through all of them and returns
the list of every layer's output (its activation), in order: one array per layer, the
last being the logits [batch, n_classes].

The input X itself is not in the list: train puts it in front later.
"""

STARTER = '''
import numpy as np


def forward(network, X):
    """The activation of every layer of ``network`` (a list of layers) for the batch X:
    a list as long as the network, the last item being the logits."""
    activations = []
    input = X
    for layer in network:
        # TODO: run the layer on its input, keep its output, and make that output the
        # next layer's input
        pass
    return activations
'''

SOLUTION = '''
import numpy as np


def forward(network, X):
    """The activation of every layer of ``network`` (a list of layers) for the batch X:
    a list as long as the network, the last item being the logits."""
    activations = []
    input = X
    for layer in network:
        activations.append(layer.forward(input))
        input = activations[-1]
    assert len(activations) == len(network)
    return activations
'''

SIZES = (5, 4, 6, 3)  # Dense, ReLU, Dense, ReLU, Dense


def check(target, report):
    rng = np.random.default_rng(0)
    network = small_network(SIZES)
    X = rng.normal(size=(6, SIZES[0]))
    expected = reference_forward(deep_copy(network), X.copy())   # first, on copies
    one_layer = small_network(SIZES[:1] + SIZES[-1:], seed=1)
    x_one = rng.normal(size=(1, SIZES[0]))
    expected_one = reference_forward(deep_copy(one_layer), x_one.copy())
    given = X.copy()
    returned = None

    def one_per_layer():
        nonlocal returned
        returned = copied(target(network, given))
        if isinstance(returned, np.ndarray) and returned.shape == expected[-1].shape:
            raise Failed(f"forward returned {described(returned)}: only the logits; return "
                         f"the list of every layer's activation, the logits last")
        if not isinstance(returned, (list, tuple)):
            raise Failed(f"forward returned {described(returned)}; expected a list of "
                         f"{len(network)} arrays, one per layer")
        if (len(returned) == len(network) + 1 and np.shape(returned[0]) == X.shape
                and np.allclose(np.asarray(returned[0], dtype=float), X)):
            raise Failed(f"your list starts with X itself, then {len(network)} activations: X "
                         f"is the network's input, not a layer's output; leave it out")
        if len(returned) != len(network):
            raise Failed(f"forward returned {len(returned)} activations for a network of "
                         f"{len(network)} layers; expected one per layer")
        return f"{len(network)} activations for {len(network)} layers"

    report.check("returns one activation per layer", one_per_layer, essential=True,
                 hint=("one activation per layer: the list grows by one each time a layer runs",
                       "activations.append(layer.forward(input)) inside the loop"))

    def activations_agree():
        details = []
        for index, (mine, theirs) in enumerate(zip(returned, expected)):
            details.append(compare(f"activations[{index}]", mine, theirs, "expected"))
        return f"{len(details)} activations agree; " + details[-1]

    report.check("every activation agrees with the layers applied in turn", activations_agree,
                 about=("activations",),
                 hint=("each layer's input is the previous layer's output (the first one's is X)",
                       "input = activations[-1] after each layer"))
    def logits_last():
        if np.shape(returned[-1]) != expected[-1].shape:
            raise Failed(f"the last activation has shape {np.shape(returned[-1])}; the logits "
                         f"of this network have shape {expected[-1].shape}")
        return f"shape {np.shape(returned[-1])}: [batch, n_classes]"

    report.check("the last activation is the logits", logits_last,
                 about=("activations",),
                 hint=("the list ends with the last layer's output, the logits",
                       "return activations, with activations[-1] = network[-1].forward(...)"))
    report.check("leaves X as it was", lambda: unchanged(
        "X", given, X, "train still needs X (it goes in front of the activations)")
        or "X unchanged", hint=("train needs X as it was: do not write into X or into an "
                                "activation you already kept", "input = layer.forward(input), "
                                "never input[...] = ... or input += ..."))

    def one_layer_one_example():
        mine = copied(target(one_layer, x_one.copy()))
        if not isinstance(mine, (list, tuple)) or len(mine) != 1:
            raise Failed(f"for a network of one layer forward returned {described(mine)}; "
                         f"expected a list of one activation")
        return compare("activations[0]", mine[0], expected_one[0], "expected")

    report.check("a one-layer network and a batch of one", one_layer_one_example,
                 hint=("no special cases: the same loop works for any number of layers and rows",
                       "for layer in network: ... without indices or sizes"))
