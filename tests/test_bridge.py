"""The worker's view of pynn: requests in, plain answers out, failures change nothing.

(The training run's model is tested in test_studio_run.py.)"""

import numpy as np
import pytest

import pynn
from pynn.studio.bridge import Studio, _binary

SMALL = {"hidden": "32", "epochs": 2, "batch_size": 128, "dropout": 0, "shift": 0}


@pytest.fixture(scope="module")
def studio():
    s = Studio()
    assert s.handle({"type": "reset", "config": SMALL})["ok"]
    return s


def drawing_of(digit_image, scale=10):
    big = np.kron(digit_image.reshape(28, 28), np.ones((scale, scale)))
    return np.round(big * 255).astype(np.uint8)


def fingerprint(s: Studio) -> dict:
    """Everything a failed request must leave alone."""
    run = s.run
    return {"config": s.config, "objects": (s.session._network, s.session._data, run),
            "weights": [p.copy() for _, p, _ in s.network.parameters()],
            "values": (s.session.data_name, s.session.run_state, s.session.log.epochs_done,
                       s.network.optimizer.config(), run and (run.batches, run.stepping))}


def assert_same(before: dict, after: dict) -> None:
    assert after["config"] == before["config"] and after["values"] == before["values"]
    assert all(a is b for a, b in zip(before["objects"], after["objects"]))
    assert all(np.array_equal(a, b) for a, b in zip(before["weights"], after["weights"]))


DEEP = []
for _ in range(5000):   # deeper than Python's recursion limit
    DEEP = [DEEP]
PIXELS = {"pixels": bytes(28 * 28), "width": 28, "height": 28}
MALFORMED = [  # (request, what the error must name)
    (None, "request"), ([], "request"), ("predict", "request"), (5, "request"),
    ({}, "'type'"), ({"type": None}, "type None"), ({"type": 5}, "type 5"),
    ({"type": ["predict"]}, "type ['predict']"), ({"type": "explode"}, "'explode'"),
    ({"type": "PREDICT"}, "'PREDICT'"), ({"type": "handle"}, "'handle'"),
    ({"type": "_checked"}, "'_checked'"), ({"type": "__init__"}, "'__init__'"),
    ({"type": "session"}, "'session'"),
    ({"type": "info", "foo": 1}, "info got an unexpected argument 'foo'"),
    ({"type": "info", 1: 2}, "unexpected argument 1"),
    ({"type": "defaults", "config": {}}, "unexpected argument 'config'"),
    ({"type": "predict"}, "'pixels', 'width', 'height'"),
    ({"type": "predict", "pixels": b"", "width": 1}, "'height'"),
    ({"type": "predict", **PIXELS, "pixels": 5}, "pixels"),
    ({"type": "predict", **PIXELS, "pixels": 784}, "pixels"),
    ({"type": "predict", **PIXELS, "pixels": "abc"}, "pixels"),
    ({"type": "predict", **PIXELS, "pixels": [0] * 784}, "pixels"),
    ({"type": "predict", **PIXELS, "pixels": None}, "pixels"),
    ({"type": "predict", **PIXELS, "pixels": b"\x00" * 10}, "pixels has 10 values"),
    ({"type": "predict", **PIXELS, "width": "2"}, "width"),
    ({"type": "predict", **PIXELS, "width": 28.0}, "width"),
    ({"type": "predict", **PIXELS, "width": 0}, "width"),
    ({"type": "predict", **PIXELS, "height": -28}, "height"),
    ({"type": "predict", **PIXELS, "height": 10**12}, "height"),
    ({"type": "predict", **PIXELS, "width": True}, "width"),
    ({"type": "predict", **PIXELS, "width": float("nan")}, "width"),
    ({"type": "predict", **PIXELS, "height": None}, "height"),
    ({"type": "predict", **PIXELS, "width": "x" * 100_000}, "width"),
    ({"type": "predict", **PIXELS, "width": 8192, "height": 8192}, "pixels"),
    ({"type": "reset", "config": []}, "config"),
    ({"type": "reset", "config": "hidden=3"}, "config"),
    ({"type": "reset", "config": {"hidden": "x"}}, "Hidden layers"),
    ({"type": "reset", "config": {"hidden": [4097]}}, "Hidden layers"),
    ({"type": "reset", "config": {"hidden": {"a": 1}}}, "config['hidden']"),
    ({"type": "reset", "config": {"lr": float("nan")}}, "Learning rate"),
    ({"type": "reset", "config": {"lr": -1}}, "Learning rate"),
    ({"type": "reset", "config": {"lr": "inf"}}, "Learning rate"),
    ({"type": "reset", "config": {"lr": [0.1]}}, "Learning rate"),
    ({"type": "reset", "config": {"epochs": 1e9}}, "Epochs"),
    ({"type": "reset", "config": {"batch_size": "2.5"}}, "Batch size"),
    ({"type": "reset", "config": {"seed": -1}}, "Seed"),
    ({"type": "reset", "config": {"activation": 3}}, "Activation"),
    ({"type": "reset", "config": {"bogus": 1}}, "bogus"),
    ({"type": "reset", "config": {"hidden": DEEP}}, "config['hidden']"),
    ({"type": "check_config", "config": {"lr": DEEP}}, "config['lr']"),
    ({"type": "set_config", "config": {"lr": {"value": 1}}}, "config['lr']"),
    ({"type": "predict", **PIXELS, "pixels": DEEP}, "pixels"),
    ({"type": "set_config", "config": {"hidden": "8", "lr": 0.5}}, "Hidden layers"),
    ({"type": "set_config", "config": None}, "config"),
    ({"type": "set_config", "config": {"momentum": 2}}, "Momentum"),
    ({"type": "set_config"}, "'config'"),
    ({"type": "check_config", "config": []}, "config"),
    ({"type": "check_config"}, "'config'"),
    ({"type": "train_slice", "budget_ms": "x"}, "budget_ms"),
    ({"type": "train_slice", "budget_ms": float("nan")}, "budget_ms"),
    ({"type": "train_slice", "budget_ms": float("inf")}, "budget_ms"),
    ({"type": "train_slice", "budget_ms": -1}, "budget_ms"),
    ({"type": "train_slice", "budget_ms": 0}, "budget_ms"),
    ({"type": "train_slice", "budget_ms": 10**6}, "budget_ms"),
    ({"type": "train_slice", "budget_ms": None}, "budget_ms"),
    ({"type": "train_slice", "until_epoch_end": True}, "'until_epoch_end'"),
    ({"type": "train", "epochs": 3}, "'epochs'"),
    ({"type": "stop", "now": True}, "'now'"),
    ({"type": "load_model"}, "'data'"),
    ({"type": "load_model", "data": 5}, "data"),
    ({"type": "load_model", "data": "abc"}, "data"),
    ({"type": "load_model", "data": b"junk"}, "not a pynn model"),
    ({"type": "load_model", "data": b"", "name": 5}, "name"),
    ({"type": "load_csv", "data": None}, "data"),
    ({"type": "load_csv", "data": b""}, "CSV is empty"),
    ({"type": "load_csv", "data": b"label,p1\n1,2\n"}, "header"),
    ({"type": "load_csv", "data": b"", "name": []}, "name"),
    ({"type": "use_digits", "name": "x"}, "'name'"),
    ({"type": "install_digits"}, "'data'"),
    ({"type": "install_digits", "data": b"junk"}, "not a digits .npz"),
]


