"""Save and load networks: one ``.npz`` file, readable by CPython and by the browser.

Inside the archive:

- ``config.json``: a JSON string (as a 0-d unicode array) with ``format``, ``version``, the
  ``layers`` (each layer's ``config()``), the ``optimizer`` config and free ``metadata``;
- ``layers.<i>.<name>``: each parameter (``layers.0.W``);
- ``optimizer.<key>``: optimizer state, only with ``include_optimizer=True``.

Loading uses ``allow_pickle=False`` (a model file cannot run code) and checks everything
against the architecture before touching a network.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from pynn.errors import ModelFileError
from pynn.layers import LAYER_TYPES, Layer
from pynn.network import Network
from pynn.optim import make_optimizer

FORMAT = "pynn-model"
VERSION = 1


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

    Raises ``ModelFileError`` naming the problem (not an archive, no config, newer format
    version, unknown layer, missing or misshapen weights, NaN weights).
    """
    if isinstance(file, (bytes, bytearray, memoryview)):
        file = io.BytesIO(bytes(file))
    name = str(file) if isinstance(file, (str, Path)) else "the model file"
    try:
        with np.load(file, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise ModelFileError(f"{name} is not a pynn model (.npz) file or is corrupt: {error}") from None
    if "config.json" not in arrays:
        raise ModelFileError(f"{name} has no config.json entry: not a pynn model file")
    config = _read_config(arrays.pop("config.json"), name)
    network = Network([_build_layer(spec, i) for i, spec in enumerate(config["layers"])])
    weights = {key[len("layers."):]: value for key, value in arrays.items() if key.startswith("layers.")}
    try:
        network.load_state_dict(weights)
        for key, value in weights.items():
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{key} contains NaN or infinite values")
        if config.get("optimizer"):
            network.optimizer = make_optimizer(**{k: v for k, v in config["optimizer"].items()
                                                  if k != "type"}, type=config["optimizer"]["type"])
            state = {key[len("optimizer."):]: value for key, value in arrays.items()
                     if key.startswith("optimizer.")}
            if state:
                network.optimizer.load_state_dict(state)
    except ValueError as error:
        raise ModelFileError(f"{name}: {error}") from None
    network.metadata = config.get("metadata", {})
    return network


def _read_config(raw: np.ndarray, name: str) -> dict:
    try:
        config = json.loads(str(raw))
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{name}: config.json is not valid JSON ({error})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{name} is not a pynn model file (format is "
                             f"{config.get('format') if isinstance(config, dict) else None!r})")
    version = config.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        raise ModelFileError(f"{name} has format version {version!r}; this pynn reads "
                             f"version {VERSION} (upgrade pynn to open newer files)")
    if not isinstance(config.get("layers"), list) or not config["layers"]:
        raise ModelFileError(f"{name} has no layers in its config")
    return config


def _build_layer(spec: dict, index: int) -> Layer:
    kind = spec.get("type") if isinstance(spec, dict) else None
    if kind not in LAYER_TYPES:
        raise ModelFileError(f"layer {index} has unknown type {kind!r}; "
                             f"known: {', '.join(LAYER_TYPES)}")
    args = {k: v for k, v in spec.items() if k not in ("type", "rng")}
    if kind in ("Dense", "Dropout"):
        args["rng"] = np.random.default_rng(index)  # seeded: loading never touches global state
    try:
        return LAYER_TYPES[kind](**args)
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"layer {index} ({kind}) has bad settings: {error}") from None
