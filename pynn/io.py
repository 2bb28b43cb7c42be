"""Save and load networks: one ``.npz`` file, readable by CPython and by the browser.

Inside the archive (every entry a ``.npy`` array):

- ``config.json``: a JSON string (as a 0-d unicode array) with ``format``, ``version``, the
  ``layers`` (each layer's ``config()``), the ``optimizer`` config and free ``metadata``;
- ``layers.<i>.<name>``: each parameter (``layers.0.W``);
- ``optimizer.<key>``: optimizer state, only with ``include_optimizer=True``.

Loading trusts nothing in the file. In order: read the archive (``allow_pickle=False``, each
array's declared size checked against its bytes), parse the config, compare every layer's
declared parameter shapes with the file's arrays, and only then build the layers, the
network, the optimizer and its state. Any defect is a ``ModelFileError`` naming the file
and the problem, raised before anything large is allocated.
"""

from __future__ import annotations

import inspect
import io
import json
import math
import os
import re
import struct
import tokenize
import warnings
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from pynn.checks import check_array
from pynn.errors import ModelFileError
from pynn.layers import LAYER_TYPES, Layer
from pynn.network import Network
from pynn.optim import Optimizer, make_optimizer

FORMAT = "pynn-model"
VERSION = 1
CONFIG_KEYS = ("format", "version", "layers", "optimizer", "metadata")
# What reading a damaged zip can raise (zlib: bad compressed data; RuntimeError and
# NotImplementedError: encryption, unknown compression; MemoryError: 32-bit WebAssembly).
ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, struct.error, ValueError, OSError, EOFError,
                  NotImplementedError, RuntimeError, OverflowError, MemoryError)
# numpy parses a .npy header with ast and tokenize, which can raise these on a broken one.
NPY_HEADER_ERRORS = (ValueError, TypeError, SyntaxError, RecursionError, MemoryError,
                     tokenize.TokenError)
NPY_HEADERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}
# JSON strings (unterminated ones too, so scanning stays linear) and brackets.
JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
MAX_JSON_DEPTH = 100
# What a layer config may set: its constructor's arguments but the rng (the loader seeds one)
# and the dtype (the parameters' dtype is the network's).
LAYER_ARGS = {kind: [arg for arg in inspect.signature(cls).parameters if arg not in ("rng", "dtype")]
              for kind, cls in LAYER_TYPES.items()}


def save(network: Network, file, *, include_optimizer: bool = True,
         metadata: dict | None = None) -> None:
    """Write ``network`` to ``file`` (a path or a writable binary file object)."""
    config = {"format": FORMAT, "version": VERSION, "layers": network.config(),
              "optimizer": network.optimizer.config(), "metadata": metadata or {}}
    arrays = {"config.json": np.array(json.dumps(config))}
    arrays.update({f"layers.{name}": value for name, value in network.state_dict().items()})
    if include_optimizer:
        arrays.update({f"optimizer.{key}": value
                       for key, value in network.optimizer.state_dict().items()})
    if isinstance(file, (str, Path)):
        with open(file, "wb") as f:  # np.savez would add ".npz" to a bare path
            np.savez(f, **arrays)
    else:
        np.savez(file, **arrays)


def to_bytes(network: Network, **kwargs) -> bytes:
    """``save`` into memory (what the page offers as a download)."""
    buffer = io.BytesIO()
    save(network, buffer, **kwargs)
    return buffer.getvalue()


def load(file) -> Network:
    """Read a network written by ``save`` from a path, bytes or a binary file object.

    Raises ``ModelFileError`` (a ``ValueError``) for any malformed or incompatible content,
    its message naming the file and the problem; ``FileNotFoundError`` for a missing path;
    ``TypeError`` if ``file`` is none of the above. Numpy's global random state is untouched.
    """
    data, name = _read_source(file)
    try:
        return _load(data)
    except ModelFileError as error:
        raise ModelFileError(f"{name}: {error}") from None


def _read_source(file) -> tuple[bytes, str]:
    """The file's bytes and the name messages use for it."""
    if isinstance(file, (str, os.PathLike)):
        return Path(file).read_bytes(), str(file)
    if isinstance(file, (bytes, bytearray, memoryview)):
        return bytes(file), "the model file"
    if callable(getattr(file, "read", None)):
        data = file.read()
        if isinstance(data, (bytes, bytearray)):
            return bytes(data), "the model file"
        raise TypeError(f"file must be opened in binary mode ('rb'), got {file!r}")
    raise TypeError(f"file must be a path, bytes or a binary file object, got {file!r}")


