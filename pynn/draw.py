"""A digit drawn on a canvas → a 28×28 input that looks like an MNIST digit.

MNIST digits were made this way: crop to the ink, scale the longer side to 20 pixels keeping
the aspect ratio (anti-aliased), and place the result in a 28×28 image so that its centre of
mass is at the centre. A network trained on MNIST expects exactly that, so a digit drawn
small in a corner must go through the same steps before the network sees it.
"""

from __future__ import annotations

import numpy as np

from pynn.checks import check_array
from pynn.mnist import SIDE

BOX = 20
INK_THRESHOLD = 0.5 / 255  # below half a grey level a pixel counts as background


def area_resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``[n_out, n_in]`` weights that average each output pixel over the input pixels it
    covers (with partial coverage at the edges): area averaging, not nearest neighbour."""
    edges = np.arange(n_out + 1) * (n_in / n_out)          # output pixel i spans [e_i, e_i+1)
    start, stop = edges[:-1, None], edges[1:, None]
    left = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(stop, left + 1) - np.maximum(start, left), 0, None)
    return overlap / (n_in / n_out)


def area_resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a 2-D image to ``height × width`` by area averaging."""
    rows = area_resize_matrix(image.shape[0], height)
    cols = area_resize_matrix(image.shape[1], width)
    return rows @ image @ cols.T


def preprocess_drawing(image) -> np.ndarray | None:
    """Turn a grayscale drawing into the network's input, or ``None`` if nothing is drawn.

    Args:
        image: 2-D array ``[height, width]`` of any size, ink bright on a dark background:
            uint8 0–255, or floats in [0, 1] (or 0–255). Anything else (negative or NaN
            pixels, another number of dimensions) raises ``ValueError``.

    Returns a float32 array ``[784]`` in [0, 1] (the 28×28 image, row by row, its brightest
    pixel scaled to 1), or ``None`` for an empty canvas.
    """
    ink = check_array("image", image).astype(np.float64)
    if ink.ndim != 2 or min(ink.shape) == 0:
        raise ValueError(f"image must be a 2-D grayscale image [height, width], got shape {ink.shape}")
    low, high = ink.min(), ink.max()
    if low < 0 or high > 255:
        raise ValueError(f"image pixel values must be from 0 to 255 (or 0 to 1), got values "
                         f"from {low:g} to {high:g}")
    if np.asarray(image).dtype.kind in "ui" or high > 1:
        ink = ink / 255.0
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    if rows.size == 0:
        return None
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = BOX / max(crop.shape)
    height = max(1, round(crop.shape[0] * scale))
    width = max(1, round(crop.shape[1] * scale))
    small = area_resize(crop, height, width)
    small /= small.max()
    return _place_by_centre_of_mass(small).astype(np.float32).ravel()


def _place_by_centre_of_mass(small: np.ndarray) -> np.ndarray:
    """Paste ``small`` into a 28×28 canvas with its centre of mass at the canvas centre
    (as far as the canvas allows)."""
    total = small.sum()
    # Centre of mass in pixel indices; MNIST puts it on pixel (14, 14).
    cy = (small.sum(axis=1) @ np.arange(small.shape[0])) / total
    cx = (small.sum(axis=0) @ np.arange(small.shape[1])) / total
    top = int(np.clip(round(SIDE // 2 - cy), 0, SIDE - small.shape[0]))
    left = int(np.clip(round(SIDE // 2 - cx), 0, SIDE - small.shape[1]))
    out = np.zeros((SIDE, SIDE))
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    return out
