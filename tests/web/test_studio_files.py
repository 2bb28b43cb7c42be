"""The studio's files: models in and out (.npz, the same file in CPython), and your own CSV."""

import numpy as np
import pytest
from playwright.sync_api import expect

import pynn


def csv_text(images, labels) -> str:
    header = "label," + ",".join(f"{r}x{c}" for r in range(1, 29) for c in range(1, 29))
    rows = [f"{y}," + ",".join(map(str, x)) for x, y in zip(images, labels)]
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture(scope="module")
def digits_uint8():
    images, labels = pynn.data.load_digits_raw()
    return images, labels


def test_download_then_upload_gives_identical_predictions_in_the_page_and_in_cpython(studio, tmp_path):
    studio.small_network(seed="7")
    studio.click("step")
    studio.wait_run_state("paused")
    studio.click("stop")
    studio.wait_run_state("idle")
    studio.draw_digit("7")
    trained = studio.probabilities()
    saved = studio.download_model(tmp_path)
    assert saved.name == "pynn-32-1ep.npz"
    # the same file in CPython: same network, same answer for the same drawing
    network = pynn.load(saved)
    assert repr(network) == "Network([Dense(784, 32), ReLU(), Dense(32, 10)])"
    pixels, width, height = studio.pad_pixels()
    image = pynn.preprocess_drawing(np.frombuffer(pixels, np.uint8).reshape(height, width))
    assert np.allclose(network.predict_proba(image[None])[0], trained, atol=1e-5)
    # a different network forgets it; uploading the file brings back exactly the same answers
    studio.configure(seed="8")
    studio.reset()
    studio.page.wait_for_timeout(500)
    assert studio.probabilities() != trained
    studio.upload("Upload model…", saved)
    expect(studio.by("status")).to_contain_text("Loaded pynn-32-1ep.npz")
    expect(studio.by("model-summary")).to_contain_text("trained 1 epoch")
    expect(studio.by("field-seed")).to_have_value("7")         # its settings came with it
    studio.page.wait_for_timeout(500)
    assert studio.probabilities() == trained
    # and the pretrained model is one click away
    studio.click("pretrained-model")
    expect(studio.by("model-summary")).to_contain_text("Dense(784, 256)")
    assert studio.settled_prediction() == "7"


def test_bad_model_files_say_why_and_change_nothing(studio, tmp_path):
    studio.draw_digit("7")
    before = studio.probabilities()
    summary = studio.by("model-summary").text_content()
    junk = tmp_path / "holiday-photo.npz"
    junk.write_bytes(b"\x89PNG not a model at all")
    other = tmp_path / "iris.npz"
    pynn.save(pynn.build_mlp(4, (8,), 3), other)
    for path, message in ((junk, "not a pynn model"), (other, "expects 4 inputs and 3 classes")):
        studio.upload("Upload model…", path)
        text = studio.error_text()
        assert path.name in text and message in text and "unchanged" in text
        studio.dismiss_error()
        expect(studio.by("model-summary")).to_have_text(summary)
        assert studio.probabilities() == before
    # training still works
    studio.small_network()
    studio.click("step")
    studio.wait_run_state("paused")
    assert studio.epochs() == 1


def test_a_csv_of_your_own_trains_with_a_validation_split(studio, tmp_path, digits_uint8):
    images, labels = digits_uint8
    mine = tmp_path / "my_digits.csv"
    mine.write_text(csv_text(images[:600], labels[:600]))
    studio.upload("Upload CSV…", mine)
    expect(studio.by("data-summary")).to_contain_text("my_digits.csv: 600 rows (480 train / 60 validation / 60 test)")
    expect(studio.by("status")).to_contain_text("600 rows")
    expect(studio.by("gallery-summary")).to_contain_text("of 60 right")
    studio.small_network(batch_size="48")
    studio.click("step")
    studio.wait_run_state("paused")
    assert studio.epochs() == 1 and studio.chart_points("loss-chart") == 10   # 480 / 48
    studio.click("stop")
    studio.wait_run_state("idle")
    studio.click("use-digits")
    expect(studio.by("data-summary")).to_contain_text("bundled MNIST digits: 10,000 rows")
    expect(studio.by("use-digits")).to_be_disabled()


def test_bad_csv_files_name_the_row_and_column_and_training_still_works(studio, tmp_path, digits_uint8):
    images, labels = digits_uint8
    good = csv_text(images[:40], labels[:40]).splitlines()
    bad_label = good[:2] + ["12" + good[2][1:]] + good[3:]
    bad_pixel = good[:4] + [good[4].rsplit(",", 1)[0] + ",300"] + good[5:]
    bad_text = good[:3] + [good[3].replace(",", ",abc,", 1).replace(",abc,", ",abc", 1).replace(",", ",", 1)] + good[4:]
    cases = {
        "labels.csv": (bad_label, "line 3, column 1 ('label'): label 12 is not a digit 0–9"),
        "pixels.csv": (bad_pixel, "line 5, column 785 ('28x28'): pixel value 300 is outside 0–255"),
        "header_only.csv": (good[:1], "no data rows"),
        "short_rows.csv": (good[:6] + [good[6].rsplit(",", 1)[0]] + good[7:], "line 7 has 784 values; expected 785"),
        "words.csv": (good[:3] + ["7,a" + good[3][good[3].index(",") + 2:]] + good[4:], "line 4, column 2"),
    }
    for name, (lines, message) in cases.items():
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n")
        studio.upload("Upload CSV…", path)
        text = studio.error_text()
        assert name in text and message in text, text
        studio.dismiss_error()
        expect(studio.by("data-summary")).to_contain_text("bundled MNIST digits: 10,000 rows")
    studio.small_network()
    studio.click("step")
    studio.wait_run_state("paused")
    assert studio.epochs() == 1 and studio.chart_points("loss-chart") == 63


def test_a_60000_row_csv_loads_without_crashing_the_tab(studio, tmp_path, digits_uint8):
    images, labels = digits_uint8
    block = csv_text(images, labels)
    header, body = block.split("\n", 1)
    big = tmp_path / "mnist_train.csv"
    with open(big, "w") as f:
        f.write(header + "\n")
        for _ in range(6):
            f.write(body)
    assert big.stat().st_size > 100_000_000
    studio.upload("Upload CSV…", big)
    expect(studio.by("data-summary")).to_contain_text("60,000 rows (48,000 train / 6,000 validation / 6,000 test)",
                                                      timeout=120_000)
    expect(studio.by("gallery-summary")).to_contain_text("of 6000 right", timeout=60_000)
    assert studio.draw_digit("7") == "7"