@contextmanager
def _problem(context: str, errors=(TypeError, ValueError)):
    """Turn ``errors`` raised inside into ``ModelFileError("context: ...")``."""
    try:
        yield
    except ModelFileError:
        raise
    except errors as error:
        raise ModelFileError(f"{context}: {error}") from None


def _load(data: bytes) -> Network:
    """Check the file's content step by step (see the module docstring), then build."""
    arrays = _read_archive(data)
    config = _read_config(arrays)
    shapes = [_declared_shapes(spec, i) for i, spec in enumerate(config["layers"])]
    weights = _check_weights(arrays, shapes, config)
    layers = [_build_layer(spec, i) for i, spec in enumerate(config["layers"])]
    with _problem("the layers do not fit together"):
        network = Network(layers)
    with _problem("the weights do not fit the layers"):
        network.load_state_dict(weights)
    if config.get("optimizer") is not None:
        network.optimizer = _load_optimizer(config["optimizer"], arrays, network)
    network.metadata = config.get("metadata", {})
    return network


def _read_archive(data: bytes) -> dict[str, np.ndarray]:
    """Every entry of the ``.npz`` archive, by name without ``.npy``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return dict(_read_entry(archive, info) for info in archive.infolist())
    except ModelFileError:
        raise
    except ARCHIVE_ERRORS as error:
        raise ModelFileError(f"not a pynn model (.npz) file or is corrupt: {error}") from None


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, np.ndarray]:
    """One ``.npy`` entry, its header checked before numpy allocates what it declares."""
    if not info.filename.endswith(".npy"):
        raise ModelFileError(f"entry {info.filename!r} is not a .npy array: not a pynn model file")
    key, raw = info.filename[:-len(".npy")], archive.read(info)
    stream = io.BytesIO(raw)
    with _problem(f"entry {key} is not a valid .npy array", NPY_HEADER_ERRORS), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # numpy parses a header with ast
        version = npy.read_magic(stream)
        if version not in NPY_HEADERS:
            raise ValueError(f"unsupported .npy version {version}")
        shape, _, dtype = NPY_HEADERS[version](stream)
    if dtype.hasobject:
        raise ModelFileError(f"entry {key} holds Python objects, which a model file may not")
    size, held = math.prod(shape) * dtype.itemsize, len(raw) - stream.tell()
    if size != held:
        raise ModelFileError(f"entry {key} declares {dtype} of shape {shape} ({size} bytes) "
                             f"but holds {held} bytes")
    stream.seek(0)
    return key, npy.read_array(stream, allow_pickle=False)


def _read_config(arrays: dict[str, np.ndarray]) -> dict:
    """The parsed ``config.json`` with every top-level field checked (not yet the layers)."""
    raw = arrays.get("config.json")
    if raw is None:
        raise ModelFileError("no config.json entry: not a pynn model file")
    if raw.dtype.kind != "U" or raw.shape != ():
        raise ModelFileError(f"config.json must be a single string, got {raw.dtype} of shape {raw.shape}")
    if _json_depth(raw.item()) > MAX_JSON_DEPTH:
        raise ModelFileError(f"config.json nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        config = json.loads(raw.item())
    except (ValueError, RecursionError) as error:
        raise ModelFileError(f"config.json is not valid JSON ({error})") from None
    if not isinstance(config, dict):
        raise ModelFileError(f"config.json must hold a JSON object, got {type(config).__name__}")
    if config.get("format") != FORMAT:
        raise ModelFileError(f"not a pynn model file (format is {config.get('format')!r})")
    version = config.get("version")
    if type(version) is not int or not 1 <= version <= VERSION:
        raise ModelFileError(f"format version {version!r}; this pynn reads version "
                             f"{VERSION} (upgrade pynn to open newer files)")
    unknown = sorted(set(config) - set(CONFIG_KEYS))
    if unknown:
        raise ModelFileError(f"config.json has unexpected keys {unknown}")
    layers = config.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ModelFileError("the config has no layers")
    if not isinstance(config.get("optimizer", {}), (dict, type(None))):
        raise ModelFileError(f"the optimizer config must be a JSON object or null, got {config['optimizer']!r}")
    if not isinstance(config.get("metadata", {}), dict):
        raise ModelFileError(f"metadata must be a JSON object, got {config['metadata']!r}")
    return config


def _json_depth(text: str) -> int:
    """How deeply ``text``'s arrays and objects nest. Checked before ``json.loads``, whose C
    parser recurses per level: in Pyodide, deep nesting overflows the WebAssembly stack (a
    fatal error, not a RecursionError)."""
    depth = deepest = 0
    for token in JSON_TOKENS.finditer(text):
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(token.group(), 0)
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
    return deepest


def _declared_shapes(spec: dict, index: int) -> dict[str, tuple[int, ...]]:
    """The parameter shapes layer ``index`` declares, from its config alone (no allocation)."""
    if not isinstance(spec, dict):
        raise ModelFileError(f"layer {index} must be a JSON object, got {spec!r}")
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise ModelFileError(f"layer {index} has unknown type {kind!r}; "
                             f"known: {', '.join(LAYER_TYPES)}")
    unknown = sorted(set(spec) - {"type", *LAYER_ARGS[kind]})
    if unknown:
        raise ModelFileError(f"layer {index} ({kind}) has unknown settings {unknown}; "
                             f"it takes {LAYER_ARGS[kind]}")
    with _problem(f"layer {index} ({kind}) has bad settings"):
        return {name: tuple(shape) for name, shape in LAYER_TYPES[kind].param_shapes(spec).items()}


def _check_weights(arrays: dict, shapes: list[dict], config: dict) -> dict[str, np.ndarray]:
    """The parameters by network name (``"0.W"``), each present with its declared shape and
    finite numbers; entries that nothing would read are refused (the optimizer's own state
    is checked by the optimizer)."""
    expected = {f"layers.{i}.{name}" for i, layer in enumerate(shapes) for name in layer}
    has_optimizer = config.get("optimizer") is not None
    extra = sorted(key for key in arrays if key != "config.json" and key not in expected
                   and not (has_optimizer and key.startswith("optimizer.")))
    if extra:
        raise ModelFileError(f"unexpected entries {extra}"
                             + ("" if has_optimizer else " (the config has no optimizer)"))
    weights = {}
    for i, (layer, spec) in enumerate(zip(shapes, config["layers"])):
        where = f"layer {i} ({spec['type']})"
        for name, shape in layer.items():
            value = arrays.get(f"layers.{i}.{name}")
            if value is None:
                raise ModelFileError(f"{where} has no {name} (entry layers.{i}.{name} is missing)")
            if value.shape != shape:
                raise ModelFileError(f"{where} declares {name} of shape {shape} but the "
                                     f"file holds {value.shape}")
            with _problem(where):
                weights[f"{i}.{name}"] = check_array(f"layers.{i}.{name}", value)
    return weights


def _build_layer(spec: dict, index: int) -> Layer:
    """Layer ``index`` from its (checked) config; a random layer gets a seeded generator so
    that loading never touches numpy's global random state."""
    kind = spec["type"]
    args = {key: value for key, value in spec.items() if key != "type"}
    if "rng" in inspect.signature(LAYER_TYPES[kind]).parameters:  # Dense, Dropout
        args["rng"] = np.random.default_rng(index)
    with _problem(f"layer {index} ({kind}) has bad settings"):
        return LAYER_TYPES[kind](**args)


def _load_optimizer(spec: dict, arrays: dict, network: Network) -> Optimizer:
    """The optimizer from its config, with the file's state (all checked before applied)."""
    if "type" not in spec:
        raise ModelFileError(f"the optimizer config has no type: {spec!r}")
    with _problem("bad optimizer config"):
        optimizer = make_optimizer(**spec)
    state = {key[len("optimizer."):]: value for key, value in arrays.items()
             if key.startswith("optimizer.")}
    for key, value in state.items():
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise ModelFileError(f"optimizer state {key} contains NaN or infinite values")
    with _problem("the optimizer state does not fit"):
        optimizer.load_state_dict(state, {name: p for name, p, _ in network.parameters()})
    return optimizer
