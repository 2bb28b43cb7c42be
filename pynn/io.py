"""Save and load networks: one ``.npz`` file, readable by CPython and by the browser.

Inside the archive (every entry a ``.npy`` array):

- ``config.json``: a JSON string (as a 0-d unicode array) with ``format``, ``version``, the
  ``layers`` (each layer's ``config()``), the ``optimizer`` config and free ``metadata``;
- ``layers.<i>.<name>``: each parameter (``layers.0.W``);
- ``optimizer.<key>``: optimizer state, only with ``include_optimizer=True``.

Loading trusts nothing in the file. In order: read every entry's ``.npy`` header only
(``pynn.npz_reader``: no pickles; its declared size checked against the zip's and against
``MAX_ARRAY_ELEMENTS``), read and parse the config, compare every layer's declared parameter shapes (and the
optimizer state's) with the headers, then read the arrays, and only then build the layers,
the network, the optimizer and its state. Any defect is a ``ModelFileError`` naming the file
and the problem, raised before anything large is allocated: a small file that declares (or
decompresses to) a huge array is refused from its header, and what is read grows with the
bytes actually there, not with what a header claims.
"""

from __future__ import annotations

import inspect
import io
import json
import math
import os
import re
import zipfile
from functools import cache
from pathlib import Path

import numpy as np

from pynn.checks import check_array
from pynn.errors import ModelFileError
from pynn.layers import Layer
from pynn.network import Network
from pynn.npz_reader import MAX_ARRAY_ELEMENTS  # noqa: F401 (the limit, as pynn.io's)
from pynn.npz_reader import Entry, archive_problem, problem, read_array, read_headers
from pynn.optim import Optimizer, make_optimizer
from pynn.registry import LAYER_TYPES

FORMAT = "pynn-model"
VERSION = 1
CONFIG_KEYS = ("format", "version", "layers", "optimizer", "metadata")
MAX_INT_DIGITS = 4300     # whole numbers in config.json (Python's own default limit)
# JSON strings (unterminated ones too, so scanning stays linear) and brackets.
JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
MAX_JSON_DEPTH = 100


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


def _load(data: bytes) -> Network:
    """Check the file's content step by step (see the module docstring), then build."""
    with archive_problem():
        archive = zipfile.ZipFile(io.BytesIO(data))
    with archive:
        entries = read_headers(archive)
        if "config.json" not in entries:
            raise ModelFileError("no config.json entry: not a pynn model file")
        config = _read_config(read_array(archive, "config.json", entries["config.json"]))
        shapes = [_declared_shapes(spec, i) for i, spec in enumerate(config["layers"])]
        _check_entries(entries, shapes, config)
        arrays = {key: read_array(archive, key, entry) for key, entry in entries.items()
                  if key != "config.json"}
    weights = _check_weights(arrays, shapes, config)
    layers = [_build_layer(spec, i) for i, spec in enumerate(config["layers"])]
    with problem("the layers do not fit together"):
        network = Network(layers)
    with problem("the weights do not fit the layers"):
        network.load_state_dict(weights)
    if config.get("optimizer") is not None:
        network.optimizer = _load_optimizer(config["optimizer"], arrays, network)
    network.metadata = config.get("metadata", {})
    return network


