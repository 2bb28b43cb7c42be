"""The shape of one sample through a stack of layers: what ``Network`` checks when it is built.

Shapes leave out the batch axis: ``(784,)`` for a row of pixels, ``(8, 24, 24)`` for eight
24×24 maps; ``None`` is a shape (or, inside one, a size) that nobody knows yet.
"""

from __future__ import annotations

from pynn.layers import Layer


def shape_text(shape) -> str:
    """``(8, 24, 24)`` → ``"8×24×24"``; a size nobody knows yet (``None``) shows as ``?``."""
    return "×".join("?" if n is None else str(n) for n in shape)


def fits(shape: tuple, need: tuple) -> bool:
    """Whether one sample of ``shape`` fits a layer that takes ``need`` (``None``: any size)."""
    return len(shape) == len(need) and all(b is None or a is None or a == b
                                           for a, b in zip(shape, need))


def chain_shapes(layers: list[Layer]) -> tuple[tuple | None, tuple | None]:
    """The ``(input_shape, output_shape)`` of one sample through ``layers``, or ``ValueError``
    naming the two layers whose shapes do not fit. ``None`` where a shape is unknown (a layer
    with parameters that does not declare its shapes), and in a shape where one size is
    (``(1, None, None)``: one channel, any height and width)."""
    first, shape, source = None, None, 0
    for i, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            raise TypeError(f"layer {i} must be a pynn Layer, got {layer!r}")
        need = layer.input_shape
        if need is not None:
            if shape is not None and not fits(shape, need):
                what = f"{need[0]} values" if len(need) == 1 else f"shape {shape_text(need)}"
                raise ValueError(f"layer {i} {layer!r} takes inputs of {what}, but layer "
                                 f"{source} {layers[source]!r} gives {shape_text(shape)}")
            if first is None and all(not l.params for l in layers[:i]):
                first = tuple(need)
        given = need if shape is None else shape
        try:
            new_shape = layer.output_shape(given)
        except ValueError as error:  # e.g. a kernel larger than the image
            raise ValueError(f"layer {i} {layer!r} cannot take the {shape_text(given)} output "
                             f"of layer {source} {layers[source]!r}: {error}") from None
        if need is not None or layer.params or new_shape != shape:
            source = i  # the layer that set the shape (not a ReLU that passes it on)
        shape = new_shape
    return first, shape
