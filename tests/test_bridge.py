"""The worker's view of pynn: requests in, plain answers out, failures change nothing."""

import numpy as np
import pytest

import pynn
from pynn.bridge import Studio


@pytest.fixture(scope="module")
def studio():
    s = Studio()
    s.handle({"type": "reset", "config": {"hidden": "32", "epochs": 1, "batch_size": 128, "dropout": 0}})
    return s


def drawing_of(digit_image, scale=10):
    big = np.kron(digit_image.reshape(28, 28), np.ones((scale, scale)))
    return np.round(big * 255).astype(np.uint8)


def test_unknown_requests_and_bad_arguments_are_answered_not_raised(studio):
    assert studio.handle({"type": "explode"}) == {"ok": False, "error": "unknown request type 'explode'"}
    answer = studio.handle({"type": "predict", "pixels": b"\x00" * 10, "width": 28, "height": 28})
    assert answer == {"ok": False, "error": "got 10 pixels for a 28×28 drawing"}


def test_defaults_offer_the_recipe_and_the_choices(studio):
    answer = studio.handle({"type": "defaults"})
    assert answer["config"] == pynn.TrainingConfig().to_dict()
    assert answer["choices"]["optimizer"] == ["sgd", "momentum", "adam"]
    applies = answer["applies"]
    assert sorted(applies["on_reset"] + applies["live"] + applies["next_run"]) == sorted(answer["config"])
    assert "hidden" in applies["on_reset"] and "lr" in applies["live"] and "epochs" in applies["next_run"]


def test_check_config_validates_every_field_and_tells_when_a_reset_is_needed(studio):
    answer = studio.handle({"type": "check_config", "config": {"hidden": "32", "lr": "0.5", "dropout": 0}})
    assert answer["ok"] and answer["valid"] and not answer["needs_reset"]
    assert answer["config"]["lr"] == 0.5 and answer["config"]["hidden"] == [32]
    assert studio.handle({"type": "check_config", "config": {"hidden": "64"}})["needs_reset"]
    bad = studio.handle({"type": "check_config", "config": {"lr": "-1", "hidden": "10,x", "seed": "3"}})
    assert bad == {"ok": True, "valid": False, "errors": {
        "lr": "lr must be a number from 1e-7 to 10000, got -1.0",
        "hidden": "hidden layer sizes must be whole numbers from 1 to 4096, got 'x' in '10,x'"}}


def test_predict_an_empty_canvas_and_a_digit(studio, digits):
    empty = studio.handle({"type": "predict", "pixels": bytes(280 * 280), "width": 280, "height": 280})
    assert empty == {"ok": True, "empty": True}
    canvas = drawing_of(digits.X_test[0])
    answer = studio.handle({"type": "predict", "pixels": canvas.tobytes(), "width": 280, "height": 280})
    assert answer["ok"] and not answer["empty"]
    assert len(answer["probs"]) == 10 and sum(answer["probs"]) == pytest.approx(1)
    assert answer["digit"] == int(np.argmax(answer["probs"]))
    assert len(answer["input"]) == 784


def test_a_run_in_slices_with_step_semantics_and_stop(studio):
    studio.handle({"type": "reset"})
    started = studio.handle({"type": "start"})
    assert started["n_batches"] == 63 and started["epochs"] == 1 and started["epochs_done"] == 0
    first = studio.handle({"type": "train_slice", "budget_ms": 0})
    assert first["state"] == "running" and len(first["losses"]) == 1 and first["batch"] == 1
    assert first["at"] == [pytest.approx(1 / 63)] and first["smoothed"] == first["losses"]
    # Step: slices that stop at the end of the epoch (each slice keeps to its budget)
    slices = [studio.handle({"type": "train_slice", "budget_ms": 0, "until_epoch_end": True})
              for _ in range(62)]
    assert all(len(s["losses"]) == 1 and not s["epoch_ends"] for s in slices)
    end = studio.handle({"type": "train_slice", "budget_ms": 60000, "until_epoch_end": True})
    assert end["losses"] == [] and len(end["epoch_ends"]) == 1
    assert end["epoch_ends"][0]["epoch"] == 1 and end["epoch_ends"][0]["run_epoch"] == 1
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(end["epoch_ends"][0])
    assert end["state"] == "running"  # the generator ends on the next call
    assert studio.handle({"type": "train_slice"})["state"] == "finished"
    assert studio.handle({"type": "train_slice"}) == {"ok": False, "error": "no training run: press Train first"}
    assert studio.handle({"type": "info"})["model"]["epochs_done"] == 1


