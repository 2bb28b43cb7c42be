"""What the image layers (``pynn.conv``, ``pynn.pooling``) share: checking a batch of images
``[batch, channels, height, width]`` and naming a size in messages."""

from __future__ import annotations

import numpy as np

from pynn.checks import as_float_array
from pynn.mnist import IMAGE_SHAPE


def sizes_text(sizes) -> str:
    """``(28, None)`` → ``"28×?"``."""
    return "×".join("?" if n is None else str(n) for n in sizes)


def check_images(layer, x, channels: int | None = None) -> np.ndarray:
    """``x`` as a float array of images with ``channels`` channels (any, when ``None``), or
    a ``ValueError`` naming ``layer`` and the shape it got."""
    x = as_float_array(x)
    if x.ndim != 4 or (channels is not None and x.shape[1] != channels):
        image = ((channels or 1), *IMAGE_SHAPE[1:])
        hint = f"; put Reshape({image}) first to feed it rows of pixels" \
            if x.ndim == 2 else ""
        raise ValueError(f"{layer!r} takes images of shape [batch, {channels or 'channels'}, "
                         f"height, width], got shape {x.shape}{hint}")
    return x
