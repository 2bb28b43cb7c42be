"""Reading the arrays of a ``.npz`` archive (a model file) without trusting it.

Every entry's ``.npy`` header is read first (``read_headers``: no pickles, only numbers or
text, its declared size checked against the zip's and against ``MAX_ARRAY_ELEMENTS``), and
an array is read (``read_array``) only once its header is known to be sound, a megabyte at a
time, so memory grows with the bytes really there, not with what a header claims. Any defect
is a ``ModelFileError`` saying what is wrong; ``pynn.io`` adds the file's name.
"""

from __future__ import annotations

import io
import math
import struct
import tokenize
import warnings
import zipfile
import zlib
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np
from numpy.lib import format as npy

from pynn.errors import ModelFileError

# What reading a damaged zip can raise (zlib: bad compressed data; RuntimeError and
# NotImplementedError: encryption, unknown compression; MemoryError: 32-bit WebAssembly).
ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, struct.error, ValueError, OSError, EOFError,
                  NotImplementedError, RuntimeError, OverflowError, MemoryError)
# numpy parses a .npy header with ast and tokenize, which can raise these on a broken one.
NPY_HEADER_ERRORS = (ValueError, TypeError, SyntaxError, RecursionError, MemoryError,
                     tokenize.TokenError)
NPY_HEADERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}
HEAD_BYTES = 2**14  # a .npy header fits (numpy itself refuses header text over 10,000 bytes)
# The most values one array of a model file may hold: 2**28, 1 GiB of float32. The CLI has no
# size limit but memory, and training such a layer with Adam takes 4 GiB (weights, gradient
# and two moments); the largest layer the CLI's settings make in practice, Dense(4096, 4096)
# or a flattened conv16x5 into 4096 units (9216×4096 ≈ 38M), is far below it, and so is the
# studio's whole network (pynn/studio/limits.py). A file's arrays must also match the shapes
# its layers declare, so this only bounds what a single layer may declare.
MAX_ARRAY_ELEMENTS = 2**28
MAX_ITEM_BYTES = 8      # float64, the widest number a model file holds
MAX_CONFIG_CHARS = 2**20  # config.json: layers and metadata take a few kilobytes
READ_CHUNK = 2**20


@contextmanager
def problem(context: str, errors=(TypeError, ValueError)):
    """Turn ``errors`` raised inside into ``ModelFileError("context: ...")``."""
    try:
        yield
    except ModelFileError:
        raise
    except errors as error:
        raise ModelFileError(f"{context}: {error}") from None


class Entry(NamedTuple):
    """An archive entry's ``.npy`` header: what it declares (``size``: its data's bytes)
    and where its data starts (``offset``)."""
    info: zipfile.ZipInfo
    shape: tuple
    dtype: np.dtype
    fortran: bool
    offset: int
    size: int


@contextmanager
def archive_problem():
    """Errors of a damaged zip (or of memory, in 32-bit WebAssembly) → ``ModelFileError``."""
    try:
        yield
    except ModelFileError:
        raise
    except ARCHIVE_ERRORS as error:
        raise ModelFileError(f"not a pynn model (.npz) file or is corrupt: {error}") from None


def read_headers(archive: zipfile.ZipFile) -> dict[str, Entry]:
    """Every entry's header by name without ``.npy`` (a later duplicate wins, as numpy's),
    each checked before anything it declares is read."""
    entries = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise ModelFileError(f"entry {info.filename!r} is not a .npy array: not a pynn model file")
        key = info.filename[:-len(".npy")]
        with archive_problem(), archive.open(info) as member:
            stream = io.BytesIO(member.read(HEAD_BYTES))
        with problem(f"entry {key} is not a valid .npy array", NPY_HEADER_ERRORS), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # numpy parses a header with ast
            version = npy.read_magic(stream)
            if version not in NPY_HEADERS:
                raise ValueError(f"unsupported .npy version {version}")
            shape, fortran, dtype = NPY_HEADERS[version](stream)
        entries[key] = Entry(info, shape, dtype, fortran, stream.tell(),
                              math.prod(shape) * dtype.itemsize)
        check_header(key, entries[key])
    return entries


def check_header(key: str, entry: Entry) -> None:
    dtype, shape = entry.dtype, entry.shape
    if dtype.hasobject:
        raise ModelFileError(f"entry {key} holds Python objects, which a model file may not")
    if dtype.kind not in "biufcU":
        raise ModelFileError(f"entry {key} holds {dtype}, not numbers: not a pynn model file")
    held = entry.info.file_size - entry.offset
    if entry.size != held:
        raise ModelFileError(f"entry {key} declares {dtype} of shape {shape} ({entry.size} bytes) "
                             f"but holds {held} bytes")
    if key == "config.json":
        chars = math.prod(shape) * dtype.itemsize // 4 if dtype.kind == "U" else 0
        if chars > MAX_CONFIG_CHARS:
            raise ModelFileError(f"config.json holds {chars:,} characters; a model file's config "
                                 f"may hold at most {MAX_CONFIG_CHARS:,}")
        return
    values = math.prod(shape)
    if values > MAX_ARRAY_ELEMENTS or entry.size > MAX_ARRAY_ELEMENTS * MAX_ITEM_BYTES:
        raise ModelFileError(f"entry {key} declares {dtype} of shape {shape}: {values:,} values "
                             f"({entry.size:,} bytes), more than a model file may hold (at most "
                             f"{MAX_ARRAY_ELEMENTS:,} values, {MAX_ARRAY_ELEMENTS * MAX_ITEM_BYTES:,} bytes)")


def read_array(archive: zipfile.ZipFile, key: str, entry: Entry) -> np.ndarray:
    """The entry's array (its header already checked). Read a megabyte at a time, so memory
    grows with the bytes really there, whatever the zip's sizes claim."""
    size = entry.size
    with archive_problem():
        with archive.open(entry.info) as member:
            member.read(entry.offset)
            data = bytearray()
            while len(data) < size:
                chunk = member.read(min(READ_CHUNK, size - len(data)))
                if not chunk:
                    break
                data += chunk
            more = member.read(1)
        if len(data) != size or more:
            raise ModelFileError(f"entry {key} declares {entry.dtype} of shape {entry.shape} "
                                 f"({size} bytes) but holds {len(data)}{' or more' if more else ''} bytes")
        flat = np.frombuffer(data, entry.dtype) if size else np.empty(entry.shape, entry.dtype)
        return flat.reshape(entry.shape, order="F" if entry.fortran else "C")
