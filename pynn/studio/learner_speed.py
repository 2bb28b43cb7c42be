"""Why the learner's layers train slower than pynn's, in words the lab shows beside the ETA.

``limits.check_learner_speed`` times a training step of the network with the learner's layers
beside the same network with pynn's; this module says what the learner's layers do that
pynn's do not, each reason only when it is true of this network and this code:

- the first layer with parameters is theirs and computes ``grad_input`` (the gradient for
  the network's input), which nobody uses: pynn's network asks its first layer only for its
  own gradients (``Layer.compute_grads``), and pynn's Dense and Conv2D skip ``grad_input``;
- in the browser, pynn's layers multiply through ``pynn.ops.matmul`` (pynn's WebAssembly
  SIMD kernel, or numpy's einsum), while a learner's ``@`` or ``np.dot`` runs numpy's own
  matrix product, which has no BLAS in WebAssembly;
- their ``forward`` or ``backward`` has Python loops (named with their line);
- their layer returns float64 numbers, where pynn's network works in float32;
- their layer is written the notebook's way, so every step the studio copies its weights to
  turn its update back into a gradient (``pynn.lab.notebook_training``).

>>> learner_speed(3.14, ["your Dense also computes grad_input"])["words"]
"Your layers make a training step 3.1× as long as pynn's: your Dense also computes grad_input."
"""

from __future__ import annotations

import ast
import copy
import inspect
import math
import textwrap

import numpy as np

from pynn import ops
from pynn.lab.notebook_training import NotebookLayer
from pynn.layers import Layer
from pynn.studio.twins import learner_twins

ABOUT_AS_FAST = 1.15   # a slowdown below this reads as "about as long as pynn's"
LOOPS = (ast.For, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def learner_speed(slowdown: float, reasons: list[str]) -> dict:
    """The answer the page shows: ``{slowdown, words}``; ``words`` is one sentence (or two)."""
    figure = round(slowdown, 1)
    if slowdown < ABOUT_AS_FAST:
        words = f"Your layers make a training step about as long as pynn's ({figure:.1f}×)."
        if reasons:
            words += f" What they do differently: {'; '.join(reasons)}."
    else:
        words = f"Your layers make a training step {figure:.1f}× as long as pynn's"
        words += f": {'; '.join(reasons)}." if reasons else "."
    return {"slowdown": figure, "words": words}


def slowdown_reasons(network) -> list[str]:
    """What the learner's layers in ``network`` do that pynn's do not (see the module's
    docstring). Runs the learner's code (one forward pass of two examples, on a copy): call
    it as a guest."""
    twins = learner_twins(network)
    reasons = []
    # the learner's class for each type of pynn layer it replaces (a convnet has two Conv2D)
    mine = {type(twins[i]).__name__: (_learner_class(network.layers[i]), bool(twins[i].params))
            for i in sorted(twins)}
    slow_products = sorted(name for name, (cls, weighted) in mine.items()
                           if weighted and not _uses_pynn_products(cls))
    if ops.IN_WEBASSEMBLY and slow_products:
        names = " and ".join(slow_products)
        reasons.append(f"pynn's {names} multipl{'y' if len(slow_products) > 1 else 'ies'} matrices "
                       f"through pynn.ops.matmul ({ops.products()}); yours with numpy's own "
                       f"products (@, np.dot), which have no BLAS in the browser")
    first = next((i for i, layer in enumerate(network.layers) if layer.params), None)
    if first in twins and _computes_grad_input(network.layers[first], twins[first]):
        name = type(twins[first]).__name__
        inputs = f"the {math.prod(network.input_shape):,} inputs" if network.input_shape else "the inputs"
        reasons.append(f"your {name}, the first layer, also computes grad_input (the gradient for "
                       f"{inputs} of each example), which nobody uses: pynn's {name} skips it")
    for name, (cls, _) in sorted(mine.items()):
        line = _first_loop_line(cls)
        if line is not None:
            reasons.append(f"your {name} runs Python loops (line {line}), where pynn's works on "
                           f"whole arrays")
    for name in _float64_outputs(network, twins):
        reasons.append(f"your {name} returns float64 numbers, twice the size of pynn's float32 ones")
    notebook = sorted({type(twins[i]).__name__ for i in twins if isinstance(network.layers[i], NotebookLayer)})
    if notebook:
        reasons.append(f"your {' and '.join(notebook)} updates its own weights (the notebook's way), "
                       f"so the studio copies them every step to turn the update back into a gradient")
    return reasons


def _learner_class(layer) -> type:
    return type(layer.inner) if isinstance(layer, NotebookLayer) else type(layer)


def _computes_grad_input(layer, twin) -> bool:
    """Whether the learner's first layer computes ``grad_input`` where pynn's ``twin`` skips
    it: theirs has no ``compute_grads`` of its own (pynn's ``Layer``'s calls ``backward``)."""
    skips = type(twin).compute_grads is not Layer.compute_grads
    own = getattr(type(layer), "compute_grads", None)
    return skips and (isinstance(layer, NotebookLayer) or own is None or own is Layer.compute_grads)


def _uses_pynn_products(cls: type) -> bool:
    """Whether the learner's module has pynn's products at hand (``pynn.ops`` or its
    ``matmul``)."""
    names = getattr(getattr(cls, "forward", None), "__globals__", {})
    return any(value is ops or value is ops.matmul for value in names.values())


def _first_loop_line(cls: type) -> int | None:
    """The line (in the learner's file) of the first Python loop in ``forward`` or
    ``backward``, or None (also when their source cannot be read)."""
    lines = []
    for name in ("forward", "backward"):
        method = getattr(cls, name, None)
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
            start = method.__code__.co_firstlineno
        except (OSError, TypeError, SyntaxError, AttributeError):
            continue
        lines += [start + node.lineno - 1 for node in ast.walk(tree) if isinstance(node, LOOPS)]
    return min(lines, default=None)


def _float64_outputs(network, twins: dict) -> list[str]:
    """The learner's layers (by the name of the layer they replace) whose forward returns
    float64 on a float32 input: two random examples through a copy of ``network``."""
    names = []
    activation = np.random.default_rng(0).random((2, *network.input_shape), dtype=np.float32)
    for index, layer in enumerate(copy.deepcopy(network).layers):
        given = activation.dtype
        activation = layer.forward(activation)
        if index in twins and given == np.float32 and np.asarray(activation).dtype == np.float64:
            names.append(type(twins[index]).__name__)
        activation = np.asarray(activation)
    return sorted(set(names))
