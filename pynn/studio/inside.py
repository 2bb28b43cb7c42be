"""Inside the network: what one drawing does to each layer, and the network measured like
validation. Values are numpy arrays and plain numbers; ``pynn.studio.bridge`` turns uint8
arrays into bytes.

``layer_activations`` follows one image through the network in eval mode (one forward pass)
and keeps a picture of every stage a person would name: each layer with weights together
with the activation (and dropout) after it, each pooling layer, and the output as
probabilities. ``evaluate_steps`` measures loss and accuracy a piece at a time, so that the
studio's worker answers the page between pieces.
"""

from __future__ import annotations

import numpy as np

from pynn.draw import preprocess_drawing
from pynn.losses import softmax
from pynn.metrics import loss_and_accuracy
from pynn.network import Network

from pynn.studio.report import feature_maps

MAX_MAPS = 32   # feature maps shown per stage (the first ones)


def _stage_label(layer, after) -> str:
    """``"Dense(784, 256) + ReLU"``: the layer and the activation that follows it (dropout,
    which does nothing in eval mode, is left out)."""
    text = repr(layer)
    names = [text if len(text) <= 40 else type(layer).__name__]
    names += [type(other).__name__ for other in after if type(other).__name__ != "Dropout"]
    return " + ".join(names)


def _picture(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """uint8 bytes of one stage and whether they are signed: ink (0 = nothing, 255 = the
    stage's strongest) when no value is negative, else 128 = zero, 0/255 = ∓ the largest."""
    values = np.asarray(values, dtype=np.float64)
    scale = max(float(np.abs(values).max(initial=0.0)), 1e-12)
    if values.min(initial=0.0) >= 0:
        return np.round(255 * values / scale).astype(np.uint8), False
    return np.round(127.5 + 127.5 * values / scale).astype(np.uint8), True


def layer_activations(network: Network, image: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """One ``image`` (784 values) through ``network`` in eval mode: its 10 probabilities and
    the stages, in order, each ``{label, kind, count, side, signed, values}``: ``kind`` is
    ``maps`` (``count`` feature maps of ``side``², at most ``MAX_MAPS``; ``total`` maps in
    all), ``units`` (``count`` values) or ``probabilities`` (the output's softmax);
    ``values`` is uint8 (see ``_picture``), scaled per stage."""
    layers = network.layers
    stages = []
    x = image[None, :]
    with network._mode(False):
        i = 0
        while i < len(layers):
            layer = layers[i]
            x = layer.forward(x)
            i += 1
            has_weights = bool(layer.params)
            if not has_weights and type(layer).__name__ != "MaxPool2D":
                continue                                   # Reshape, Flatten, a lone activation
            after = []
            while has_weights and i < len(layers) and not layers[i].params \
                    and layers[i].output_shape(np.shape(x)[1:]) == np.shape(x)[1:]:
                x = layers[i].forward(x)                   # its activation (and dropout)
                after.append(layers[i])
                i += 1
            if i == len(layers):
                break                                      # the output: shown as probabilities
            stages.append(_stage(_stage_label(layer, after), x[0]))
    probs = softmax(x)[0]
    values, _ = _picture(probs)
    stages.append({"label": "output: probability of each digit", "kind": "probabilities",
                   "count": len(probs), "total": len(probs), "side": 0, "signed": False,
                   "values": values})
    return probs, stages


def _stage(label: str, out: np.ndarray) -> dict:
    if out.ndim == 3:                                      # [maps, side, side]
        shown = out[:MAX_MAPS]
        values, signed = _picture(shown.reshape(-1))
        return {"label": label, "kind": "maps", "count": len(shown), "total": len(out),
                "side": out.shape[-1], "signed": signed, "values": values}
    flat = out.reshape(-1)
    values, signed = _picture(flat)
    return {"label": label, "kind": "units", "count": len(flat), "total": len(flat), "side": 0,
            "signed": signed, "values": values}


def read_drawing(network: Network, ink: bytes, width: int, height: int) -> dict:
    """What ``network`` reads in a drawing: ``ink``, ``width×height`` uint8 values (0 =
    nothing). ``{empty: True}`` for a blank drawing, else ``probs``, ``digit``, the 28×28
    ``input`` the network saw (uint8) and the ``activations`` of each stage (one forward
    pass, ``layer_activations``); for a convnet also its first layer's ``feature_maps``
    (``n_feature_maps`` of ``feature_side``², ``pynn.studio.report.feature_maps``)."""
    if len(ink) != width * height:
        raise ValueError(f"pixels has {len(ink)} values for a {width}×{height} drawing "
                         f"(expected {width * height})")
    image = preprocess_drawing(np.frombuffer(ink, dtype=np.uint8).reshape(height, width))
    if image is None:
        return {"empty": True}
    probs, stages = layer_activations(network, image)
    answer = {"empty": False, "probs": probs.astype(float).tolist(), "digit": int(probs.argmax()),
              "input": np.round(image * 255).astype(np.uint8), "activations": stages}
    maps = feature_maps(network, image)
    if maps is not None:
        answer.update(feature_maps=maps[0], n_feature_maps=len(maps[0]), feature_side=maps[1])
    return answer


def evaluate_steps(network: Network, x: np.ndarray, y: np.ndarray, rows: int):
    """Loss and accuracy of ``network`` on ``x, y`` in eval mode (no dropout; the digits as
    they are), ``rows`` at a time: a generator that yields between pieces and returns
    ``(loss, accuracy)`` as ``StopIteration.value`` (``(None, None)`` for no rows)."""
    if len(x) == 0:
        return None, None
    pieces = []
    for logits in network.logit_pieces(x, rows):
        if pieces:
            yield
        pieces.append(logits)
    loss, accuracy = loss_and_accuracy(np.concatenate(pieces), y)
    return float(loss), float(accuracy)
