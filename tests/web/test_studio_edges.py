"""The page at its edges: size limits that hold, charts that only move forward, links and
history that never lose a trained network, readouts that belong to the current network and
data, messages in the page's words, and focus that stays somewhere sensible."""

import pytest
from playwright.sync_api import expect

import pynn
from pynn.studio.limits import KERNEL, config_cost, max_batch_size
from studio_page import DIGITS

PROMPT_MS = 1_000   # "at once": Pause, Stop and a prediction (~100 ms), with room for a busy machine


def csv_text(images, labels) -> str:
    header = "label," + ",".join(f"p{i}" for i in range(784))
    return "\n".join([header, *(f"{y}," + ",".join(map(str, x)) for x, y in zip(images, labels))]) + "\n"


# -- 1. limits -----------------------------------------------------------------------------------

@pytest.mark.parametrize("hidden", ["2800", "4096", "2048,2048"])
def test_networks_too_big_for_the_browser_are_refused_in_the_form(form, hidden):
    form.set_field("hidden", hidden)
    expect(form.by("error-hidden")).to_contain_text("Too big")
    expect(form.by("error-hidden")).to_contain_text("Pause, Stop and drawing answer at once")
    expect(form.by("field-hidden")).to_have_attribute("aria-invalid", "true")
    expect(form.by("train")).to_be_disabled()
    expect(form.by("reset")).to_be_disabled()
    expect(form.by("model-summary")).to_contain_text("Dense(784, 256)")   # nothing changed


def test_the_largest_network_the_form_accepts_pauses_stops_and_predicts_at_once(studio):
    largest = max_batch_size(config_cost(pynn.TrainingConfig(hidden=(2048,))), KERNEL)
    studio.set_field("hidden", "2048")   # with the default batch of 64: the batch size is named
    expect(studio.by("error-batch_size")).to_contain_text(f"At most {largest} ")
    studio.configure(hidden="2048", batch_size=str(largest), epochs="3", dropout="0", shift="0")
    studio.reset()
    studio.click("train")
    studio.wait_run_state("running")
    studio.page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=\"loss-chart\"]').dataset.points) >= 5")
    studio.draw(DIGITS["7"])
    expect(studio.by("prediction")).not_to_have_text("", timeout=PROMPT_MS)
    studio.by("pause").click()
    studio.wait_run_state("paused", timeout=PROMPT_MS)
    studio.by("pause").click()
    studio.wait_run_state("running", timeout=PROMPT_MS)
    studio.by("stop").click()
    studio.wait_run_state("idle", timeout=PROMPT_MS)


# -- 2. charts only move forward --------------------------------------------------------------------

def last_x(studio, testid="loss-chart") -> float:
    studio.page.wait_for_timeout(100)   # one animation frame for the chart to draw
    return float(studio.by(testid).get_attribute("data-last-x"))


def test_the_loss_chart_continues_after_stop_and_a_settings_change(studio):
    # 30 epochs: each Stop lands mid-run however slow or fast the machine is
    studio.small_network(batch_size="32", epochs="30")
    studio.click("train")
    studio.page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=\"loss-chart\"]').dataset.points) >= 30")
    studio.click("stop")
    studio.wait_run_state("idle")
    stopped_at = last_x(studio)
    assert 0 < stopped_at < 3
    done = studio.epochs()      # epochs finished before Stop (a fast machine may have finished one)
    studio.configure(lr="0.0005")
    studio.click("train")
    studio.wait_epochs(done + 1)
    studio.click("stop")
    studio.wait_run_state("idle")
    loss, accuracy = studio.by("loss-chart"), studio.by("accuracy-chart")
    assert last_x(studio) > stopped_at + 1 - 1e-6      # a whole epoch further, never back
    expect(loss).to_have_attribute("data-backwards", "0")
    expect(accuracy).to_have_attribute("data-backwards", "0")
    expect(loss.locator(".chart-summary")).to_contain_text("Loss chart: at ")   # its text alternative


