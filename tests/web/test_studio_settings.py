"""The settings form: built from pynn's settings table, validated by pynn, live
where it can be, kept in the URL hash."""

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from pynn.config import FIELDS

MARKS = {"live": ("⚡", "applies at once, even mid-run"), "on_reset": ("↻", "applies on Reset")}
ROLES = {"arch": "textbox", "sizes": "textbox", "choice": "combobox", "number": "spinbutton", "int": "spinbutton"}
ANY = re.compile(r".*")


def test_the_form_shows_one_field_per_setting_of_pynns_table_in_order(form):
    boxes = form.by("settings").locator(".field")
    expect(boxes).to_have_count(len(FIELDS) + 1)   # the Preset chooser first
    expect(boxes.nth(0).locator("select")).to_have_attribute("data-testid", "preset")
    for i, field in enumerate(FIELDS):
        box, control = boxes.nth(i + 1), form.by(f"field-{field.name}")
        expect(box.locator("input, select")).to_have_attribute("data-testid", f"field-{field.name}")
        # its label names it (the mark is only a visual cue), and says when a change applies
        named = form.page.get_by_role(ROLES[field.kind], name=field.label, exact=True)
        expect(named).to_have_attribute("name", field.name)
        mark, title = MARKS.get(field.applies, ("", ""))
        expect(box.locator("label")).to_have_text(f"{field.label} {mark}".strip())
        marks = box.locator("label [aria-hidden=true]")
        expect(marks).to_have_count(1 if mark else 0)
        if mark:
            expect(marks).to_have_attribute("title", title)
        # its help (pynn's text) is behind a visible ⓘ, not only a tooltip (tests/web/test_studio_demo.py opens it)
        expect(form.by(f"help-{field.name}")).to_have_attribute("aria-label", f"About {field.label}")
        expect(form.by(f"help-text-{field.name}")).to_have_text(field.help)
        expect(form.by(f"help-text-{field.name}")).to_be_hidden()
        expect(control).to_have_attribute("aria-describedby", f"e-{field.name}")
        expect(box.locator("small.field-error")).to_have_attribute("data-testid", f"error-{field.name}")
        if field.kind == "choice":
            values = control.locator("option").evaluate_all("options => options.map(o => o.value)")
            assert values == list(field.choices), field.name
        elif field.kind in ("sizes", "arch"):
            expect(control).to_have_attribute("type", "text")
            expect(box).to_have_class(re.compile(r"\bwide\b"))
        else:
            expect(control).to_have_attribute("type", "number")
            expect(control).to_have_attribute("step", "1" if field.kind == "int" else "any")
            assert float(control.get_attribute("min")) == field.low, field.name
            assert float(control.get_attribute("max")) == field.high, field.name
    expect(form.by("field-activation").locator("option:checked")).to_have_text("ReLU")


def test_a_bad_value_marks_its_field_invalid_until_it_is_fixed(form):
    momentum = next(f for f in FIELDS if f.name == "momentum")
    form.set_field("optimizer", "momentum")
    form.set_field("momentum", "1.5")
    expect(form.by("field-momentum")).to_have_attribute("aria-invalid", "true")
    expect(form.by("error-momentum")).to_contain_text(f"{momentum.high:g}")
    expect(form.by("field-lr")).not_to_have_attribute("aria-invalid", ANY)
    expect(form.by("train")).to_be_disabled()
    form.by("field-momentum").fill("0.5")
    expect(form.by("field-momentum")).not_to_have_attribute("aria-invalid", ANY)
    expect(form.by("error-momentum")).to_have_text("")
    expect(form.by("train")).to_be_enabled()


