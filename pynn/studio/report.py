"""The studio's pictures of a network on the test split: what the gallery, the confusion
matrix and the weight maps show. Values are numpy arrays and plain numbers; ``pynn.studio.bridge``
turns uint8 arrays into bytes."""

from __future__ import annotations

import copy

import numpy as np

from pynn.data import DigitSplits
from pynn.losses import softmax
from pynn.metrics import confusion_matrix, confusion_percent, loss_and_accuracy
from pynn.mnist import INPUT_UNITS, SIDE
from pynn.network import Network

N_WEIGHT_IMAGES = 32  # first-layer units shown as 28×28 pictures


def split_report_steps(network: Network, data: DigitSplits, rows: int):
    """The network on the test split, computed ``rows`` digits at a time: a generator that
    yields between pieces (the studio's worker answers the page between pieces) and
    returns the report as ``StopIteration.value``:

    ``test_loss``, ``test_accuracy``; each test digit's ``predicted`` label and
    ``confidence`` (uint8, 0–100); the wrong ones as ``mistakes`` (indices, most confident
    first); the ``confusion`` matrix (row = true digit) and its rows as whole per cents
    (``confusion_percent``); and ``weight_images``: the first layer's weights as
    ``n_weight_images`` uint8 maps of ``weight_side``² (128 = zero, each scaled by its largest
    weight; see ``weight_images``) and ``weight_kind``: ``filters`` or ``units``, of which
    the layer has ``n_weight_total`` (the pictures are of the first ones)."""
    x, y = data.X_test, data.y_test
    pieces = []
    for logits in network.logit_pieces(x, rows):   # one forward pass serves all of it
        if pieces:
            yield   # between pieces: the last one and the summary go together
        pieces.append(logits)
    logits = np.concatenate(pieces)
    loss, accuracy = loss_and_accuracy(logits, y)
    probs = softmax(logits)
    predicted = probs.argmax(axis=1)
    confidence = probs.max(axis=1)
    wrong = np.flatnonzero(predicted != y)
    mistakes = wrong[np.argsort(-confidence[wrong], kind="stable")]
    confusion = confusion_matrix(y, predicted)
    images, side = weight_images(network)
    return {"test_loss": float(loss), "test_accuracy": float(accuracy),
            "predicted": predicted.astype(np.uint8),
            "confidence": np.round(confidence * 100).astype(np.uint8),
            "mistakes": mistakes.tolist(),
            "confusion": confusion.tolist(),
            "confusion_percent": confusion_percent(confusion).tolist(),
            "weight_images": images, "n_weight_images": len(images), "weight_side": side,
            "weight_kind": "units" if _first_conv(network) is None else "filters",
            "n_weight_total": first_layer_width(network)}


def frozen_copy(network: Network) -> Network:
    """A copy of ``network``'s layers and weights (not its optimizer's state) that training
    the original cannot change: what a report computed in pieces looks at."""
    frozen = Network(copy.deepcopy(network.layers))
    frozen.metadata = dict(network.metadata)
    return frozen


def _first_conv(network: Network) -> int | None:
    """The index of the first layer with 4-D weights (a convolution, pynn's or a learner's)."""
    return next((i for i, layer in enumerate(network.layers) if np.ndim(layer.params.get("W")) == 4), None)


def weight_images(network: Network, count: int = N_WEIGHT_IMAGES) -> tuple[np.ndarray, int]:
    """The first layer's weights as pictures, and their side: for a convnet, its first
    ``Conv2D``'s filters (``k×k`` each, one per filter, first input channel); otherwise the
    first ``count`` units of the first layer with a weight matrix on the 784 pixels (pynn's
    Dense or a learner's), 28×28 each. uint8 ``[n, side·side]``, 128 = zero, each picture
    scaled by its largest weight; none (side 0) if no layer has weights on the pixels."""
    conv = _first_conv(network)
    if conv is not None:                                     # Conv2D [filters, channels, k, k]
        maps = np.asarray(network.layers[conv].params["W"], dtype=np.float64)[:count, 0]
        return _signed_bytes(maps.reshape(len(maps), -1)), maps.shape[-1]
    for layer in network.layers:
        w = layer.params.get("W")
        if np.ndim(w) == 2 and np.shape(w)[0] == INPUT_UNITS:   # Dense [784, units]
            return _signed_bytes(np.asarray(w, dtype=np.float64)[:, :count].T), SIDE
    return np.zeros((0, 0), np.uint8), 0


def first_layer_width(network: Network) -> int:
    """How many filters (a convnet) or units the layer ``weight_images`` pictures has."""
    conv = _first_conv(network)
    if conv is not None:
        return int(np.shape(network.layers[conv].params["W"])[0])
    for layer in network.layers:
        w = layer.params.get("W")
        if np.ndim(w) == 2 and np.shape(w)[0] == INPUT_UNITS:
            return int(np.shape(w)[1])
    return 0


def feature_maps(network: Network, image: np.ndarray, count: int = N_WEIGHT_IMAGES):
    """What a convnet's first layer makes of one ``image`` (784 values): the maps after the
    first ``Conv2D`` and its activation, uint8 ``[n, side·side]`` (0 = nothing, 255 = the
    strongest response in any map), and their side; ``None`` for a network without convolutions."""
    conv = _first_conv(network)
    if conv is None:
        return None
    x = image[None, :]
    with network._mode(False):
        for layer in network.layers[:conv + 1]:
            x = layer.forward(x)
        after = network.layers[conv + 1:conv + 2]
        if after and not after[0].params:                    # its activation, if that is next
            activated = after[0].forward(x)
            x = activated if np.shape(activated) == np.shape(x) else x
    maps = np.maximum(x[0, :count], 0).astype(np.float64)
    scale = max(float(maps.max()), 1e-12)
    return np.round(255 * maps / scale).astype(np.uint8).reshape(len(maps), -1), maps.shape[-1]


def _signed_bytes(rows: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(rows).max(axis=1, keepdims=True), 1e-12)
    return np.round(127.5 + 127.5 * (rows / scale)).astype(np.uint8)


def gallery_images(data: DigitSplits) -> dict:
    """The test digits as uint8 ``images`` (784 per digit), their ``labels`` and ``count``."""
    return {"images": np.round(data.X_test * 255).astype(np.uint8),
            "labels": data.y_test.astype(np.uint8), "count": len(data.y_test)}
