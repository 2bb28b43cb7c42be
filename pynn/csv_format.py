"""The assignment's CSV (``mnist_train.csv``), read strictly and fast by either engine.

The format: a header row of 785 column names, then one digit per line: its label 0–9 and its
784 pixel values 0–255. Both engines (pandas' C parser, or ``np.loadtxt``, which the browser
uses) accept and refuse exactly the same files, by these rules (the default, ``engine=None``,
is pandas where it is installed and numpy where it is not: pandas is an optional extra):

* a value is a plain decimal integer, maybe with a leading ``+``, maybe with spaces around it.
  ``12.0``, ``1e2``, ``"12"`` (quoted), ``True``, tabs are "not a whole number"; ``-0`` is
  outside the range like any other value with a minus sign;
* every data line holds exactly 785 values; blank and whitespace-only lines are skipped, but
  counted: an error names the file line (from 1) and the column (from 1, with its header name);
* lines may end in LF, CRLF or CR; the text is UTF-8 (a byte-order mark is fine).

How: one fast read of the whole file by the engine, after byte-level checks that refuse what an
engine would otherwise take too kindly (pandas reads ``True`` as 1, ``"12"`` as 12 and wraps
big numbers around). Only when that read fails do we search for the first bad line, by
re-reading ever smaller blocks of lines with the same engine; then a slow field-by-field check
of that one line words the error.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from pynn.mnist import INPUT_UNITS

N_PIXELS = INPUT_UNITS
N_COLUMNS = 1 + N_PIXELS
ENGINES = ("pandas", "numpy")

# Every byte a data line may hold (line ends are all "\n" by then). Refusing the rest up front
# is what keeps the engines honest: each turns some other text into numbers its own way.
_ALLOWED_BYTES = b"0123456789+, \n"
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: str.isdigit() takes "²"
_BLOCK_SIZES = (4096, 64, 1)  # lines per re-read when searching for the first bad line
_CHUNK = 1 << 20  # bytes per slice of the byte check: a bounded copy, not a second 110 MB
_PANDAS_CHUNK_ROWS = 8192  # an int64 chunk of 8192 rows is 51 MB


class _Lines(NamedTuple):
    """The non-blank lines after the header: byte offsets and file line numbers (from 1)."""

    starts: np.ndarray
    stops: np.ndarray
    numbers: np.ndarray


def read_table(source, engine: str | None = None) -> np.ndarray:
    """The CSV's values as a uint8 table ``[rows, 785]`` (label, then pixels), all checked.

    ``source``: a path (str or Path), bytes-like, or a binary file object. ``engine``:
    ``"pandas"``, ``"numpy"`` or None (pandas if it can be imported, else numpy). Raises
    ``ValueError`` naming the line (and column) of the first problem.
    """
    engine = choose_engine(engine)
    parse = _parse_numpy if engine == "numpy" else _parse_pandas
    data = _newlines_to_lf(_read_bytes(source))
    header, body_start = _read_header(data)
    data, lines = _data_lines(data, body_start)
    if len(lines.numbers) == 0:
        raise ValueError("the CSV has a header but no data rows")
    table = _read_rows(parse, data, body_start, len(data), len(lines.numbers))
    if table is None:  # some line does not parse: find the first, block by block
        bad = _first_bad_row(parse, data, lines)
    else:  # it parsed: a value out of range is the only problem left
        bad = _first_out_of_range(table)
        if bad is None:
            return table.astype(np.uint8, copy=False)
    if bad is None:  # cannot happen while the line rules match the engines; say so plainly
        raise ValueError(f"could not read the CSV with the {engine} engine, yet each line "
                         "reads on its own")
    number = int(lines.numbers[bad])
    raise ValueError(_line_problem(data[lines.starts[bad]:lines.stops[bad]], number, header)
                     or f"line {number} could not be read as {N_COLUMNS} whole numbers")


def choose_engine(engine: str | None) -> str:
    """``engine`` checked, or for None the engine this install has: ``"pandas"`` if pandas
    imports, else ``"numpy"`` (``pip install pynn`` brings numpy only). An engine asked for by
    name must be there: ``ModuleNotFoundError`` now, not after reading 110 MB."""
    if engine is not None and engine not in ENGINES:
        raise ValueError(f"engine must be 'pandas' or 'numpy' (or None: pandas if installed), "
                         f"got {engine!r}")
    if engine == "numpy":
        return engine
    try:
        _import_pandas()
    except ModuleNotFoundError:
        if engine == "pandas":
            raise
        return "numpy"
    return "pandas"


# -- getting the bytes and the lines -----------------------------------------------------------

def _read_bytes(source) -> bytes:
    if isinstance(source, (str, os.PathLike)):
        return Path(source).read_bytes()
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if callable(getattr(source, "read", None)):
        data = source.read()
        if isinstance(data, (bytes, bytearray, memoryview)):
            return bytes(data)
        raise TypeError(f"source.read() returned {type(data).__name__}, not bytes: "
                        "open the file in binary mode ('rb')")
    raise TypeError("source must be a path (str or Path), bytes or a binary file object, "
                    f"not {type(source).__name__}")


def _newlines_to_lf(data: bytes) -> bytes:
    # np.loadtxt cannot split lines at a lone CR (old Mac files); one line end keeps it simple.
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def _read_header(data: bytes) -> tuple[list[str], int]:
    """The header's column names, and where the line after it starts."""
    end = data.find(b"\n")
    end = len(data) if end < 0 else end
    try:
        text = data[:end].decode("utf-8-sig")  # -sig: Excel starts its CSVs with a BOM
    except UnicodeDecodeError as error:
        raise ValueError(f"line 1 (the header) is not UTF-8 text: byte "
                         f"{data[error.start]:#04x} at offset {error.start}") from None
    if not text.strip():
        raise ValueError("the CSV is empty: expected a header row and one digit per line"
                         if not data.strip() else "line 1 is blank: expected the header row")
    try:
        header = next(csv.reader([text]))
    except csv.Error as error:  # e.g. a name longer than the csv module's field limit
        raise ValueError(f"line 1 (the header) could not be read: {error}") from None
    if len(header) != N_COLUMNS:
        raise ValueError(f"the header has {len(header)} columns; expected {N_COLUMNS} "
                         f"(a label, then {N_PIXELS} pixels)")
    if all(_WHOLE_NUMBER.fullmatch(name.strip()) for name in header):
        raise ValueError("the first line looks like data, not a header row "
                         "(expected column names such as 'label,1x1,1x2,...')")
    return header, min(end + 1, len(data))


