"""The assignment's CSV format, read by both engines with the same checks and messages."""

import sys

import numpy as np
import pytest

import pynn

HEADER = "label," + ",".join(f"{r}x{c}" for r in range(1, 29) for c in range(1, 29))

pandas_available = pytest.mark.skipif(
    sys.platform == "emscripten" or __import__("importlib").util.find_spec("pandas") is None,
    reason="pandas is not installed (the page uses the numpy engine)")
ENGINES = [pytest.param("pandas", marks=pandas_available), "numpy"]


def csv_bytes(rows, header=HEADER) -> bytes:
    lines = [header] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def digit_rows(digits, n):
    pixels = np.round(digits.X_train[:n] * 255).astype(int)
    return [[int(label), *row] for label, row in zip(digits.y_train[:n], pixels)]


@pytest.mark.parametrize("engine", ENGINES)
def test_reads_a_valid_file(engine, digits, tmp_path):
    path = tmp_path / "mnist_train.csv"
    path.write_bytes(csv_bytes(digit_rows(digits, 20)))
    images, labels = pynn.load_csv(path, engine=engine)
    assert images.shape == (20, 784) and images.dtype == np.float32
    np.testing.assert_allclose(images, digits.X_train[:20], atol=1e-6)
    np.testing.assert_array_equal(labels, digits.y_train[:20])
    assert labels.dtype == np.int64


def replace(rows, row, column, value):
    rows = [list(r) for r in rows]
    rows[row][column] = value
    return rows


BAD_FILES = [
    ("empty", lambda rows: b"", "the CSV is empty"),
    ("header only", lambda rows: csv_bytes([]), "header but no data rows"),
    ("too few columns in header", lambda rows: csv_bytes(rows, "label,a,b"), "header has 3 columns; expected 785"),
    ("no header", lambda rows: csv_bytes(rows[1:], ",".join(map(str, rows[0]))), "looks like data, not a header"),
    ("short row", lambda rows: csv_bytes([rows[0], rows[1][:-4], rows[2]]), "line 3 has 781 values; expected 785"),
    ("long row", lambda rows: csv_bytes([rows[0], rows[1] + [0]]), "line 3 has 786 values; expected 785"),
    ("text", lambda rows: csv_bytes(replace(rows, 1, 13, "abc")), r"line 3, column 14 \('1x13'\): 'abc' is not a whole number"),
    ("decimal", lambda rows: csv_bytes(replace(rows, 0, 5, "12.5")), r"line 2, column 6 \('1x5'\): '12.5' is not a whole number"),
    ("empty cell", lambda rows: csv_bytes(replace(rows, 2, 100, "")), r"line 4, column 101 \('4x16'\) is empty"),
    ("pixel 300", lambda rows: csv_bytes(replace(rows, 1, 7, 300)), r"line 3, column 8 \('1x7'\): pixel value 300 is outside 0–255"),
    ("pixel -1", lambda rows: csv_bytes(replace(rows, 2, 7, -1)), r"line 4, column 8 \('1x7'\): pixel value -1 is outside 0–255"),
    ("label 10", lambda rows: csv_bytes(replace(rows, 2, 0, 10)), r"line 4, column 1 \('label'\): label 10 is not a digit 0–9"),
    ("label -3", lambda rows: csv_bytes(replace(rows, 0, 0, -3)), r"line 2, column 1 \('label'\): label -3 is not a digit 0–9"),
    ("after a blank line", lambda rows: csv_bytes(replace(rows, 2, 0, 11)).replace(b"\n", b"\n\n", 2),
     r"line 6, column 1 \('label'\): label 11 is not a digit 0–9"),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name, make, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_name_the_line_and_column(engine, name, make, message, digits):
    data = make(digit_rows(digits, 3))
    with pytest.raises(ValueError, match=message):
        pynn.load_csv(data, engine=engine)


def test_unknown_engine_is_named():
    with pytest.raises(ValueError, match="engine must be 'pandas' or 'numpy'"):
        pynn.load_csv(b"", engine="polars")


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        pynn.load_csv(tmp_path / "nope.csv", engine="numpy")