@pytest.mark.parametrize("request_, names", MALFORMED, ids=range(len(MALFORMED)))
def test_no_request_ever_raises_or_says_internal_error(studio, request_, names):
    before = fingerprint(studio)
    answer = studio.handle(request_)
    assert answer["ok"] is False and set(answer) == {"ok", "error"}
    error = answer["error"]
    assert names in error and "internal error" not in error
    assert "\n" not in error and len(error) <= 400
    assert_same(before, fingerprint(studio))


def test_defaults_answer_the_recipe_the_current_settings_and_the_fields_table(studio):
    answer = studio.handle({"type": "defaults"})
    assert answer["config"] == pynn.TrainingConfig().to_dict()
    assert answer["current"] == studio.config.to_dict() and answer["current"]["hidden"] == [32]
    assert answer["fields"] == pynn.config.defaults()["fields"]
    assert [f["name"] for f in answer["fields"]] == list(answer["config"])
    assert "choices" not in answer and "applies" not in answer


def test_check_config_validates_every_field_and_tells_when_a_reset_is_needed(studio):
    answer = studio.handle({"type": "check_config", "config": {"hidden": "32", "lr": "0.5", "dropout": 0}})
    assert answer["ok"] and answer["valid"] and not answer["needs_reset"]
    assert answer["config"] == {**studio.config.to_dict(), "lr": 0.5}
    assert studio.config.lr != 0.5   # checking applies nothing
    assert studio.handle({"type": "check_config", "config": {"hidden": "64"}})["needs_reset"]
    assert studio.handle({"type": "check_config", "config": {"seed": "3"}})["needs_reset"]
    bad = studio.handle({"type": "check_config", "config": {"lr": "-1", "hidden": "10,x", "seed": "3"}})
    assert bad["ok"] and not bad["valid"] and set(bad["errors"]) == {"lr", "hidden"}
    assert bad["errors"]["lr"].startswith("Learning rate must be") and "'x'" in bad["errors"]["hidden"]