def _data_lines(data: bytes, body_start: int) -> tuple[bytes, _Lines]:
    """The data and its non-blank lines after the header. Whitespace-only lines are emptied
    first (pandas skips them, np.loadtxt would not), which keeps every line's number."""
    is_lf = np.frombuffer(data, np.uint8, offset=body_start) == ord("\n")
    ends = np.flatnonzero(is_lf) + body_start
    del is_lf
    starts = np.concatenate(([body_start], ends + 1))
    stops = np.append(ends, len(data))
    filled = stops > starts
    spaced = np.flatnonzero(filled)[np.frombuffer(data, np.uint8)[starts[filled]] == ord(" ")]
    blank = [i for i in spaced if not data[starts[i]:stops[i]].strip(b" ")]
    if blank:
        keep = np.concatenate(([0], stops[blank]))
        drop = np.append(starts[blank], len(data))
        return _data_lines(b"".join(data[a:b] for a, b in zip(keep, drop)), body_start)
    return data, _Lines(starts[filled], stops[filled], np.flatnonzero(filled) + 2)


# -- the fast read, and the search for the first bad line ---------------------------------------

def _read_rows(parse, data: bytes, start: int, stop: int, n_rows: int) -> np.ndarray | None:
    """The table of the ``n_rows`` lines in ``data[start:stop]`` as the engine reads it (values
    not yet range-checked), or None if a byte, a value or the number of values is wrong."""
    if not _only_allowed_bytes(data, start, stop):
        return None
    if stop == len(data):  # the whole file: no 110 MB copy
        stream = io.BytesIO(data)
        stream.seek(start)
    else:
        stream = io.BytesIO(data[start:stop])
    try:
        table = parse(stream)
    except (ValueError, OverflowError, TypeError, DeprecationWarning):
        return None
    return table if table.shape == (n_rows, N_COLUMNS) else None


def _first_out_of_range(table: np.ndarray) -> int | None:
    """The first row with a label above 9 or a pixel above 255 (no "-" got this far)."""
    bad = (table[:, 0] > 9) | (table[:, 1:] > 255).any(axis=1)
    return int(np.argmax(bad)) if bad.any() else None