def test_the_url_hash_round_trips_a_setup(studio, open_page):
    studio.configure(hidden="48,24", activation="tanh", init="glorot", optimizer="momentum",
                     lr="0.05", momentum="0.8", batch_size="100", epochs="7", dropout="0.2", seed="42")
    url = studio.page.url
    shared = {k: v[0] for k, v in parse_qs(urlsplit(url).fragment).items()}
    assert shared["hidden"] == "48,24" and shared["lr"] == "0.05" and shared["seed"] == "42"
    # a friend opens the link: the same form; the network is built when they press Reset
    friend = open_page("#" + urlsplit(url).fragment)
    for name, value in [("hidden", "48,24"), ("lr", "0.05"), ("momentum", "0.8"), ("batch_size", "100"),
                        ("epochs", "7"), ("dropout", "0.2"), ("seed", "42")]:
        expect(friend.by(f"field-{name}")).to_have_value(value)
    expect(friend.by("field-activation")).to_have_value("tanh")
    expect(friend.by("field-optimizer")).to_have_value("momentum")
    expect(friend.by("status")).to_contain_text("Press Reset to build it")
    expect(friend.by("reset-hint")).to_be_visible()
    expect(friend.by("model-summary")).to_contain_text("trained 20 epochs")   # the pretrained one, kept
    friend.reset()
    expect(friend.by("model-summary")).to_contain_text("Dense(784, 48), Tanh(), Dropout(0.2), Dense(48, 24)")
    expect(friend.by("train")).to_be_enabled()
    # reloading keeps the form too
    friend.page.reload()
    friend.page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=90_000)
    expect(friend.by("field-hidden")).to_have_value("48,24")
    expect(friend.by("reset-hint")).to_be_visible()


def test_bad_values_are_named_by_pynn_and_block_training_until_fixed(form):
    form.set_field("lr", "-1")
    form.set_field("hidden", "100,abc")
    expect(form.by("error-lr")).to_have_text("Learning rate must be a number from 1e-07 to 10000, got '-1'")
    expect(form.by("error-hidden")).to_contain_text("'abc'")
    expect(form.by("field-lr")).to_have_attribute("aria-invalid", "true")
    expect(form.by("field-hidden")).to_have_attribute("aria-invalid", "true")
    expect(form.by("train")).to_be_disabled()
    expect(form.by("reset")).to_be_disabled()
    form.configure(lr="0.01", hidden="256,128")
    expect(form.by("error-lr")).to_have_text("")
    expect(form.by("field-lr")).not_to_have_attribute("aria-invalid", ANY)
    expect(form.by("field-hidden")).not_to_have_attribute("aria-invalid", ANY)
    expect(form.by("train")).to_be_enabled()


def test_the_architecture_needs_reset_while_the_learning_rate_applies_live(studio):
    studio.set_field("hidden", "20")
    expect(studio.by("reset-hint")).to_be_visible()
    expect(studio.by("train")).to_be_disabled()
    expect(studio.by("model-summary")).to_contain_text("Dense(784, 256)")   # unchanged
    studio.reset()
    expect(studio.by("reset-hint")).to_be_hidden()
    expect(studio.by("model-summary")).to_contain_text("Dense(784, 20)")
    studio.configure(epochs="50", shift="0", dropout="0")
    studio.reset()
    studio.click("train")
    studio.wait_run_state("running")
    # mid-run: architecture and run settings are locked, the live (⚡) settings are not
    live = [f.name for f in FIELDS if f.applies == "live"]
    assert {"optimizer", "lr", "weight_decay"} <= set(live)
    for field in FIELDS:
        if field.applies != "live":
            expect(studio.by(f"field-{field.name}")).to_be_disabled()
        elif field.name != "momentum":
            expect(studio.by(f"field-{field.name}")).to_be_enabled()
    expect(studio.by("field-momentum")).to_be_disabled()    # only for the momentum optimizer
    studio.configure(lr="0.0005")
    studio.set_field("optimizer", "momentum")
    expect(studio.by("field-momentum")).to_be_enabled()
    studio.wait_epochs(1)
    expect(studio.by("model-summary")).to_contain_text("Momentum, learning rate 0.0005")
    studio.click("stop")
    studio.wait_run_state("idle")
    expect(studio.by("field-hidden")).to_be_enabled()


def test_the_controls_work_from_the_keyboard(studio):
    studio.by("field-hidden").focus()
    studio.page.keyboard.press("Control+a")
    studio.page.keyboard.type("16")
    studio.by("reset").focus()
    studio.page.keyboard.press("Enter")
    expect(studio.by("model-summary")).to_contain_text("Dense(784, 16)")
    studio.by("step").focus()
    studio.page.keyboard.press("Space")
    studio.wait_run_state("paused")
    assert studio.epochs() == 1
    studio.by("tab-digits").focus()
    studio.page.keyboard.press("ArrowRight")
    expect(studio.by("tab-confusion")).to_have_attribute("aria-selected", "true")
    expect(studio.by("confusion")).to_be_visible()
