"""The lab as a course, as a student goes through it: the assignment's map with each
exercise's state, Next after a pass, the same place and the same ✓ after a reload, Start
over; the root cause of a failure first; at laptop size the statement, the whole starter
code and the results on one screen; on a phone the statement, code and results as tabs; a
teacher's course link (its exercises, its order, its "never" for solutions); and "Download
my assignment" as a notebook."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pynn.lab.courses import get_course
from test_lab_page import CHECK_TIMEOUT_MS, MY_LAYERS, check, editor_text, pick

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}
EXAMPLE_COURSE = get_course("layers")
RELU_WITHOUT_MASK = MY_LAYERS.replace("return grad_output * (input > 0)", "return grad_output")


def wait_for_lab(studio) -> None:
    expect(studio.by("lab")).to_be_visible(timeout=60_000)
    expect(studio.by("lab-check")).to_be_enabled(timeout=120_000)


def paste(studio, code: str) -> None:
    """Select everything in the editor, delete it, and paste `code` in. (Chromium's own
    editing, which replacing a selection by inserted text goes through, adds inline styles that
    the page's Content-Security-Policy refuses; a paste or a Delete is CodeMirror's.)"""
    studio.by("lab-editor").locator(".cm-content").click()
    studio.page.keyboard.press("Control+A")
    studio.page.keyboard.press("Delete")
    studio.page.keyboard.insert_text(code)


def step(studio, exercise: str):
    return studio.by("lab-map").locator(f'button[data-exercise="{exercise}"]')


def map_states(studio) -> dict[str, str]:
    return {button.get_attribute("data-exercise"): button.get_attribute("data-state")
            for button in studio.by("lab-map").locator("button").all()}


def root_cause(studio):
    return studio.by("lab-results").locator(":scope > li").first


def no_sideways_scroll(studio) -> None:
    scroller = studio.by("lab-editor").locator(".cm-scroller")
    width, client = scroller.evaluate("(e) => [e.scrollWidth, e.clientWidth]")
    assert width <= client, (width, client)


def inside(box, height: int) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height + 1


def test_a_student_goes_through_the_assignment_at_laptop_size(open_page, tmp_path, artifacts):
    studio = open_page(viewport=LAPTOP)
    studio.click("lab-open")
    wait_for_lab(studio)
    assert set(map_states(studio).values()) == {"not started"}
    expect(step(studio, "relu")).to_have_attribute("aria-current", "step")
    expect(step(studio, "relu")).to_contain_text("ReLU: not started")
    expect(studio.by("lab-status")).to_contain_text("Not checked yet")
    expect(studio.by("lab-statement").locator(".katex").first).to_be_visible()    # $\max(0, x)$
    expect(studio.by("lab-shapes")).to_contain_text("grad_output [batch, units] → grad_input [batch, units]")

    # The whole starter code without sideways scrolling, also the ones with long comments,
    # and after a long line of the learner's
    for exercise in ("dense", "conv2d", "relu"):
        pick(studio, exercise)
        no_sideways_scroll(studio)
    studio.by("lab-editor").locator(".cm-content").click()
    studio.page.keyboard.press("Control+End")
    studio.page.keyboard.insert_text("\n# " + "a long comment " * 20)
    no_sideways_scroll(studio)

    # Python's max on an array: the root cause says so, first; the autocomplete closes on Check
    paste(studio, MY_LAYERS.replace("return np.maximum(0, input)", "return max(0, input)")
          + "\n\ndef later():\n    ")
    studio.page.keyboard.type("pri")
    popup = studio.by("lab-editor").locator(".cm-tooltip-autocomplete")
    expect(popup).to_be_visible()
    check(studio)
    expect(popup).to_have_count(0)
    root = root_cause(studio)
    assert root.get_attribute("data-status") == "fail"
    expect(root).to_contain_text("np.maximum(0, input)")
    expect(studio.by("lab-status")).to_contain_text("fix this first: output shape")

    # A backward bug, its first hint open: statement, editor and results on one screen, the
    # results under the code (docs/lab.png is a copy of this screenshot)
    paste(studio, RELU_WITHOUT_MASK)
    check(studio)
    root = root_cause(studio)
    root.locator(".lab-help button").click()
    expect(root.locator(".lab-hint")).to_have_count(1)
    expect(studio.by("lab-check")).to_be_enabled(timeout=120_000)      # the next Python is up
    studio.by("lab-editor").locator(".cm-scroller").hover()
    studio.page.mouse.wheel(0, -5000)                                   # the code from its first line
    studio.by("lab").evaluate("(e) => e.scrollIntoView()")
    studio.page.wait_for_timeout(300)
    studio.page.screenshot(path=artifacts / "lab-course-1280x900.png")
    for part in (studio.by("lab-statement"), studio.by("lab-editor"), root, studio.by("lab-map")):
        assert inside(part.bounding_box(), LAPTOP["height"]), part
    assert root.bounding_box()["y"] >= studio.by("lab-editor").bounding_box()["y"]   # never above the code

    # Pass two exercises: ✓ in the map, Next, a never-checked exercise says so
    paste(studio, MY_LAYERS)
    assert set(check(studio).values()) == {"pass"}
    expect(step(studio, "relu")).to_have_attribute("data-state", "passed")
    expect(step(studio, "relu")).to_contain_text("ReLU: passed")
    expect(studio.by("lab-status")).to_contain_text("All")
    expect(studio.by("lab-next")).to_have_text("Next: Dense →")
    studio.click("lab-next")
    expect(step(studio, "dense")).to_have_attribute("aria-current", "step")
    expect(studio.by("lab-status")).to_contain_text("Not checked yet")
    expect(studio.by("lab-results").locator("li")).to_have_count(0)
    expect(studio.by("lab-next")).to_be_hidden()
    paste(studio, MY_LAYERS)
    assert set(check(studio).values()) == {"pass"}

    # Upload asks before it replaces code; saying no keeps it
    other = tmp_path / "other.py"
    other.write_text("print('something else')\n")
    with studio.page.expect_event("dialog") as asked:
        studio.upload("Upload .py…", other)
    assert "other.py" in asked.value.message
    asked.value.dismiss()
    assert "input.T @ grad_output" in editor_text(studio)
    expect(studio.by("lab-status")).not_to_contain_text("Loaded")

    # A reload goes on where the student was, with both ✓
    studio.page.reload()
    wait_for_lab(studio)
    expect(step(studio, "dense")).to_have_attribute("aria-current", "step")
    states = map_states(studio)
    assert states["relu"] == states["dense"] == "passed"
    assert set(states.values()) - {"passed"} == {"not started"}
    expect(studio.by("lab-status")).to_contain_text("All")
    studio.click("lab-next")
    third = studio.by("lab-map").locator("button").nth(2)
    expect(third).to_have_attribute("aria-current", "step")
    assert third.get_attribute("data-exercise") == "softmax"
    expect(studio.by("lab-status")).to_contain_text("Not checked yet")

    # Start over asks, then forgets everything
    studio.page.once("dialog", lambda dialog: dialog.accept())
    studio.click("lab-start-over")
    expect(step(studio, "relu")).to_have_attribute("aria-current", "step")
    expect(step(studio, "dense")).to_have_attribute("data-state", "not started")
    assert set(map_states(studio).values()) == {"not started"}
    assert "TODO" in editor_text(studio)


def test_a_course_link_on_a_phone_tabs_a_solution_never_shown_and_the_notebook(open_page):
    phone = open_page("#lab=no-such-course", **PHONE)
    wait_for_lab_error(phone)
    phone.page.evaluate("() => { location.hash = 'lab=layers'; }")     # the teacher's link
    expect(phone.by("lab-course")).to_contain_text(EXAMPLE_COURSE.title)
    steps = phone.by("lab-map").locator("button")
    expect(steps).to_have_count(len(EXAMPLE_COURSE.exercises))
    assert [b.get_attribute("data-exercise") for b in steps.all()] == list(EXAMPLE_COURSE.exercises)
    expect(phone.by("lab-check")).to_be_enabled(timeout=120_000)

    # Tabs: the statement first, then the code, then (after Check) the results
    tabs = phone.by("lab-tabs")
    expect(tabs).to_be_visible()
    expect(phone.by("lab-tab-statement")).to_have_attribute("aria-selected", "true")
    expect(phone.by("lab-statement")).to_be_visible()
    expect(phone.by("lab-editor")).to_be_hidden()
    phone.by("lab-tab-code").click()
    expect(phone.by("lab-editor")).to_be_visible()
    expect(phone.by("lab-statement")).to_be_hidden()
    phone.page.keyboard.press("ArrowRight")                     # the tablist's keys
    expect(phone.by("lab-tab-results")).to_be_focused()
    expect(phone.by("lab-panel-results")).to_be_visible()
    expect(phone.by("lab-editor")).to_be_hidden()
    phone.by("lab-tab-code").click()
    paste(phone, RELU_WITHOUT_MASK)

    # The course says never: no solution however many checks fail
    for run in range(1, 5):
        if run > 1:
            phone.by("lab-tab-code").click()
        phone.click("lab-check")
        expect(phone.by("lab-results")).to_have_attribute("data-runs", str(run), timeout=CHECK_TIMEOUT_MS)
        expect(phone.by("lab-tab-results")).to_have_attribute("aria-selected", "true")
        expect(root_cause(phone)).to_be_visible()
    # A backward bug: one root cause, where it goes wrong, the rest folded under it
    root = root_cause(phone)
    assert phone.by("lab-results").locator(':scope > li[data-status="fail"]').count() == 1
    expect(root.locator(":scope > .lab-where")).to_contain_text(re.compile(r"input -[\d.]+, yours [-\d.e]+, expected 0"))
    expect(root.locator(":scope > .lab-because summary")).to_have_text(re.compile(r"\d more checks? fails? because of this"))
    help_button = root.locator(".lab-help button")
    for label in ("Show a hint", "Show the formula"):
        expect(help_button).to_have_text(label)
        help_button.click()
    expect(help_button).to_have_count(0)
    expect(root_cause(phone).locator(".lab-hint")).to_have_count(2)
    assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= 390

    # Download my assignment: the notebook pynn makes of what the student wrote, and the .py
    with phone.page.expect_download() as download:
        phone.click("lab-export")
    assert download.value.suggested_filename.endswith(".ipynb")
    notebook = json.loads(Path(download.value.path()).read_text())
    assert notebook["nbformat"] == 4
    code = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
    assert "class ReLU" in code
    with phone.page.expect_download() as download:
        phone.click("lab-export-py")
    assert download.value.suggested_filename.endswith(".py")
    assert "class ReLU" in Path(download.value.path()).read_text()


def wait_for_lab_error(phone) -> None:
    """An unknown course: the lab says so and offers the full assignment."""
    expect(phone.by("lab")).to_be_visible(timeout=60_000)
    expect(phone.by("lab-status")).to_contain_text("no course 'no-such-course'", timeout=120_000)
    expect(phone.by("lab-full-assignment")).to_be_visible()
    expect(phone.by("lab-check")).to_be_disabled()
