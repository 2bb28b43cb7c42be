"""Save and load: round trips (every activation and optimizer in pynn's tables, convnets),
and damaged or hostile files refused with a ModelFileError that names the problem."""

import io
import json
import re
import tracemalloc
import zipfile

import numpy as np
import pytest

import pynn
from pynn import ModelFileError
from pynn.registry import ACTIVATIONS, OPTIMIZERS


@pytest.fixture
def network():
    net = pynn.TrainingConfig(hidden=(12, 8), dropout=0.2, optimizer="momentum", seed=3).build_network(20, 4)
    x = np.random.default_rng(0).random((32, 20), dtype=np.float32)
    y = np.arange(32) % 4
    for _ in range(3):
        net.train_step(x, y)
    return net


def test_round_trip_keeps_architecture_weights_predictions_and_optimizer(network, tmp_path, rng):
    path = tmp_path / "model.npz"
    pynn.save(network, path, metadata={"note": "hello"})
    loaded = pynn.load(path)
    assert repr(loaded) == repr(network)
    x = rng.random((10, 20), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(x), network.predict_proba(x))
    assert loaded.optimizer.config() == network.optimizer.config()
    assert loaded.optimizer.steps == 3
    for key, value in network.optimizer.state_dict().items():
        np.testing.assert_array_equal(loaded.optimizer.state_dict()[key], value)
    assert loaded.metadata == {"note": "hello"}


def test_training_continues_identically_after_a_round_trip(tmp_path, rng):
    """Weights and Adam's moments both come back, so the next steps match exactly."""
    net = pynn.TrainingConfig(hidden=(12,), dropout=0.0, optimizer="adam").build_network(20, 4)
    x = rng.random((16, 20), dtype=np.float32)
    y = np.arange(16) % 4
    net.train_step(x, y)
    pynn.save(net, tmp_path / "m.npz")
    loaded = pynn.load(tmp_path / "m.npz")
    for _ in range(3):
        net.train_step(x, y)
        loaded.train_step(x, y)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[key], value)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_saves_and_loads(activation, rng):
    net = pynn.TrainingConfig(hidden=(7,), activation=activation, dropout=0.0).build_network(6, 3)
    loaded = pynn.load(pynn.io.to_bytes(net))
    assert repr(loaded) == repr(net) and loaded.config() == net.config()
    x = rng.normal(size=(5, 6)).astype(np.float32)
    np.testing.assert_array_equal(loaded.logits(x), net.logits(x))


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_saves_and_loads_with_its_state(optimizer, rng):
    net = pynn.TrainingConfig(hidden=(7,), dropout=0.0, optimizer=optimizer).build_network(6, 3)
    x, y = rng.random((8, 6), dtype=np.float32), np.arange(8) % 3
    net.train_step(x, y)
    loaded = pynn.load(pynn.io.to_bytes(net))
    assert loaded.optimizer.config() == net.optimizer.config()
    assert loaded.optimizer.state_dict().keys() == net.optimizer.state_dict().keys()
    net.train_step(x, y)
    loaded.train_step(x, y)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[key], value)


def test_bytes_and_file_objects_work_and_path_is_used_exactly(network, tmp_path):
    data = pynn.io.to_bytes(network, include_optimizer=False)
    loaded = pynn.load(data)
    assert loaded.optimizer.steps == 0
    pynn.save(network, tmp_path / "no_extension")
    assert (tmp_path / "no_extension").exists() and not (tmp_path / "no_extension.npz").exists()
    with open(tmp_path / "no_extension", "rb") as f:
        assert repr(pynn.load(f)) == repr(network)


def rewrite(data: bytes, change) -> bytes:
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    change(arrays)
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def with_config(**changes):
    def change(arrays):
        config = json.loads(str(arrays["config.json"]))
        config.update(changes)
        arrays["config.json"] = np.array(json.dumps(config))
    return change


