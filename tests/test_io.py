import io
import json
import zipfile

import numpy as np
import pytest

import pynn
from pynn import ModelFileError


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


CORRUPTIONS = [
    ("not a zip", lambda d: b"hello, I am not a model", "not a pynn model \\(.npz\\) file or is corrupt"),
    ("truncated", lambda d: d[: len(d) // 2], "not a pynn model \\(.npz\\) file or is corrupt"),
    ("no config", lambda d: rewrite(d, lambda a: a.pop("config.json")), "no config.json entry"),
    ("bad json", lambda d: rewrite(d, lambda a: a.update({"config.json": np.array("{oops")})), "not valid JSON"),
    ("other format", lambda d: rewrite(d, with_config(format="keras")), "not a pynn model file \\(format is 'keras'\\)"),
    ("newer version", lambda d: rewrite(d, with_config(version=99)), "format version 99; this pynn reads version 1"),
    ("unknown layer", lambda d: rewrite(d, with_config(layers=[{"type": "Conv2D"}])), "layer 0 has unknown type 'Conv2D'"),
    ("shape mismatch", lambda d: rewrite(d, lambda a: a.update({"layers.0.W": np.zeros((20, 5), np.float32)})),
     r"0.W: expected shape \(20, 12\), got \(20, 5\)"),
    ("missing weights", lambda d: rewrite(d, lambda a: a.pop("layers.3.b")), r"missing \['3.b'\]"),
    ("nan weights", lambda d: rewrite(d, lambda a: a["layers.0.W"].__setitem__((0, 0), np.nan)), "0.W contains NaN"),
    ("bad layer settings", lambda d: rewrite(d, with_config(layers=[{"type": "Dense", "input_units": -4, "output_units": 2}])),
     "layer 0 \\(Dense\\) has bad settings"),
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