def _read_config(raw: np.ndarray) -> dict:
    """The parsed ``config.json`` with every top-level field checked (not yet the layers)."""
    if raw.dtype.kind != "U" or raw.shape != ():
        raise ModelFileError(f"config.json must be a single string, got {raw.dtype} of shape {raw.shape}")
    if _json_depth(raw.item()) > MAX_JSON_DEPTH:
        raise ModelFileError(f"config.json nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        config = json.loads(raw.item(), parse_int=_whole_number)
    except ModelFileError:
        raise
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


def _whole_number(text: str) -> int:
    """A JSON whole number, refused past ``MAX_INT_DIGITS`` digits (reading one is quadratic
    in its length, and Python's own refusal tells the reader to change a setting)."""
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise ModelFileError(f"config.json holds a whole number of {digits:,} digits; "
                             f"a model file's may have at most {MAX_INT_DIGITS:,}")
    return int(text)


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


@cache
def layer_settings(kind: str) -> list[str]:
    """What a model file's config of a ``kind`` layer may set: its constructor's arguments but
    the rng (the loader seeds one) and the dtype (the parameters' dtype is the network's)."""
    return [arg for arg in inspect.signature(LAYER_TYPES[kind]).parameters
            if arg not in ("rng", "dtype")]


def _declared_shapes(spec: dict, index: int) -> dict[str, tuple[int, ...]]:
    """The parameter shapes layer ``index`` declares, from its config alone (no allocation)."""
    if not isinstance(spec, dict):
        raise ModelFileError(f"layer {index} must be a JSON object, got {spec!r}")
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise ModelFileError(f"layer {index} has unknown type {kind!r}; "
                             f"known: {', '.join(LAYER_TYPES)}")
    unknown = sorted(set(spec) - {"type", *layer_settings(kind)})
    if unknown:
        raise ModelFileError(f"layer {index} ({kind}) has unknown settings {unknown}; "
                             f"it takes {layer_settings(kind)}")
    with problem(f"layer {index} ({kind}) has bad settings"):
        return {name: tuple(shape) for name, shape in LAYER_TYPES[kind].param_shapes(spec).items()}


def _check_entries(entries: dict[str, Entry], shapes: list[dict], config: dict) -> None:
    """From the headers alone (nothing read yet): every parameter present with its declared
    shape, the optimizer state shaped like its parameters, and no entry that nothing reads."""
    expected = {f"layers.{i}.{name}" for i, layer in enumerate(shapes) for name in layer}
    has_optimizer = config.get("optimizer") is not None
    extra = sorted(key for key in entries if key != "config.json" and key not in expected
                   and not (has_optimizer and key.startswith("optimizer.")))
    if extra:
        raise ModelFileError(f"unexpected entries {extra}"
                             + ("" if has_optimizer else " (the config has no optimizer)"))
    params = {}
    for i, (layer, spec) in enumerate(zip(shapes, config["layers"])):
        for name, shape in layer.items():
            entry = entries.get(f"layers.{i}.{name}")
            if entry is None:
                raise ModelFileError(f"layer {i} ({spec['type']}) has no {name} "
                                     f"(entry layers.{i}.{name} is missing)")
            if entry.shape != shape:
                raise ModelFileError(f"layer {i} ({spec['type']}) declares {name} of shape {shape} "
                                     f"but the file holds {entry.shape}")
            params[f"{i}.{name}"] = shape
    # The optimizer state: only its shapes here, the optimizer checks the rest once it is read.
    for key, entry in entries.items():
        state, misfit = key[len("optimizer."):], "the optimizer state does not fit"
        if not key.startswith("optimizer."):
            continue
        if state == "steps":
            if math.prod(entry.shape) > 1:
                raise ModelFileError(f"{misfit}: optimizer steps must be a whole number >= 0, "
                                     f"got an array of shape {entry.shape}")
            continue
        param = params.get(state.partition(".")[2])
        if param is None:
            raise ModelFileError(f"{misfit}: optimizer state {state} belongs to no parameter")
        if entry.shape != param:
            raise ModelFileError(f"{misfit}: optimizer state {state} has shape {entry.shape}; "
                                 f"its parameter has shape {param}")


def _check_weights(arrays: dict, shapes: list[dict], config: dict) -> dict[str, np.ndarray]:
    """The parameters by network name (``"0.W"``), each holding finite numbers (present,
    with their declared shapes: ``_check_entries``)."""
    weights = {}
    for i, (layer, spec) in enumerate(zip(shapes, config["layers"])):
        for name in layer:
            with problem(f"layer {i} ({spec['type']})"):
                weights[f"{i}.{name}"] = check_array(f"layers.{i}.{name}", arrays[f"layers.{i}.{name}"])
    return weights


def _build_layer(spec: dict, index: int) -> Layer:
    """Layer ``index`` from its (checked) config; a random layer gets a seeded generator so
    that loading never touches numpy's global random state."""
    kind = spec["type"]
    args = {key: value for key, value in spec.items() if key != "type"}
    if "rng" in inspect.signature(LAYER_TYPES[kind]).parameters:  # Dense, Conv2D, Dropout
        args["rng"] = np.random.default_rng(index)
    with problem(f"layer {index} ({kind}) has bad settings"):
        return LAYER_TYPES[kind](**args)


def _load_optimizer(spec: dict, arrays: dict, network: Network) -> Optimizer:
    """The optimizer from its config, with the file's state (all checked before applied)."""
    if "type" not in spec:
        raise ModelFileError(f"the optimizer config has no type: {spec!r}")
    with problem("bad optimizer config"):
        optimizer = make_optimizer(**spec)
    state = {key[len("optimizer."):]: value for key, value in arrays.items()
             if key.startswith("optimizer.")}
    for key, value in state.items():
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise ModelFileError(f"optimizer state {key} contains NaN or infinite values")
    with problem("the optimizer state does not fit"):
        optimizer.load_state_dict(state, {name: p for name, p, _ in network.parameters()})
    return optimizer