def with_layer(index, spec):
    def change(arrays):
        config = json.loads(str(arrays["config.json"]))
        config["layers"][index] = spec
        arrays["config.json"] = np.array(json.dumps(config))
    return change


def with_layers(specs, **weights):
    """Only these layer configs and these ``layers.*`` arrays (and no optimizer state)."""
    def change(arrays):
        for key in [k for k in arrays if k.startswith(("layers.", "optimizer."))]:
            del arrays[key]
        with_config(layers=specs)(arrays)
        arrays.update({f"layers.{key.replace('_', '.')}": value for key, value in weights.items()})
    return change


def setting(key, value):
    return lambda arrays: arrays.__setitem__(key, value)


def nan_at(key, index, value=np.nan):
    return lambda arrays: arrays[key].__setitem__(index, value)


def with_member(data: bytes, name: str, payload: bytes | None) -> bytes:
    """The archive with member ``name`` replaced by raw ``payload`` (or only that member if
    ``data`` is empty)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as new:
        if data:
            with zipfile.ZipFile(io.BytesIO(data)) as old:
                for info in old.infolist():
                    if info.filename != name:
                        new.writestr(info, old.read(info))
        new.writestr(name, payload)
    return out.getvalue()


def lying_npy(shape, data: bytes) -> bytes:
    """A .npy entry whose header declares ``shape`` (float32) but which holds ``data``."""
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return out.getvalue() + data


def npy_bytes(array) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def deep(value, levels):
    """``value`` inside ``levels`` nested lists."""
    for _ in range(levels):
        value = [value]
    return value


NOT_NPZ = "not a pynn model \\(.npz\\) file or is corrupt"
HUGE_DENSE = {"type": "Dense", "input_units": 100000, "output_units": 100000}


CORRUPTIONS = [
    ("not a zip", lambda d: b"hello, I am not a model", "not a pynn model \\(.npz\\) file or is corrupt"),
    ("truncated", lambda d: d[: len(d) // 2], "not a pynn model \\(.npz\\) file or is corrupt"),
    ("no config", lambda d: rewrite(d, lambda a: a.pop("config.json")), "no config.json entry"),
    ("bad json", lambda d: rewrite(d, lambda a: a.update({"config.json": np.array("{oops")})), "not valid JSON"),
    ("other format", lambda d: rewrite(d, with_config(format="keras")), "not a pynn model file \\(format is 'keras'\\)"),
    ("newer version", lambda d: rewrite(d, with_config(version=99)), "format version 99; this pynn reads version 1"),
    ("unknown layer", lambda d: rewrite(d, with_config(layers=[{"type": "Conv3D"}])), "layer 0 has unknown type 'Conv3D'"),
    ("shape mismatch", lambda d: rewrite(d, lambda a: a.update({"layers.0.W": np.zeros((20, 5), np.float32)})),
     r"layer 0 \(Dense\) declares W of shape \(20, 12\) but the file holds \(20, 5\)"),
    ("missing weights", lambda d: rewrite(d, lambda a: a.pop("layers.3.b")), r"layer 3 \(Dense\) has no b \(entry layers.3.b is missing\)"),
    ("nan weights", lambda d: rewrite(d, lambda a: a["layers.0.W"].__setitem__((0, 0), np.nan)), "0.W contains NaN"),
    ("bad layer settings", lambda d: rewrite(d, with_config(layers=[{"type": "Dense", "input_units": -4, "output_units": 2}])),
     "layer 0 \\(Dense\\) has bad settings"),
    # -- the archive --------------------------------------------------------------------
    ("empty file", lambda d: b"", NOT_NPZ),
    ("a .npy, not a .npz", lambda d: npy_bytes(np.zeros(3)), NOT_NPZ),
    ("zip that is not an npz", lambda d: with_member(b"", "readme.txt", b"hi"),
     "entry 'readme.txt' is not a .npy array"),
    ("non-npy member", lambda d: with_member(d, "notes.txt", b"hi"), "entry 'notes.txt' is not a .npy array"),
    ("npy header larger than its data", lambda d: with_member(d, "layers.0.W.npy", lying_npy((100000, 100000), bytes(16))),
     r"entry layers.0.W declares float32 of shape \(100000, 100000\) \(40000000000 bytes\) but holds 16 bytes"),
    ("broken npy header", lambda d: with_member(d, "layers.0.W.npy", b"\x93NUMPY\x01\x00\x05\x00{oops"),
     "entry layers.0.W is not a valid .npy array"),
    ("object array", lambda d: rewrite(d, setting("layers.0.W", np.array([{}], dtype=object))),
     "entry layers.0.W holds Python objects"),
    ("unexpected entry", lambda d: rewrite(d, setting("junk", np.zeros(3))), r"unexpected entries \['junk'\]"),
    ("parameter for a layer without", lambda d: rewrite(d, setting("layers.1.W", np.zeros((2, 2)))),
     r"unexpected entries \['layers.1.W'\]"),
    ("optimizer state without optimizer", lambda d: rewrite(d, with_config(optimizer=None)),
     r"unexpected entries \['optimizer.steps'.*\(the config has no optimizer\)"),
    # -- config.json ----------------------------------------------------------------------
    ("config not 0-d", lambda d: rewrite(d, lambda a: a.update({"config.json": a["config.json"][None]})),
     r"config.json must be a single string, got <U\d+ of shape \(1,\)"),
    ("config a number", lambda d: rewrite(d, setting("config.json", np.array(5))), "config.json must be a single string"),
    ("json not an object", lambda d: rewrite(d, setting("config.json", np.array("[1, 2]"))),
     "config.json must hold a JSON object, got list"),
    ("json nested too deep", lambda d: rewrite(d, setting("config.json", np.array("[" * 100000))),
     "config.json nests deeper than 100 levels"),  # json.loads would overflow Pyodide's stack
    ("metadata nested too deep", lambda d: rewrite(d, with_config(metadata=deep({}, 100))), "nests deeper than 100"),
    ("version a bool", lambda d: rewrite(d, with_config(version=True)), "format version True"),
    ("version a float", lambda d: rewrite(d, with_config(version=1.0)), "format version 1.0"),
    ("unknown config key", lambda d: rewrite(d, with_config(weights="here")), r"config.json has unexpected keys \['weights'\]"),
    ("metadata a list", lambda d: rewrite(d, with_config(metadata=[1, 2])), r"metadata must be a JSON object, got \[1, 2\]"),
    ("metadata a string", lambda d: rewrite(d, with_config(metadata="note")), "metadata must be a JSON object, got 'note'"),
    ("layers not a list", lambda d: rewrite(d, with_config(layers={"0": {"type": "ReLU"}})), "has no layers"),
    ("layer not an object", lambda d: rewrite(d, with_layer(1, "ReLU")), "layer 1 must be a JSON object, got 'ReLU'"),
    ("layer type not a string", lambda d: rewrite(d, with_layer(1, {"type": ["ReLU"]})), r"layer 1 has unknown type \['ReLU'\]"),
    ("units a string", lambda d: rewrite(d, with_layer(0, {"type": "Dense", "input_units": "20", "output_units": 12})),
     "layer 0 \\(Dense\\) has bad settings: Dense input_units must be a whole number >= 1, got '20'"),
    ("unknown layer setting", lambda d: rewrite(d, with_layer(1, {"type": "ReLU", "foo": 1})),
     r"layer 1 \(ReLU\) has unknown settings \['foo'\]"),
    ("bad dropout rate", lambda d: rewrite(d, with_layer(2, {"type": "Dropout", "rate": 1.5})),
     r"layer 2 \(Dropout\) has bad settings: Dropout rate must be a number in \[0, 1\), got 1.5"),
    # -- layers and weights ---------------------------------------------------------------
    ("no layer with parameters", lambda d: rewrite(d, with_layers([{"type": "ReLU"}])),
     "the layers do not fit together: a network needs a layer with parameters"),
    ("layers do not chain", lambda d: rewrite(d, with_layers(
        [{"type": "Dense", "input_units": 20, "output_units": 12}, {"type": "Dense", "input_units": 5, "output_units": 4}],
        **{"0_W": np.zeros((20, 12), np.float32), "0_b": np.zeros(12, np.float32),
           "1_W": np.zeros((5, 4), np.float32), "1_b": np.zeros(4, np.float32)})),
     r"the layers do not fit together: layer 1 Dense\(5, 4\) takes inputs of 5 values, but layer 0 Dense\(20, 12\) gives 12"),
    ("declared shape bigger than the file's", lambda d: rewrite(d, with_layer(0, HUGE_DENSE)),
     r"layer 0 \(Dense\) declares W of shape \(100000, 100000\) but the file holds \(20, 12\)"),
    ("string weights", lambda d: rewrite(d, setting("layers.0.W", np.full((20, 12), "x"))),
     "layer 0 \\(Dense\\): layers.0.W must be an array of numbers, got dtype <U1"),
    ("bool weights", lambda d: rewrite(d, setting("layers.6.b", np.zeros(4, bool))), "layers.6.b must be an array of numbers"),
    ("inf weights", lambda d: rewrite(d, nan_at("layers.3.b", 2, np.inf)), r"layers.3.b contains NaN or infinite values"),
    # -- optimizer ------------------------------------------------------------------------
    ("optimizer without type", lambda d: rewrite(d, with_config(optimizer={"lr": 0.1})), "the optimizer config has no type"),
    ("optimizer not an object", lambda d: rewrite(d, with_config(optimizer="momentum")),
     "the optimizer config must be a JSON object or null, got 'momentum'"),
    ("unknown optimizer", lambda d: rewrite(d, with_config(optimizer={"type": "rmsprop"})),
     "bad optimizer config: optimizer must be one of sgd, momentum, adam; got 'rmsprop'"),
    ("negative lr", lambda d: rewrite(d, with_config(optimizer={"type": "momentum", "lr": -1})),
     "bad optimizer config: lr must be a number > 0, got -1"),
    ("lr a string", lambda d: rewrite(d, with_config(optimizer={"type": "momentum", "lr": "x"})),
     "bad optimizer config: lr must be a number > 0, got 'x'"),
    ("unknown hyperparameter", lambda d: rewrite(d, with_config(optimizer={"type": "momentum", "gamma": 0.5})),
     r"bad optimizer config: Momentum has no hyperparameter\(s\) gamma"),
    ("optimizer state misshapen", lambda d: rewrite(d, setting("optimizer.v.0.W", np.zeros((20, 5), np.float32))),
     r"the optimizer state does not fit: optimizer state v.0.W has shape \(20, 5\); its parameter has shape \(20, 12\)"),
    ("optimizer state missing", lambda d: rewrite(d, lambda a: a.pop("optimizer.v.3.b")), r"missing \['v.3.b'\]"),
    ("another optimizer's state", lambda d: rewrite(d, with_config(optimizer={"type": "adam"})),
     r"the Adam state does not fit the network: missing \['m.0.W'"),
    ("nan optimizer state", lambda d: rewrite(d, nan_at("optimizer.v.0.W", (1, 2))), "optimizer state v.0.W contains NaN"),
    ("inf optimizer state", lambda d: rewrite(d, nan_at("optimizer.v.6.b", 0, -np.inf)), "optimizer state v.6.b contains NaN"),
    ("int optimizer state", lambda d: rewrite(d, setting("optimizer.v.0.b", np.zeros(12, np.int64))),
     "optimizer state v.0.b must hold floats"),
    ("string optimizer state", lambda d: rewrite(d, setting("optimizer.v.0.b", np.full(12, "x"))),
     "optimizer state v.0.b must hold floats"),
    ("negative steps", lambda d: rewrite(d, setting("optimizer.steps", np.array(-1))), "steps must be a whole number >= 0"),
    ("fractional steps", lambda d: rewrite(d, setting("optimizer.steps", np.array(2.5))), "steps must be a whole number >= 0"),
    ("steps not a scalar", lambda d: rewrite(d, setting("optimizer.steps", np.array([3]))), "steps must be a whole number >= 0"),
]


@pytest.mark.parametrize("name, corrupt, message", CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_corrupt_or_incompatible_files_raise_a_clear_error(name, corrupt, message, network):
    data = corrupt(pynn.io.to_bytes(network))
    with pytest.raises(ModelFileError, match=message):
        pynn.load(data)


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, **{"config.json": np.array([{"format": "pynn-model"}], dtype=object)})
    with pytest.raises(ModelFileError):
        pynn.load(path)


def test_model_file_is_a_plain_npz_with_a_json_config(network):
    data = pynn.io.to_bytes(network)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "config.json.npy" in names and "layers.0.W.npy" in names
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        config = json.loads(str(archive["config.json"]))
    assert config["format"] == "pynn-model" and config["version"] == 1
    assert config["layers"][0] == {"type": "Dense", "input_units": 20, "output_units": 12, "init": "he"}


def test_a_huge_declared_layer_is_refused_without_allocating_it(network):
    """Dense(100000, 100000) would be 37 GiB of float32: the declared shapes are compared
    with the file's arrays before any layer is built."""
    data = rewrite(pynn.io.to_bytes(network), with_layer(0, HUGE_DENSE))
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=r"declares W of shape \(100000, 100000\)"):
            pynn.load(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20


def test_an_optimizer_state_that_does_not_fit_is_refused_and_nothing_is_returned(network, tmp_path):
    """Before, this file loaded and its first step updated some layers and not others."""
    path = tmp_path / "model.npz"
    path.write_bytes(rewrite(pynn.io.to_bytes(network), lambda a: a.update(
        {"optimizer.v.3.W": np.zeros((8, 12), np.float32)})))
    loaded = None
    with pytest.raises(ModelFileError, match=rf"^{re.escape(str(path))}: the optimizer state does not "
                                             r"fit: optimizer state v.3.W has shape \(8, 12\)"):
        loaded = pynn.load(path)
    assert loaded is None


def test_nested_metadata_and_brackets_in_strings_load(network):
    metadata = {"note": "[[{{ \\\" ]]", "nested": deep({}, 40)}
    loaded = pynn.load(pynn.io.to_bytes(network, metadata=metadata))
    assert loaded.metadata == metadata


def test_weights_only_and_sgd_files_load(tmp_path, rng):
    net = pynn.TrainingConfig(hidden=(6,), dropout=0.0, optimizer="sgd").build_network(5, 3)
    net.train_step(rng.random((4, 5), dtype=np.float32), np.arange(4) % 3)
    for include_optimizer in (True, False):
        loaded = pynn.load(pynn.io.to_bytes(net, include_optimizer=include_optimizer))
        assert loaded.optimizer.config() == net.optimizer.config()
        assert loaded.optimizer.steps == (1 if include_optimizer else 0)


def test_sources_of_the_wrong_kind(network, tmp_path):
    with pytest.raises(TypeError, match="file must be a path, bytes or a binary file object, got 3"):
        pynn.load(3)
    pynn.save(network, tmp_path / "m.npz")
    with open(tmp_path / "m.npz", encoding="latin-1") as f, pytest.raises(TypeError, match="binary mode"):
        pynn.load(f)
    with pytest.raises(FileNotFoundError):
        pynn.load(tmp_path / "missing.npz")
    data = (tmp_path / "m.npz").read_bytes()
    for source in (bytearray(data), memoryview(data), str(tmp_path / "m.npz")):
        assert repr(pynn.load(source)) == repr(network)


def test_loading_leaves_numpys_global_random_state_alone(network):
    data = pynn.io.to_bytes(network)
    np.random.seed(7)
    before = np.random.get_state()
    pynn.load(data)
    after = np.random.get_state()
    np.testing.assert_array_equal(after[1], before[1])
    assert (after[0], *after[2:]) == (before[0], *before[2:])


@pytest.mark.parametrize("compressed", [False, True], ids=["stored", "deflated"])
def test_damaged_bytes_only_ever_raise_model_file_error(compressed, network):
    """Flip bytes or cut the file anywhere: it loads or raises ModelFileError, nothing else."""
    data = pynn.io.to_bytes(network)
    if compressed:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            out = io.BytesIO()
            np.savez_compressed(out, **{key: archive[key] for key in archive.files})
        data = out.getvalue()
    rng = np.random.default_rng(1)
    for _ in range(300):
        damaged = bytearray(data)
        if rng.random() < 0.2:
            damaged = damaged[: rng.integers(len(damaged))]
        else:
            for i in rng.integers(len(damaged), size=rng.integers(1, 4)):
                damaged[i] = rng.integers(256)
        try:
            pynn.load(bytes(damaged))
        except ModelFileError:
            pass


def test_damaged_npy_headers_only_ever_raise_model_file_error(network):
    """The zip is intact (so its checksums pass) but an entry's .npy header is damaged."""
    data = pynn.io.to_bytes(network)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entry = archive.read("layers.0.W.npy")
    rng = np.random.default_rng(2)
    for _ in range(100):
        damaged = bytearray(entry)
        for i in rng.integers(128, size=rng.integers(1, 4)):
            damaged[i] = rng.choice(list(b"(){}[]',:-0123456789 \n\x00\xff")) if rng.random() < 0.7 else rng.integers(256)
        try:
            pynn.load(with_member(data, "layers.0.W.npy", bytes(damaged)))
        except ModelFileError:
            pass


# -- conv networks, and files written before them ---------------------------------------------

def conv_network(optimizer="adam"):
    net = pynn.Network([pynn.Reshape((1, 12, 12)), pynn.Conv2D(1, 4, 3, padding=1, rng=0),
                        pynn.ReLU(), pynn.MaxPool2D(2), pynn.Conv2D(4, 6, 3, stride=2, rng=1),
                        pynn.ReLU(), pynn.Flatten(), pynn.Dropout(0.2, rng=2),
                        pynn.Dense(6 * 2 * 2, 3, rng=3)],
                       optimizer=pynn.make_optimizer(optimizer, lr=0.01))
    x = np.random.default_rng(0).random((16, 144), dtype=np.float32)
    for _ in range(2):
        net.train_step(x, np.arange(16) % 3)
    return net


def test_a_conv_network_round_trip_predicts_identically_and_trains_on_identically(tmp_path, rng):
    net = conv_network()
    pynn.save(net, tmp_path / "conv.npz")
    loaded = pynn.load(tmp_path / "conv.npz")
    assert repr(loaded) == repr(net) and loaded.config() == net.config()
    assert loaded.summary() == net.summary()
    x = rng.random((10, 144), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(x), net.predict_proba(x))
    y = np.arange(10) % 3
    net.layers[7].rate = loaded.layers[7].rate = 0.0  # no dropout draws: same steps
    for _ in range(2):
        net.train_step(x, y)
        loaded.train_step(x, y)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[key], value)


