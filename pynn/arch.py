"""The convolutional part of a recipe, as a short text: ``"conv8x5 pool2 conv16x5 pool2"``.

One word per layer, applied in order to the 28×28 digit before the dense layers:

- ``conv<F>x<K>``: a ``Conv2D`` with ``F`` filters of ``K×K`` (stride 1, no padding), then
  the recipe's activation. Optional suffixes: ``s<S>`` for stride ``S``, ``p<P>`` for ``P``
  pixels of zero padding on each side (``conv8x5p2`` keeps 28×28).
- ``pool<N>``: a ``MaxPool2D`` of ``N×N`` (stride ``N``).

An empty text means no convolutions: the network is a plain MLP, as before. The same text
is the CLI's ``--arch``, the page's "Convolutions" field and ``arch=`` in the URL hash.

>>> parse_arch("conv8x5 pool2 conv16x5 pool2")
(('conv', 8, 5, 1, 0), ('pool', 2), ('conv', 16, 5, 1, 0), ('pool', 2))
>>> arch_shapes(parse_arch("conv8x5 pool2 conv16x5 pool2"))[-1]
(16, 4, 4)
"""

from __future__ import annotations

import re

from pynn.conv import Conv2D, MaxPool2D
from pynn.mnist import IMAGE_SHAPE, SIDE

MAX_FILTERS = 256
MAX_KERNEL = SIDE     # a kernel or a pool window as large as the digit
MAX_LAYERS = 8

MAX_CHARS = 200       # 8 words of at most 16 characters ("conv256x28s28p27"), with room to spare

# Linear-time patterns: each run of digits has one quantifier of its own.
_CONV = re.compile(r"conv([0-9]+)x([0-9]+)(?:s([0-9]+))?(?:p([0-9]+))?")
_POOL = re.compile(r"pool([0-9]+)")
_FORM = "words like 'conv8x5 pool2 conv16x5 pool2' (see docs/ARCHITECTURE.md)"


def parse_arch(text) -> tuple[tuple, ...]:
    """``text`` → ``(("conv", filters, kernel, stride, padding) | ("pool", size), ...)``.

    Raises ``ValueError`` naming the word that is wrong and why (its shape included: a
    5×5 kernel cannot slide over a 4×4 map)."""
    if isinstance(text, (list, tuple)):
        text = " ".join(map(str, text))
    if not isinstance(text, str):
        raise ValueError(f"Convolutions must be {_FORM}, got {text!r}")
    if len(text) > MAX_CHARS:
        raise ValueError(f"Convolutions is too long ({len(text):,} characters): type {_FORM}")
    words = text.replace(",", " ").split()
    if len(words) > MAX_LAYERS:
        raise ValueError(f"Convolutions: at most {MAX_LAYERS} words, got {len(words)}")
    layers = []
    for word in words:
        conv, pool = _CONV.fullmatch(word), _POOL.fullmatch(word)
        if conv:
            filters, kernel = int(conv[1]), int(conv[2])
            stride, padding = int(conv[3] or 1), int(conv[4] or 0)
            if not 1 <= filters <= MAX_FILTERS:
                raise ValueError(f"Convolutions: {word!r} has {filters} filters; use 1 to {MAX_FILTERS}")
            if not 1 <= kernel <= MAX_KERNEL or not 1 <= stride <= kernel or padding >= kernel:
                raise ValueError(f"Convolutions: {word!r} needs a kernel of 1 to {MAX_KERNEL}, a "
                                 f"stride from 1 to the kernel and padding below the kernel")
            layers.append(("conv", filters, kernel, stride, padding))
        elif pool:
            if not 2 <= int(pool[1]) <= MAX_KERNEL:
                raise ValueError(f"Convolutions: {word!r}: pool sizes go from 2 to {MAX_KERNEL}")
            layers.append(("pool", int(pool[1])))
        else:
            raise ValueError(f"Convolutions must be {_FORM}; {word!r} is not one")
    arch_shapes(layers, words)
    return tuple(layers)


def arch_text(layers) -> str:
    """The normal text of parsed layers (``parse_arch(arch_text(x)) == x``)."""
    words = []
    for layer in layers:
        if layer[0] == "pool":
            words.append(f"pool{layer[1]}")
        else:
            _, filters, kernel, stride, padding = layer
            words.append(f"conv{filters}x{kernel}" + (f"s{stride}" if stride != 1 else "")
                         + (f"p{padding}" if padding else ""))
    return " ".join(words)


def arch_shapes(layers, words=None) -> list[tuple[int, int, int]]:
    """The ``(channels, height, width)`` after each layer, starting from the 28×28 digit (the
    sizes from ``Conv2D.output_size`` and ``MaxPool2D.output_size``); ``ValueError`` naming
    the word whose input is too small for it."""
    channels, height, width = IMAGE_SHAPE
    shapes = []
    for i, layer in enumerate(layers):
        word = words[i] if words else arch_text([layer])
        if layer[0] == "conv":
            _, filters, kernel, stride, padding = layer
            channels, window = filters, kernel
            sizes = [Conv2D.output_size(n, kernel, stride, padding) for n in (height, width)]
        else:
            window = layer[1]
            sizes = [MaxPool2D.output_size(n, window) for n in (height, width)]
        if min(sizes) < 1:
            raise ValueError(f"Convolutions: {word!r} needs at least {window}×{window} pixels, "
                             f"but the layers before it leave {height}×{width}")
        height, width = sizes
        shapes.append((channels, height, width))
    return shapes


def conv_costs(layers) -> tuple[int, int]:
    """``(parameters, multiply-adds per example)`` of the convolutions (pools add none)."""
    params = macs = 0
    channels = IMAGE_SHAPE[0]
    for layer, (out_c, out_h, out_w) in zip(layers, arch_shapes(layers)):
        if layer[0] == "conv":
            weights = layer[2] * layer[2] * channels * out_c
            params += weights + out_c
            macs += weights * out_h * out_w
        channels = out_c
    return params, macs