def test_set_config_changes_only_the_given_settings(studio):
    before = studio.config
    answer = studio.handle({"type": "set_config", "config": {"lr": "0.0123"}})
    assert answer["ok"] and answer["config"] == {**before.to_dict(), "lr": 0.0123}
    assert studio.config.epochs == 2 and studio.config.batch_size == 128 and studio.config.shift == 0
    assert studio.network.optimizer.lr == 0.0123 and answer["model"]["optimizer"]["lr"] == 0.0123
    studio.handle({"type": "set_config", "config": {"optimizer": "momentum", "momentum": 0.5}})
    assert studio.network.optimizer.config()["type"] == "Momentum" and studio.config.lr == 0.0123
    refused = studio.handle({"type": "set_config", "config": {"hidden": [8], "seed": 9, "lr": 0.5}})
    assert refused == {"ok": False, "error": "Hidden layers, Seed can only change with a new network: "
                                             "press Reset to apply them"}
    assert studio.config.lr == 0.0123   # refused: nothing changed
    studio.handle({"type": "set_config", "config": before.to_dict()})
    assert studio.config == before and studio.network.optimizer.config()["type"] == "Adam"


def test_predict_an_empty_canvas_and_a_digit(studio, digits):
    empty = studio.handle({"type": "predict", "pixels": bytes(280 * 280), "width": 280, "height": 280})
    assert empty == {"ok": True, "empty": True}
    canvas = drawing_of(digits.X_test[0])
    answer = studio.handle({"type": "predict", "pixels": canvas.tobytes(), "width": 280, "height": 280})
    assert answer["ok"] and not answer["empty"]
    assert len(answer["probs"]) == 10 and sum(answer["probs"]) == pytest.approx(1)
    assert answer["digit"] == int(np.argmax(answer["probs"]))
    assert isinstance(answer["input"], bytes) and len(answer["input"]) == 784
    wide = studio.handle({"type": "predict", "pixels": bytearray(canvas[:140].tobytes()),
                          "width": 280, "height": 140})
    assert wide["ok"]


def test_out_of_memory_in_reset_changes_nothing(studio, monkeypatch):
    studio.handle({"type": "step"})   # a run in progress must survive too
    studio.handle({"type": "train_slice", "budget_ms": 1})
    studio.handle({"type": "pause"})
    before = fingerprint(studio)
    assert before["values"][1] == "paused"

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pynn.config.TrainingConfig, "build_network", no_memory)
    answer = studio.handle({"type": "reset", "config": {"hidden": "64", "lr": 0.5}})
    assert answer["ok"] is False and answer["error"].startswith("out of memory")
    assert_same(before, fingerprint(studio))
    monkeypatch.setattr(pynn.studio.session.io, "load", no_memory)
    assert not studio.handle({"type": "load_model", "data": b"x"})["ok"]
    monkeypatch.setattr(pynn.studio.session, "load_csv", no_memory)
    assert not studio.handle({"type": "load_csv", "data": b"x"})["ok"]
    assert_same(before, fingerprint(studio))
    assert studio.handle({"type": "stop"})["state"] == "idle"


def test_bad_model_files_and_csvs_change_nothing_not_even_the_run(studio):
    studio.handle({"type": "train"})
    studio.handle({"type": "train_slice", "budget_ms": 1})
    before = fingerprint(studio)
    for data, message in ((b"junk", "not a pynn model"),
                          (pynn.io.to_bytes(pynn.build_mlp(20, (4,), 3)), "expects 20 inputs and 3 classes")):
        answer = studio.handle({"type": "load_model", "data": data, "name": "x.npz"})
        assert not answer["ok"] and message in answer["error"]
    bad_csv = b"label," + b",".join(b"p%d" % i for i in range(784)) + b"\n12" + b",0" * 784 + b"\n"
    refused = studio.handle({"type": "load_csv", "data": bad_csv, "name": "bad.csv"})
    assert not refused["ok"] and "is not a digit 0–9" in refused["error"]
    assert_same(before, fingerprint(studio))
    assert studio.run is not None and studio.handle({"type": "stop"})["events"][-1]["reason"] == "stopped"