def test_a_second_run_continues_the_epoch_count_and_the_smoothed_loss(studio):
    studio.handle({"type": "reset"})
    studio.handle({"type": "start"})
    one = studio.handle({"type": "train_slice", "budget_ms": 60000})
    assert one["state"] == "finished" and one["epoch_ends"][0]["epoch"] == 1
    losses = np.array(one["losses"])
    assert np.all(np.isfinite(one["smoothed"])) and np.std(one["smoothed"]) < np.std(losses)
    assert studio.handle({"type": "start"})["epochs_done"] == 1
    two = studio.handle({"type": "train_slice", "budget_ms": 0})
    assert two["at"] == [pytest.approx(1 + 1 / 63)]
    assert abs(two["smoothed"][0] - one["smoothed"][-1]) < abs(two["losses"][0] - one["smoothed"][-1]) + 1e-9
    assert studio.handle({"type": "reset"})["model"]["epochs_done"] == 0


def test_learning_rate_applies_live_and_architecture_needs_reset(studio):
    studio.handle({"type": "start"})
    answer = studio.handle({"type": "set_config", "config": {**studio.config.to_dict(), "lr": 0.0123}})
    assert answer["ok"] and studio.network.optimizer.lr == 0.0123
    assert answer["model"]["optimizer"]["lr"] == 0.0123
    refused = studio.handle({"type": "set_config", "config": {**studio.config.to_dict(), "hidden": [8]}})
    assert refused == {"ok": False, "error": "the architecture or seed changed: press Reset to apply it"}
    studio.handle({"type": "stop"})


def test_divergence_is_reported_and_the_weights_stay_good(digits):
    s = Studio()
    s.handle({"type": "reset", "config": {"hidden": "100,200", "dropout": 0, "optimizer": "sgd",
                                          "lr": 10000, "epochs": 3}})
    s.handle({"type": "start"})
    with np.errstate(all="ignore"):
        answer = s.handle({"type": "train_slice", "budget_ms": 10000})
    assert answer["state"] == "diverged" and "training diverged at epoch 1" in answer["error"]
    assert all(np.all(np.isfinite(p)) for _, p, _ in s.network.parameters())
    assert s.handle({"type": "report"})["ok"]


def test_save_and_load_a_model_through_the_bridge(studio, digits):
    saved = studio.handle({"type": "save_model"})["data"]
    other = Studio()
    answer = other.handle({"type": "load_model", "data": saved})
    assert answer["ok"] and answer["model"]["summary"] == repr(studio.network)
    assert answer["model"]["epochs_done"] == studio.epochs_done
    assert answer["config"] == studio.config.to_dict()
    canvas = drawing_of(digits.X_test[3]).tobytes()
    request = {"type": "predict", "pixels": canvas, "width": 280, "height": 280}
    assert other.handle(request)["probs"] == studio.handle(request)["probs"]
    assert pynn.load(saved).count_params() == studio.network.count_params()


def test_bad_model_files_are_refused_and_nothing_changes(studio):
    before = repr(studio.network)
    for data, message in ((b"junk", "not a pynn model"),
                          (pynn.io.to_bytes(pynn.build_mlp(20, (4,), 3)), "expects 20 inputs and 3 classes")):
        answer = studio.handle({"type": "load_model", "data": data, "name": "x.npz"})
        assert not answer["ok"] and message in answer["error"]
    assert repr(studio.network) == before


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
    assert answer["ok"] and answer["data"] == {"name": "mine.csv", "rows": 50, "train": 40, "val": 5, "test": 5}
    bad = good.replace(b"\n0,", b"\n12,", 1) if b"\n0," in good else good + b"12" + b",0" * 784 + b"\n"
    refused = s.handle({"type": "load_csv", "data": bad})
    assert not refused["ok"] and "is not a digit 0–9" in refused["error"]
    assert s.data_info()["data"]["name"] == "mine.csv"
    assert s.handle({"type": "use_digits"})["data"]["rows"] == 10000


def test_a_new_studio_predicts_without_loading_the_dataset(digits):
    s = Studio()
    canvas = drawing_of(digits.X_test[1])
    assert s.handle({"type": "predict", "pixels": canvas.tobytes(), "width": 280, "height": 280})["ok"]
    assert s._data is None  # the page is ready to predict before the digits are unpacked
    assert Studio()._network is None  # nor is a network initialised that a model file replaces
    assert s.handle({"type": "info"})["data"] == {"name": "bundled MNIST digits", "rows": 10000,
                                                  "train": 8000, "val": 1000, "test": 1000}


def test_typed_array_proxies_are_read_with_one_copy():
    class FakeJsProxy:  # what Pyodide passes for a Uint8Array: to_bytes() and to_py()
        def to_bytes(self):
            return b"\x01\x02"

        def to_py(self):
            raise AssertionError("to_py copies twice; to_bytes is preferred")

    from pynn.bridge import _bytes
    assert _bytes(FakeJsProxy()) == b"\x01\x02" and _bytes(memoryview(b"ab")) == b"ab"
