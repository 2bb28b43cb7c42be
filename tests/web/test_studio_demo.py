"""The studio as a first-time demo, walked like a visitor and a teacher with a projector:
Train without touching anything else shows a network learning from chance; every figure
says what it is (help by tap and by keyboard, confidence below 100%, the train/validation
note); the drawing's activations layer by layer; the presentation view.

Screenshots (looked at by a person): test-artifacts/demo-*.png."""

import json
import re

from playwright.sync_api import expect

from studio_page import DIGITS, TRAIN_TIMEOUT_MS

# Neither a 4 nor a 9 nor a 7: a hook with a loose end.
AMBIGUOUS = [[(0.30, 0.30), (0.45, 0.20), (0.62, 0.30), (0.55, 0.50), (0.40, 0.55), (0.62, 0.62),
              (0.66, 0.80)]]


def accuracy_rows(studio, which):
    """The accuracy chart's first or last row: [epochs trained, train, validation]."""
    return json.loads(studio.by("accuracy-chart").get_attribute(f"data-{which}"))


def activations_picture(studio) -> list[str]:
    """What the activation view shows: each stage's canvas, as an image."""
    return studio.by("activations").locator("canvas").evaluate_all("all => all.map(c => c.toDataURL())")


def test_a_first_visitor_presses_train_and_watches_a_network_learn(studio, artifacts):
    page = studio.page
    # the pretrained model reads drawings; Train says what it will do
    expect(studio.by("model-summary")).to_contain_text("trained 20 epochs")
    expect(studio.by("train-note")).to_contain_text("fresh, untrained network")
    expect(studio.by("accuracy-chart").locator(".chart-empty")).to_contain_text("about 10%")
    expect(studio.by("activations")).to_contain_text("Draw a digit")

    # a drawing, layer by layer; another drawing changes the layers
    assert studio.draw_digit("7") == "7"
    expect(studio.by("activations").locator("li.stage")).to_have_count(3)
    expect(studio.by("activations")).to_contain_text("Dense(784, 256) + ReLU")
    seven = activations_picture(studio)
    studio.click("clear")
    studio.draw(DIGITS["1"])
    studio.settled_prediction()
    assert activations_picture(studio) != seven

    # an ambiguous drawing: the confidence shows its decimals, below 100%
    studio.click("clear")
    studio.draw(AMBIGUOUS)
    studio.settled_prediction()
    caption = studio.by("confidence").text_content()
    match = re.fullmatch(r"(\d+\.\d+)% sure", caption)
    assert match and float(match.group(1)) < 100, caption
    expect(studio.by("overconfident")).to_contain_text("overconfident")

    # Train, touching nothing else: a fresh network, from chance to over 90%
    studio.click("train")
    expect(studio.by("status")).to_contain_text("fresh, untrained network")
    expect(studio.by("model-summary")).to_contain_text("trained 0 epochs")
    expect(studio.by("train-note")).to_be_hidden()
    demo_epochs = int(studio.by("field-epochs").input_value())
    assert 1 <= demo_epochs < 20
    expect(studio.by("status")).to_contain_text("Finished", timeout=TRAIN_TIMEOUT_MS * 2)
    studio.wait_run_state("idle")
    assert studio.epochs() == demo_epochs
    assert studio.chart_points("accuracy-chart") == demo_epochs + 1   # the untrained network first
    first, last = accuracy_rows(studio, "first"), accuracy_rows(studio, "last")
    assert first[0] == 0 and first[2] < 0.5 and first[1] < 0.5, first       # chance, not epoch 21
    assert last[0] == demo_epochs and last[2] > 0.9, last
    assert studio.percent("val-accuracy") > 90
    expect(studio.by("train")).to_have_text("Train more")
    # the chart passed through the loading of the demo network only once: nothing continued the pretrained one
    assert studio.by("accuracy-chart").get_attribute("data-backwards") == "0"

    # train accuracy measured like validation, on request
    running = studio.percent("train-accuracy")
    studio.by("train-measured").check()
    expect(page.locator("#train-row-label")).to_have_text("train, measured")
    measured = studio.percent("train-accuracy")
    assert measured != running
    # the chart follows on its next frame (charts.js redraws in requestAnimationFrame)
    page.wait_for_function("(measured) => Math.abs(JSON.parse(document.querySelector("
                           "'[data-testid=\"accuracy-chart\"]').dataset.last)[1] * 100 - measured) < 0.06",
                           arg=measured, timeout=5_000)
    expect(studio.by("train-vs-validation")).to_contain_text("dropout")

    # the weights say how many units they show, with a colour scale
    studio.click("tab-weights")
    expect(studio.by("weights-count")).to_have_text("Showing the first 32 of the first layer's 256 units.")
    expect(studio.by("weights-scale")).to_be_visible()
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(400)   # charts redraw on the next frame
    page.screenshot(path=artifacts / "demo-default-run.png")

    # help by keyboard: from the Shift field back to its ⓘ, Enter opens it, Escape closes it
    studio.by("field-shift").focus()
    page.keyboard.press("Shift+Tab")
    expect(studio.by("help-shift")).to_be_focused()
    page.keyboard.press("Enter")
    expect(studio.by("help-text-shift")).to_be_visible()
    expect(studio.by("help-text-shift")).to_contain_text("moved up to this many pixels")
    expect(studio.by("help-shift")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(studio.by("help-text-shift")).to_be_hidden()

    # the presentation view: draw pad and live charts side by side, the settings out of the way
    studio.click("present")
    assert "present" in page.url.split("#", 1)[1].split("&")
    expect(studio.by("settings")).to_be_hidden()
    studio.click("train")
    studio.wait_epochs(demo_epochs + 1)
    studio.draw(DIGITS["7"])
    studio.settled_prediction()
    pad, chart = studio.by("draw-canvas").bounding_box(), studio.by("accuracy-chart").bounding_box()
    assert pad["x"] + pad["width"] <= chart["x"], (pad, chart)                    # side by side
    assert pad["y"] < chart["y"] + chart["height"] and chart["y"] < pad["y"] + pad["height"]
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(400)
    page.screenshot(path=artifacts / "demo-present.png")
    studio.click("stop")
    studio.wait_run_state("idle")
    studio.click("present")
    expect(studio.by("settings")).to_be_visible()


def test_help_opens_with_a_tap_on_a_phone(open_page, artifacts):
    phone = open_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                      device_scale_factor=2)
    button = phone.by("help-weight_decay")
    button.scroll_into_view_if_needed()
    expect(phone.by("help-text-weight_decay")).to_be_hidden()
    button.tap()
    expect(phone.by("help-text-weight_decay")).to_be_visible()
    expect(phone.by("help-text-weight_decay")).to_contain_text("towards 0")
    assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= 390
    phone.page.wait_for_timeout(200)
    phone.page.screenshot(path=artifacts / "demo-help-open.png")
    button.tap()
    expect(phone.by("help-text-weight_decay")).to_be_hidden()