def test_save_and_load_a_model_through_the_bridge(studio, digits):
    saved = studio.handle({"type": "save_model"})["data"]
    other = Studio()
    answer = other.handle({"type": "load_model", "data": saved})
    assert answer["ok"] and answer["model"]["summary"] == repr(studio.network)
    assert answer["model"]["epochs_done"] == studio.session.log.epochs_done
    assert answer["config"] == studio.config.to_dict()
    canvas = drawing_of(digits.X_test[3]).tobytes()
    request = {"type": "predict", "pixels": canvas, "width": 280, "height": 280}
    assert other.handle(request)["probs"] == studio.handle(request)["probs"]
    assert pynn.load(saved).count_params() == studio.network.count_params()


def test_report_and_gallery_data(studio):
    report = studio.handle({"type": "report"})
    assert len(report["predicted"]) == 1000 and len(report["confidence"]) == 1000
    confusion = np.array(report["confusion"])
    assert confusion.sum() == 1000
    predicted = np.frombuffer(report["predicted"], np.uint8)
    wrong = set(np.flatnonzero(predicted != studio.data.y_test).tolist())
    assert set(report["mistakes"]) == wrong and len(report["mistakes"]) == 1000 - np.trace(confusion)
    confidence = np.frombuffer(report["confidence"], np.uint8)[report["mistakes"]]
    assert np.all(np.diff(confidence.astype(int)) <= 0)  # most confident mistakes first
    percent = np.array(report["confusion_percent"])
    assert np.all(np.abs(percent.sum(axis=1) - 100) <= 5)
    assert report["test_accuracy"] == pytest.approx(np.trace(confusion) / 1000)
    assert len(report["weight_images"]) == report["n_weight_images"] * 784
    images = studio.handle({"type": "test_images"})
    assert images["count"] == 1000 and len(images["images"]) == 784 * 1000


def test_csv_upload_replaces_the_data_and_errors_keep_it(digits):
    s = Studio()
    header = "label," + ",".join(f"p{i}" for i in range(784))
    rows = [f"{y}," + ",".join(map(str, np.round(x * 255).astype(int)))
            for x, y in zip(digits.X_train[:50], digits.y_train[:50])]
    good = ("\n".join([header, *rows]) + "\n").encode()
    answer = s.handle({"type": "load_csv", "data": good, "name": "mine.csv"})
    assert answer["ok"] and answer["data"] == {"name": "mine.csv", "bundled": False, "rows": 50, "train": 40, "val": 5, "test": 5}
    refused = s.handle({"type": "load_csv", "data": good.replace(b"\n", b"\n12,", 1)})
    assert not refused["ok"]
    assert s.handle({"type": "info"})["data"]["name"] == "mine.csv"
    assert s.handle({"type": "use_digits"})["data"]["rows"] == 10000


def test_a_new_studio_predicts_without_loading_the_dataset(digits):
    s = Studio()
    canvas = drawing_of(digits.X_test[1])
    assert s.handle({"type": "predict", "pixels": canvas.tobytes(), "width": 280, "height": 280})["ok"]
    assert s.session._data is None  # the page is ready to predict before the digits are unpacked
    assert Studio().session._network is None  # nor is a network built that a model file replaces
    assert s.handle({"type": "info"})["data"] == {"name": "bundled MNIST digits", "bundled": True, "rows": 10000,
                                                  "train": 8000, "val": 1000, "test": 1000}


def test_typed_array_proxies_are_read_with_one_copy():
    class FakeJsProxy:  # what Pyodide passes for a Uint8Array: to_bytes() and to_py()
        def to_bytes(self):
            return b"\x01\x02"

        def to_py(self):
            raise AssertionError("to_py copies twice; to_bytes is preferred")

    assert _binary("data", FakeJsProxy()) == b"\x01\x02" and _binary("data", memoryview(b"ab")) == b"ab"
    with pytest.raises(TypeError, match="data must be bytes"):
        _binary("data", 12)   # int has a to_bytes method, but it is not a buffer


@pytest.mark.native_only(reason="it starts a child Python")
def test_the_studio_starts_without_importing_the_lab():
    """The page's first Python work is the studio: the lab (checks, exercises, the learner's
    guard) is imported only when a request needs it, e.g. use_lab_layers."""
    import subprocess
    import sys

    probe = ("import sys; from pynn.studio.bridge import Studio; s = Studio(); s.handle({'type': 'defaults'}); "
             "print(sorted(m for m in sys.modules if m.startswith('pynn.lab')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
