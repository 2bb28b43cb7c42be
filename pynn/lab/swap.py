"""Train with my layers: the studio's network with the learner's classes in place of pynn's.

The network keeps its architecture and its seed: pynn builds it as usual, then each layer the
learner wrote (ReLU, Dense, Conv2D) takes the place of pynn's, starting from the very same
weights. A correct learner layer therefore trains exactly like pynn's; a wrong one shows it.
A learner's class is built with the sizes of the layer it replaces, as the lab's starter code
takes them: the arguments pynn's class cannot do without, in its order (``Dense(input_units,
output_units)``, ``Conv2D(in_channels, out_channels, kernel_size)``, ``ReLU()``), so a new
exercise for a new layer type needs nothing here. The one exception: the exercise's Conv2D
slides by one pixel without padding, so it only replaces convolutions that do the same.
"""

from __future__ import annotations

import inspect

import numpy as np

from pynn.config import TrainingConfig
from pynn.conv import Conv2D
from pynn.lab.exercise import Exercise
from pynn.lab.notebook_training import as_pynn_layer
from pynn.lab.runner import LearnerCodeError, run_code
from pynn.layers import Layer
from pynn.network import Network


def learner_layers(code: str, exercises: list[Exercise], filename: str | None = None) -> dict[str, type]:
    """The learner's classes in ``code`` for each exercise that can replace a pynn layer:
    ``{"ReLU": <their ReLU>, "Dense": <their Dense>}``. Raises ``LearnerCodeError``."""
    namespace = run_code(code, filename or f"{exercises[0].id}.py")
    found = {}
    for exercise in exercises:
        if exercise.replaces is None:
            raise ValueError(f"exercise {exercise.id!r} does not make a layer the studio can train with")
        cls = exercise.find_target(namespace)
        if not (isinstance(cls, type) and callable(getattr(cls, "forward", None))
                and callable(getattr(cls, "backward", None))):
            raise LearnerCodeError(f"{exercise.target} must be a class with forward and backward")
        found[exercise.replaces] = cls
    return found


def swap_layers(network: Network, classes: dict[str, type]) -> Network:
    """A network like ``network`` in which each layer whose type is a key of ``classes`` is
    the learner's class, with the same parameters (float32 copies) and the same optimizer.
    ``ValueError`` if none of the learner's classes has a layer to replace.

    The swapped network remembers, by position, the pynn layer each learner layer stands in
    for (``pynn.studio.twins.learner_twins``): whatever the learner named their class, it is
    saved, shown and described as the layer it replaced."""
    layers, used, twins = [], set(), {}
    for index, layer in enumerate(network.layers):
        cls = classes.get(type(layer).__name__)
        if cls is None:
            layers.append(layer)
            continue
        try:  # a layer written the notebook's way (its SGD step in backward) is wrapped
            mine = as_pynn_layer(_learner_layer(cls, layer))
        except ValueError as error:
            raise LearnerCodeError(str(error)) from None
        used.add(type(layer).__name__)
        missing = sorted(set(layer.params) - set(mine.params))
        if missing:
            raise LearnerCodeError(f"your {cls.__name__} has no self.params[{missing[0]!r}]: "
                                   f"keep the parameters in self.params as in the starter code")
        for key, value in layer.params.items():
            if np.shape(mine.params[key]) != value.shape:
                raise LearnerCodeError(f"your {cls.__name__}'s params[{key!r}] has shape "
                                       f"{np.shape(mine.params[key])}; pynn's has {value.shape}")
            mine.params[key] = value.astype(np.float32, copy=True)
            mine.grads[key] = np.zeros_like(mine.params[key])
        _declare_shapes(mine, layer)
        layers.append(mine)
        twins[index] = layer
    if not used:
        names = " and ".join(sorted(classes))
        raise ValueError(f"this network has no {names} layer for your {names} to replace"
                         + (": give it convolutions (e.g. the CNN preset) and Reset" if "Conv2D" in classes else ""))
    swapped = Network(layers, network.optimizer)
    swapped.metadata = {**network.metadata, "learner_layers": sorted(used)}
    swapped.learner_twins = twins
    return swapped


def _learner_layer(cls: type, layer: Layer) -> Layer:
    """The learner's ``cls`` built with the sizes of pynn's ``layer``: the values, from its
    ``config()``, of the arguments its class requires (the weights come after)."""
    if isinstance(layer, Conv2D) and (layer.stride, layer.padding) != (1, 0):
        raise ValueError(f"your Conv2D slides by one pixel without padding, but this network's "
                         f"{layer!r} does not: remove the s/p suffixes from Convolutions to "
                         f"train with yours")
    config = layer.config()
    required = [parameter.name for parameter in inspect.signature(type(layer)).parameters.values()
                if parameter.default is parameter.empty]
    return cls(*(config[name] for name in required))


def _declare_shapes(mine: Layer, theirs: Layer) -> None:
    """Tell the network the learner's layer has pynn's layer's shapes (a learner's Dense need
    not declare them), so the chain and the network's input and output are known."""
    if getattr(mine, "input_shape", None) is None and theirs.input_shape is not None:
        mine.input_shape = theirs.input_shape
        mine.output_shape = theirs.output_shape


def build_with_learner_layers(config: TrainingConfig, classes: dict[str, type]) -> Network:
    """``config.build_network()`` (same architecture, seed and initial weights) with the
    learner's classes swapped in."""
    return swap_layers(config.build_network(), classes)