def test_conv_layers_are_saved_as_plain_json_in_format_version_1():
    data = pynn.io.to_bytes(conv_network(), include_optimizer=False)
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        config = json.loads(str(archive["config.json"]))
        assert archive["layers.1.W"].shape == (4, 1, 3, 3)
    assert config["version"] == 1
    assert config["layers"][:4] == [
        {"type": "Reshape", "shape": [1, 12, 12]},
        {"type": "Conv2D", "in_channels": 1, "out_channels": 4, "kernel_size": 3, "stride": 1,
         "padding": 1, "init": "he"},
        {"type": "ReLU"}, {"type": "MaxPool2D", "pool_size": 2}]
    assert config["layers"][6] == {"type": "Flatten"}


def test_an_mlp_file_as_written_before_conv_layers_still_loads(rng):
    """The archive written by hand, exactly as pynn wrote version-1 files before conv layers."""
    w0, w2 = rng.normal(size=(6, 5)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)
    b0, b2 = np.zeros(5, np.float32), np.full(3, 0.5, np.float32)
    config = {"format": "pynn-model", "version": 1,
              "layers": [{"type": "Dense", "input_units": 6, "output_units": 5, "init": "he"},
                         {"type": "ReLU"}, {"type": "Dense", "input_units": 5, "output_units": 3,
                                            "init": "glorot"}],
              "optimizer": {"type": "SGD", "lr": 0.1, "weight_decay": 0.0}, "metadata": {"old": True}}
    out = io.BytesIO()
    np.savez(out, **{"config.json": np.array(json.dumps(config)), "layers.0.W": w0, "layers.0.b": b0,
                     "layers.2.W": w2, "layers.2.b": b2, "optimizer.steps": np.array(7)})
    loaded = pynn.load(out.getvalue())
    assert repr(loaded) == "Network([Dense(6, 5), ReLU(), Dense(5, 3)])"
    assert loaded.input_units == 6 and loaded.n_classes == 3 and loaded.optimizer.steps == 7
    x = rng.normal(size=(4, 6)).astype(np.float32)
    np.testing.assert_allclose(loaded.forward(x), np.maximum(x @ w0 + b0, 0) @ w2 + b2, rtol=1e-6)


