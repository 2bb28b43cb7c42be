"""Convnets in the studio: the CNN preset fills the form (and the link), Reset builds it, it
trains with the same controls and charts, and the weights tab shows its 5×5 filters and the
first layer's feature maps of a drawing."""

from playwright.sync_api import expect

from studio_page import DIGITS, small_in_corner

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
