"""What the studio shows and saves of a network in which some layers are the learner's.

``pynn.lab.swap`` puts the learner's classes in a network and remembers, by position, the
pynn layer each one stands in for (``network.learner_twins``). Whatever the learner named
their class, the studio describes it as that layer ("your Dense(784, 256)") and saves it as
one. This module needs nothing of the lab, so the studio starts without importing it.
"""

from __future__ import annotations

import copy

import numpy as np

from pynn.layers import Layer
from pynn.network import Network


def learner_twins(network: Network) -> dict[int, Layer]:
    """``{position: pynn's layer}`` for each learner layer of ``network`` (empty for a
    network of pynn's own layers)."""
    return getattr(network, "learner_twins", {})


def with_pynn_layers(network: Network) -> Network:
    """The same network with pynn's own classes and the current weights: what is saved to a
    model file (pynn's layers know how to describe themselves in one). Each learner layer
    becomes a copy of the pynn layer it replaced, whatever the learner named their class."""
    twins = learner_twins(network)
    layers = []
    for index, layer in enumerate(network.layers):
        if index not in twins:
            layers.append(layer)
            continue
        twin = copy.deepcopy(twins[index])
        for key, value in twin.params.items():
            mine = np.asarray(layer.params.get(key))
            if mine.shape != value.shape:
                raise ValueError(f"your layer {index}'s params[{key!r}] now has shape {mine.shape}; "
                                 f"pynn's {twin!r} has {value.shape}: it cannot be saved as one")
            twin.params[key] = mine.astype(np.float32, copy=True)
        layers.append(twin)
    plain = Network(layers, network.optimizer)
    plain.metadata = dict(network.metadata)
    return plain


def describe(network: Network) -> str:
    """``repr(network)`` with the learner's layers marked: ``[your Dense(784, 256), ...]``."""
    twins = learner_twins(network)
    parts = [f"your {twins[i]!r}" if i in twins else repr(layer) for i, layer in enumerate(network.layers)]
    return f"Network([{', '.join(parts)}])"


def layer_configs(network: Network) -> list[dict]:
    """Each layer's ``config()``; a learner's layer is described as the pynn layer it
    replaced, marked ``"yours": True``."""
    twins = learner_twins(network)
    return [_yours(twins[i]) if i in twins else layer.config() for i, layer in enumerate(network.layers)]


def _yours(twin: Layer) -> dict:
    """The config of pynn's ``twin`` for the learner layer that replaced it: its sizes, and
    no initialiser (the learner's layer started from pynn's weights)."""
    config = {key: value for key, value in twin.config().items() if key != "init"}
    return {**config, "yours": True}