CONV = {"type": "Conv2D", "in_channels": 1, "out_channels": 4, "kernel_size": 3, "stride": 1,
        "padding": 1, "init": "he"}
CONV_CORRUPTIONS = [
    ("no kernel size", with_layer(1, {**CONV, "kernel_size": None}),
     r"layer 1 \(Conv2D\) has bad settings: Conv2D kernel_size must be a whole number >= 1, got None"),
    ("kernel size changed", with_layer(1, {**CONV, "kernel_size": 5}),
     r"layer 1 \(Conv2D\) declares W of shape \(4, 1, 5, 5\) but the file holds \(4, 1, 3, 3\)"),
    ("negative stride", with_layer(1, {**CONV, "stride": -1}),
     r"layer 1 \(Conv2D\) has bad settings: Conv2D stride must be a whole number >= 1, got -1"),
    ("unknown conv setting", with_layer(1, {**CONV, "dilation": 2}),
     r"layer 1 \(Conv2D\) has unknown settings \['dilation'\]"),
    ("reshape shape a string", with_layer(0, {"type": "Reshape", "shape": "1,12,12"}),
     r"layer 0 \(Reshape\) has bad settings: Reshape shape must be a tuple of sizes"),
    ("images too small", with_layer(0, {"type": "Reshape", "shape": [1, 4, 4]}),
     r"the layers do not fit together: layer 4 Conv2D\(4, 6, 3, stride=2\) cannot take the "
     r"4×2×2 output of layer 3 MaxPool2D\(2\): a 3×3 kernel does not fit a 2×2 image"),
    ("pool too large", with_layer(3, {"type": "MaxPool2D", "pool_size": 13}),
     r"the layers do not fit together: layer 3 MaxPool2D\(13\) cannot take the 4×12×12 output "
     r"of layer 1 Conv2D\(1, 4, 3, padding=1\): a 13×13 window does not fit a 12×12 image"),
]


@pytest.mark.parametrize("name, change, message", CONV_CORRUPTIONS, ids=[c[0] for c in CONV_CORRUPTIONS])
def test_conv_files_that_do_not_fit_raise_a_clear_error(name, change, message):
    data = rewrite(pynn.io.to_bytes(conv_network()), change)
    with pytest.raises(ModelFileError, match=message):
        pynn.load(data)
