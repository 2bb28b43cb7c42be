"""Convnets in the studio: the CNN preset fills the form (and the link), Reset builds it, it
trains with the same controls and charts, and the weights tab shows its 5×5 filters and the
first layer's feature maps of a drawing. A diverging CNN stops and keeps its last good
weights; a downloaded CNN uploads again and answers exactly as before; a learner's Conv2D
from the lab trains in the convnet."""

import numpy as np
from playwright.sync_api import expect

import pynn

from studio_page import DIGITS, small_in_corner
from test_lab_page import SOLUTIONS, check, open_lab, pick, upload

CNN = "conv16x5 pool2 conv32x5 pool2"   # pynn.config.PRESETS["CNN"]


def test_the_cnn_preset_trains_and_shows_its_filters_and_what_it_sees_in_a_drawing(studio):
    studio.by("preset").select_option("CNN")
    expect(studio.by("field-arch")).to_have_value(CNN)
    expect(studio.by("field-hidden")).to_have_value("128")
    expect(studio.by("reset-hint")).to_be_visible()
    studio.configure(epochs="1", shift="0")
    expect(studio.by("preset")).to_have_value("")   # changed: no longer the preset itself
    assert "arch=conv16x5" in studio.page.url
    studio.reset()
    expect(studio.by("model-summary")).to_contain_text("Conv2D(1, 16, 5), ReLU(), MaxPool2D(2), Conv2D(16, 32, 5)")
    studio.click("train")
    studio.wait_epochs(1)
    studio.wait_run_state("idle")
    assert studio.percent("val-accuracy") > 70
    studio.click("tab-weights")
    filters = studio.by("weights").locator("canvas")
    expect(filters).to_have_count(16)
    assert filters.first.evaluate("c => [c.width, c.height]") == [5, 5]
    expect(studio.by("feature-maps")).to_be_hidden()
    studio.draw(DIGITS["7"])
    maps = studio.by("feature-maps").locator("canvas")
    expect(maps).to_have_count(16)
    assert maps.first.evaluate("c => [c.width, c.height]") == [24, 24]
    expect(maps.first).to_have_attribute("aria-label", "filter 1's map")
    studio.click("clear")
    expect(studio.by("feature-maps")).to_be_hidden()


def test_a_bad_convolution_is_named_in_the_form(studio):
    studio.set_field("arch", "conv8x5 pool2 conv16x5 pool2 conv4x5")
    expect(studio.by("error-arch")).to_contain_text("'conv4x5' needs at least 5×5 pixels")
    expect(studio.by("reset")).to_be_disabled()


def test_the_pretrained_cnn_reads_the_drawn_digits_too(studio, artifacts):
    studio.click("pretrained-cnn")
    expect(studio.by("model-summary")).to_contain_text("Conv2D(1, 16, 5)")
    expect(studio.by("status")).to_contain_text("the pretrained CNN")
    expect(studio.by("field-arch")).to_have_value(CNN)   # its recipe fills the form
    expect(studio.by("preset")).to_have_value("CNN")
    expect(studio.by("test-accuracy")).not_to_have_text("–", timeout=30_000)
    assert studio.percent("test-accuracy") >= 98.5
    for digit in ("1", "7"):
        assert studio.draw_digit(digit) == digit
        studio.click("clear")
    studio.draw(small_in_corner(DIGITS["7"], corner=(0.05, 0.05)))
    assert studio.settled_prediction() == "7"
    studio.click("clear")
    studio.draw_digit("7")
    studio.click("tab-weights")
    expect(studio.by("feature-maps").locator("canvas")).to_have_count(16)
    studio.page.locator("#panel-weights").scroll_into_view_if_needed()
    studio.page.screenshot(path=str(artifacts / "cnn.png"), full_page=True)   # docs/cnn.png
    studio.click("pretrained-model")
    expect(studio.by("model-summary")).to_contain_text("Dense(784, 256)")


def test_a_diverging_cnn_stops_says_so_and_keeps_its_last_good_weights(studio):
    # the codelab's net at this rate blows up its first convolution's weights in a few batches
    studio.small_cnn(arch="conv8x5 pool2 conv16x5 pool2", hidden="", optimizer="momentum", lr="0.01")
    studio.draw_digit("1")
    message = studio.diverge_then_recover("Conv2D(1, 8, 5)")   # and the same convnet trains on
    assert "diverged" in message and "1.W" in message   # 1.W: the first Conv2D's filters


def test_a_downloaded_cnn_uploads_again_with_identical_predictions(studio, tmp_path):
    studio.small_cnn(seed="3", epochs="1")
    studio.click("train")
    studio.wait_epochs(1)
    studio.wait_run_state("idle")
    studio.draw_digit("7")
    trained = studio.probabilities()
    saved = studio.download_model(tmp_path)
    assert saved.name == "pynn-cnn-16-1ep.npz"
    # the same file in CPython: the same convnet, the same answer for the same drawing
    network = pynn.load(saved)
    assert repr(network).startswith("Network([Reshape((1, 28, 28)), Conv2D(1, 4, 5), ReLU(), MaxPool2D(4)")
    pixels, width, height = studio.pad_pixels()
    image = pynn.preprocess_drawing(np.frombuffer(pixels, np.uint8).reshape(height, width))
    assert np.allclose(network.predict_proba(image[None])[0], trained, atol=1e-5)
    # another model (the pretrained MLP) answers differently; the upload brings the CNN back
    studio.click("pretrained-model")
    expect(studio.by("model-summary")).to_contain_text("Dense(784, 256)")
    expect(studio.by("field-arch")).to_have_value("")
    studio.page.wait_for_timeout(500)
    assert studio.probabilities() != trained
    studio.upload("Upload model…", saved)
    expect(studio.by("status")).to_contain_text("Loaded pynn-cnn-16-1ep.npz")
    summary = studio.by("model-summary")
    expect(summary).to_contain_text("Conv2D(1, 4, 5), ReLU(), MaxPool2D(4), Flatten(), Dense(144, 16)")
    expect(summary).to_contain_text("trained 1 epoch")
    expect(studio.by("field-arch")).to_have_value("conv4x5 pool4")   # its recipe came with it
    expect(studio.by("field-seed")).to_have_value("3")
    studio.page.wait_for_timeout(500)
    assert studio.probabilities() == trained
    studio.click("tab-weights")
    expect(studio.by("weights").locator("canvas")).to_have_count(4)   # its 5×5 filters
    expect(studio.by("feature-maps").locator("canvas")).to_have_count(4)


def test_train_with_my_layers_puts_the_learners_conv2d_in_the_convnet(studio, tmp_path):
    # batch 32: a step with this Conv2D's loops (~20x pynn's) stays far inside the studio's
    # step budget even on a loaded machine (at 64 it comes within a third of it)
    studio.small_cnn(epochs="1", batch_size="32")
    open_lab(studio)
    pick(studio, "conv2d")
    upload(studio, tmp_path, (SOLUTIONS / "my_conv.py").read_text(), name="my_conv.py")
    assert set(check(studio).values()) == {"pass"}
    expect(studio.by("lab-train-note")).to_contain_text("your Conv2D")
    studio.click("lab-train")
    expect(studio.by("model-summary")).to_contain_text("Reshape((1, 28, 28)), your Conv2D(1, 4, 5), ReLU()",
                                                       timeout=60_000)
    studio.wait_epochs(1)
    studio.wait_run_state("idle")
    expect(studio.by("error")).to_be_hidden()
    assert studio.percent("val-accuracy") > 50
    studio.click("tab-weights")
    expect(studio.by("weights").locator("canvas")).to_have_count(4)   # their filters