def test_new_data_mid_run_ends_the_run_says_so_and_starts_a_new_chart_segment(studio, tmp_path):
    images, labels = pynn.data.load_digits_raw()
    mine = tmp_path / "mine.csv"
    mine.write_text(csv_text(images[:500], labels[:500]))
    studio.small_network(batch_size="32", epochs="30")     # the upload lands mid-run on any machine
    studio.click("train")
    studio.wait_epochs(1)
    expect(studio.by("val-accuracy")).not_to_have_text("–")
    studio.upload("Upload CSV…", mine)
    expect(studio.by("data-summary")).to_contain_text("mine.csv: 500 rows")
    studio.wait_run_state("idle")
    expect(studio.by("status")).to_contain_text("Training stopped.")
    for testid in ("train-accuracy", "val-accuracy", "train-loss", "val-loss"):
        expect(studio.by(testid)).to_have_text("–")   # they described the old data
    expect(studio.by("loss-chart")).to_have_attribute("data-segments", "1")
    before = last_x(studio)
    studio.click("step")
    studio.wait_run_state("paused")
    assert last_x(studio) > before
    expect(studio.by("loss-chart")).to_have_attribute("data-backwards", "0")
    expect(studio.by("val-accuracy")).not_to_have_text("–")


# -- 4. links and history ---------------------------------------------------------------------------

def test_a_link_during_training_fills_the_form_and_applies_only_live_settings(studio):
    studio.small_network(batch_size="32", epochs="40")
    studio.click("train")
    studio.wait_epochs(1)
    studio.page.evaluate("() => { location.hash = 'hidden=64&lr=0.0002'; }")
    expect(studio.by("field-hidden")).to_have_value("64")
    expect(studio.by("field-lr")).to_have_value("0.0002")
    expect(studio.by("reset-hint")).to_be_visible()
    assert studio.run_state() == "running" and studio.epochs() >= 1   # nothing thrown away
    expect(studio.by("model-summary")).to_contain_text("Dense(784, 32)")
    studio.click("stop")
    studio.wait_run_state("idle")
    assert "hidden=64" in studio.page.url   # the link still describes the form


def test_back_and_forward_never_throw_away_a_trained_network(studio):
    studio.small_network(batch_size="64", epochs="1")
    studio.click("train")
    studio.wait_epochs(1)
    studio.wait_run_state("idle")
    url = studio.page.url
    studio.page.goto(url.split("#")[0] + "#hidden=16&seed=5")   # a pasted link: a history entry
    expect(studio.by("field-hidden")).to_have_value("16")
    expect(studio.by("reset-hint")).to_be_visible()   # checked, and the link rewritten to the form
    studio.page.go_back()
    assert studio.page.url == url
    expect(studio.by("field-hidden")).to_have_value("32")
    expect(studio.by("reset-hint")).to_be_hidden()
    studio.page.go_forward()
    expect(studio.by("field-hidden")).to_have_value("16")
    expect(studio.by("field-seed")).to_have_value("5")
    expect(studio.by("reset-hint")).to_be_visible()
    assert studio.epochs() == 1
    expect(studio.by("model-summary")).to_contain_text("Dense(784, 32)")
    studio.reset()   # the person decides
    expect(studio.by("model-summary")).to_contain_text("Dense(784, 16)")


def test_the_bad_link_banner_goes_when_the_fields_are_fixed(open_page):
    page = open_page("#lr=-5&batch_size=1e9")
    expect(page.by("error-text")).to_contain_text("Some settings in the link are not valid")
    expect(page.by("error-lr")).to_have_text("Learning rate must be a number from 1e-07 to 10000, got '-5'")
    expect(page.by("error-batch_size")).to_contain_text("Batch size must be a whole number")
    page.configure(lr="0.001", batch_size="64")
    expect(page.by("error")).to_be_hidden()


# -- 6. messages in the page's words -----------------------------------------------------------------

@pytest.mark.parametrize("name, value, words", [
    ("lr", "1e9", "Learning rate must be a number from 1e-07 to 10000, got '1e9'"),
    ("batch_size", "2.5", "Batch size must be a whole number from 1 to 65536, got '2.5'"),
    ("weight_decay", "2", "Weight decay must be a number from 0 to 1, got '2'"),
    ("hidden", "²", "Hidden layers must be whole numbers"),
])
def test_field_messages_use_the_forms_labels(form, name, value, words):
    form.set_field(name, value)
    expect(form.by(f"error-{name}")).to_contain_text(words)
    text = form.by(f"error-{name}").text_content()
    assert "_" not in text and "int()" not in text and "literal" not in text


# -- 7. focus ---------------------------------------------------------------------------------------

def test_focus_moves_on_when_the_pressed_button_disables_itself(studio):
    studio.small_network(batch_size="32", epochs="40")
    studio.by("train").focus()
    studio.page.keyboard.press("Enter")
    studio.wait_run_state("running")
    expect(studio.by("pause")).to_be_focused()
    studio.by("stop").focus()
    studio.page.keyboard.press("Enter")
    studio.wait_run_state("idle")
    expect(studio.by("train")).to_be_focused()
    assert studio.page.evaluate("() => document.activeElement !== document.body")
