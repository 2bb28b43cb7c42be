"""The assignment's CSV format, read by both engines with the same checks and messages."""

import io
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


# -- one rule for both engines: plain decimal integers, exactly 785 per line ------------------

REFUSED_VALUES = [  # (name, row, column, value, message); data row r is file line r + 2
    ("wrapped pixel", 0, 5, "4294967308", r"line 2, column 6 \('1x5'\): pixel value 4294967308 is outside 0–255"),
    ("wrapped label", 1, 0, "4294967299", r"line 3, column 1 \('label'\): label 4294967299 is not a digit 0–9"),
    ("12.0", 2, 5, "12.0", r"line 4, column 6 \('1x5'\): '12.0' is not a whole number"),
    ("1e2", 1, 9, "1e2", r"line 3, column 10 \('1x9'\): '1e2' is not a whole number"),
    ("3.0 label", 1, 0, "3.0", r"line 3, column 1 \('label'\): '3.0' is not a whole number"),
    ("quoted", 0, 5, '"12"', r"""line 2, column 6 \('1x5'\): '"12"' is not a whole number"""),
    ("tab", 0, 5, "\t12", r"line 2, column 6 \('1x5'\): '\\t12' is not a whole number"),
    ("minus zero", 2, 700, "-0", r"line 4, column 701 \('25x28'\): pixel value -0 is outside 0–255"),
    # pandas' C parser alone reads "12\x00" as 12: the byte check must refuse a NUL first
    ("NUL after a pixel", 0, 5, "12\x00", r"line 2, column 6 \('1x5'\): '12\\x00' is not a whole number"),
    ("NUL in a label", 1, 0, "1\x00", r"line 3, column 1 \('label'\): '1\\x00' is not a whole number"),
    ("NUL alone", 2, 784, "\x00", r"line 4, column 785 \('28x28'\): '\\x00' is not a whole number"),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name, row, column, value, message", REFUSED_VALUES, ids=[v[0] for v in REFUSED_VALUES])
def test_values_that_are_not_plain_integers_in_range_are_refused(engine, name, row, column, value, message, digits):
    data = csv_bytes(replace(digit_rows(digits, 3), row, column, value))
    with pytest.raises(ValueError, match=message):
        pynn.load_csv(data, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_true_and_false_are_not_labels(engine, digits):
    rows = [[flag, *row[1:]] for flag, row in zip(["True", "False", "True"], digit_rows(digits, 3))]
    with pytest.raises(ValueError, match=r"line 2, column 1 \('label'\): 'True' is not a whole number"):
        pynn.load_csv(csv_bytes(rows), engine=engine)  # pandas read this column as 1, 0, 1


@pytest.mark.parametrize("engine", ENGINES)
def test_spaces_a_plus_sign_and_leading_zeros_are_plain_integers(engine, digits):
    rows = replace(replace(replace(digit_rows(digits, 3), 0, 1, " 12 "), 1, 0, "+3"), 2, 784, "00255")
    images, labels = pynn.load_csv(csv_bytes(rows), engine=engine)
    assert images[0, 0] == np.float32(12 / 255) and labels[1] == 3 and images[2, 783] == 1.0


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("long_rows", [[0], [0, 1, 2]], ids=["first row", "every row"])
def test_a_row_with_one_value_too_many_is_refused(engine, long_rows, digits):
    rows = [row + [0] if i in long_rows else row for i, row in enumerate(digit_rows(digits, 3))]
    with pytest.raises(ValueError, match="line 2 has 786 values; expected 785"):
        pynn.load_csv(csv_bytes(rows), engine=engine)


# -- line ends, blank lines and odd bytes -------------------------------------------------------

def with_line_ends(data: bytes, ending: bytes) -> bytes:
    return data.replace(b"\n", ending)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("ending", [b"\r\n", b"\r"], ids=["CRLF", "CR"])
def test_crlf_and_cr_line_ends_read_like_lf(engine, ending, digits):
    rows = digit_rows(digits, 5)
    images, labels = pynn.load_csv(with_line_ends(csv_bytes(rows), ending), engine=engine)
    np.testing.assert_array_equal(images, digits.X_train[:5])
    np.testing.assert_array_equal(labels, digits.y_train[:5])
    bad = with_line_ends(csv_bytes(replace(rows, 3, 0, 12)), ending)
    with pytest.raises(ValueError, match=r"line 5, column 1 \('label'\): label 12 is not a digit"):
        pynn.load_csv(bad, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_whitespace_only_lines_are_skipped_but_counted(engine, digits):
    rows = digit_rows(digits, 3)
    spaced = csv_bytes(rows).replace(b"\n", b"\n   \n", 2)  # lines 2 and 4 hold only spaces
    images, labels = pynn.load_csv(spaced, engine=engine)
    np.testing.assert_array_equal(labels, digits.y_train[:3])
    bad = csv_bytes(replace(rows, 2, 0, 11)).replace(b"\n", b"\n \n", 2)
    with pytest.raises(ValueError, match=r"line 6, column 1 \('label'\): label 11 is not a digit"):
        pynn.load_csv(bad, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("value, message", [
    ("9" * 200_000, r"line 3, column 6 \('1x5'\): pixel value 9{24}… \(200,000 characters\) is outside 0–255"),
    ("x" * 200_000, r"line 3, column 6 \('1x5'\): 'x{24}…' \(200,000 characters\) is not a whole number"),
], ids=["digits", "letters"])
def test_a_200_000_character_value_is_named_briefly(engine, value, message, digits):
    data = csv_bytes(replace(digit_rows(digits, 3), 1, 5, value))
    with pytest.raises(ValueError, match=message) as error:
        pynn.load_csv(data, engine=engine)
    assert len(str(error.value)) < 200


@pytest.mark.parametrize("engine", ENGINES)
def test_a_200_000_character_column_name_is_refused_with_the_header_line(engine, digits):
    data = csv_bytes(digit_rows(digits, 3), HEADER.replace("1x1", "y" * 200_000))
    with pytest.raises(ValueError, match=r"line 1 \(the header\)"):
        pynn.load_csv(data, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_bytes_that_are_not_utf8_are_named_by_line_and_column(engine, digits):
    data = csv_bytes(replace(digit_rows(digits, 3), 1, 4, "SENTINEL")).replace(b"SENTINEL", b"1\xff")
    with pytest.raises(ValueError, match=r"line 3, column 5 \('1x4'\): byte 0xff is not UTF-8 text"):
        pynn.load_csv(data, engine=engine)
    latin1_header = csv_bytes(digit_rows(digits, 3), HEADER.replace("label", "ét", 1)).replace("é".encode(), b"\xe9")
    with pytest.raises(ValueError, match=r"line 1 \(the header\) is not UTF-8 text"):
        pynn.load_csv(latin1_header, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_byte_order_mark_before_the_header_is_fine(engine, digits):
    _, labels = pynn.load_csv(b"\xef\xbb\xbf" + csv_bytes(digit_rows(digits, 3)), engine=engine)
    np.testing.assert_array_equal(labels, digits.y_train[:3])


@pandas_available
def test_both_engines_give_identical_arrays_for_crlf_and_blank_lines(digits):
    data = with_line_ends(csv_bytes(digit_rows(digits, 30)).replace(b"\n", b"\n\n  \n", 3), b"\r\n")
    by_pandas, by_numpy = pynn.load_csv(data, engine="pandas"), pynn.load_csv(data, engine="numpy")
    for a, b in zip(by_pandas, by_numpy):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(by_numpy[1], digits.y_train[:30])


# -- what `source` may be -----------------------------------------------------------------------

SOURCES = {  # kind -> how to make it from the file's bytes and its path
    "bytes": lambda data, path: data,
    "bytearray": lambda data, path: bytearray(data),
    "memoryview": lambda data, path: memoryview(data),
    "BytesIO": lambda data, path: io.BytesIO(data),
    "open file": lambda data, path: open(path, "rb"),
    "str path": lambda data, path: str(path),
    "Path": lambda data, path: path,
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", SOURCES)
def test_sources_paths_bytes_and_binary_files(engine, kind, digits, tmp_path):
    data = csv_bytes(digit_rows(digits, 4))
    path = tmp_path / "digits.csv"
    path.write_bytes(data)
    source = SOURCES[kind](data, path)
    try:
        _, labels = pynn.load_csv(source, engine=engine)
    finally:
        if hasattr(source, "close"):
            source.close()
    np.testing.assert_array_equal(labels, digits.y_train[:4])


@pytest.mark.parametrize("source, type_name", [(42, "int"), (None, "NoneType"), ([b"label"], "list")])
def test_a_source_of_another_type_is_a_type_error(source, type_name):
    with pytest.raises(TypeError, match=f"source must be a path.*not {type_name}"):
        pynn.load_csv(source, engine="numpy")


def test_a_text_mode_file_is_a_type_error_that_says_binary(tmp_path):
    path = tmp_path / "digits.csv"
    path.write_text(HEADER + "\n")
    with open(path) as file, pytest.raises(TypeError, match=r"source.read\(\) returned str.*'rb'"):
        pynn.load_csv(file, engine="numpy")
