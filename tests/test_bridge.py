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


def test_check_config_validates_and_tells_when_a_reset_is_needed(studio):
    answer = studio.handle({"type": "check_config", "config": {"hidden": "32", "lr": "0.5", "dropout": 0}})
    assert answer["ok"] and not answer["needs_reset"]
    assert studio.handle({"type": "check_config", "config": {"hidden": "64"}})["needs_reset"]
    bad = studio.handle({"type": "check_config", "config": {"lr": "-1"}})
    assert bad == {"ok": False, "error": "lr must be a number from 1e-7 to 10000, got -1.0"}


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
    assert started["n_batches"] == 63 and started["epochs"] == 1
    first = studio.handle({"type": "train_slice", "budget_ms": 0})
    assert first["state"] == "running" and len(first["losses"]) == 1 and first["batch"] == 1
    rest = studio.handle({"type": "train_slice", "until_epoch_end": True})
    assert len(rest["epoch_ends"]) == 1 and rest["epoch_ends"][0]["epoch"] == 1
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(rest["epoch_ends"][0])
    assert rest["state"] == "running"  # the generator ends on the next call
    assert studio.handle({"type": "train_slice"})["state"] == "finished"
    assert studio.handle({"type": "train_slice"}) == {"ok": False, "error": "no training run: press Train first"}


def test_learning_rate_applies_live_and_architecture_needs_reset(studio):
    studio.handle({"type": "start"})
    answer = studio.handle({"type": "set_config", "config": {**studio.config.to_dict(), "lr": 0.0123}})
    assert answer["ok"] and studio.network.optimizer.lr == 0.0123
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
    assert np.array(report["confusion"]).sum() == 1000
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