def _only_allowed_bytes(data: bytes, start: int, stop: int) -> bool:
    return not any(data[at:min(at + _CHUNK, stop)].translate(None, _ALLOWED_BYTES)
                   for at in range(start, stop, _CHUNK))


def _first_bad_row(parse, data: bytes, lines: _Lines) -> int | None:
    """The first row whose block does not read, narrowing the blocks 4096 → 64 → 1 rows:
    about one more read of the file, however far down the bad line is."""
    def reads(first: int, last: int) -> bool:  # rows first, ..., last - 1
        rows = _read_rows(parse, data, lines.starts[first], lines.stops[last - 1], last - first)
        return rows is not None and _first_out_of_range(rows) is None

    first, last = 0, len(lines.numbers)
    for size in _BLOCK_SIZES:
        for block in range(first, last, size):
            if not reads(block, min(block + size, last)):
                first, last = block, min(block + size, last)
                break
        else:
            return None
    return first


def _parse_numpy(stream) -> np.ndarray:
    # uint8 keeps the table small (60,000 rows = 47 MB) and refuses values above 255 ...
    with warnings.catch_warnings():
        # ... except that numpy < 2.3 reads "300" via float with only a DeprecationWarning.
        warnings.simplefilter("error", DeprecationWarning)
        return np.loadtxt(stream, delimiter=",", dtype=np.uint8, ndmin=2, comments=None)


def _parse_pandas(stream) -> np.ndarray:
    # int64, as a narrower dtype wraps around (int32 reads 4294967308 as 12, uint8 300 as 44).
    # In chunks, each kept as uint16 capped at 256, still out of range: 94 MB, not 377 MB.
    # na_filter=False: an empty value is an error, not NaN. header=None: the header is checked
    # and skipped already, and a line with an extra value cannot become the index.
    chunks = _import_pandas().read_csv(stream, header=None, dtype=np.int64, engine="c",
                                       na_filter=False, chunksize=_PANDAS_CHUNK_ROWS)
    return np.concatenate([np.minimum(chunk.to_numpy(), 256).astype(np.uint16, order="C")
                           for chunk in chunks])


def _import_pandas():
    try:
        import pandas
    except ImportError:
        raise ModuleNotFoundError("engine='pandas' needs pandas (pip install pandas); "
                                  "engine='numpy' needs only numpy") from None
    return pandas


# -- the slow check of one line, which words the error ------------------------------------------

def _line_problem(line: bytes, number: int, header: list[str]) -> str | None:
    """What is wrong with data line ``number`` (bytes, without its line end), or None."""
    try:
        fields = line.decode("utf-8").split(",")
    except UnicodeDecodeError as error:
        where = _where(number, line[:error.start].count(b","), header)
        return f"{where}: byte {line[error.start]:#04x} is not UTF-8 text"
    if len(fields) != N_COLUMNS:
        return (f"line {number} has {len(fields)} values; expected {N_COLUMNS} "
                f"(a label, then {N_PIXELS} pixels)")
    for column, field in enumerate(fields):
        problem = _value_problem(field.strip(" "), column)
        if problem:
            return f"{_where(number, column, header)}{problem}"
    return None


def _value_problem(text: str, column: int) -> str | None:
    if not text:
        return " is empty"
    if not _WHOLE_NUMBER.fullmatch(text):
        return f": {_shorten(text, quoted=True)} is not a whole number"
    negative = text.startswith("-")  # even -0: np.loadtxt refuses a minus on a uint8
    digits = text.lstrip("+-").lstrip("0")  # leading zeros are fine; int() of 5000 digits is not
    if negative or len(digits) > 3 or int(digits or 0) > (9 if column == 0 else 255):
        shown = _shorten(text.lstrip("+"))
        return (f": label {shown} is not a digit 0–9" if column == 0
                else f": pixel value {shown} is outside 0–255")
    return None


def _shorten(text: str, quoted: bool = False, limit: int = 24) -> str:
    """The value as an error message shows it: a 200,000-digit value would drown the message."""
    head = text[:limit] + ("…" if len(text) > limit else "")
    shown = repr(head) if quoted else head
    return shown if len(text) <= limit else f"{shown} ({len(text):,} characters)"


def _where(line: int, column: int, header: list[str]) -> str:
    return f"line {line}, column {column + 1} ({header[column]!r})"
