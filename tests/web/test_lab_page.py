"""The lab, as a learner uses it: pick an exercise in the map, upload or type code, Check,
read the results (the root cause first, hints in stages, a solution after three failed runs),
stop a runaway check, train the studio's network with their own layers. The helpers here are
the other lab tests' too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SOLUTIONS = Path(__file__).parent.parent / "lab_solutions"
MY_LAYERS = (SOLUTIONS / "my_layers.py").read_text()
CHECK_TIMEOUT_MS = 60_000


def open_lab(studio) -> None:
    studio.click("lab-open")
    expect(studio.by("lab")).to_be_visible()
    expect(studio.by("lab-check")).to_be_enabled(timeout=120_000)   # the lab's Python is up


def pick(studio, exercise: str) -> None:
    """Click the exercise in the assignment's map."""
    step = studio.by("lab-map").locator(f'button[data-exercise="{exercise}"]')
    step.click()
    expect(step).to_have_attribute("aria-current", "step")


def upload(studio, tmp_path: Path, code: str, name: str = "my_layers.py") -> None:
    """Upload a file, saying yes when the lab asks whether to replace the code."""
    path = tmp_path / name
    path.write_text(code)
    accept = lambda dialog: dialog.accept()   # noqa: E731
    studio.page.on("dialog", accept)
    try:
        studio.upload("Upload .py…", path)
        expect(studio.by("lab-status")).to_contain_text(f"Loaded {name}")
    finally:
        studio.page.remove_listener("dialog", accept)


def editor_text(studio) -> str:
    """The code as the learner sees it: one .cm-line element per line (the editor renders
    only what is in view, and the lab's files are short)."""
    lines = studio.page.locator('[data-testid="lab-editor"] .cm-line').all_inner_texts()
    return "\n".join(line.rstrip("\n") for line in lines)   # an empty line holds a <br>


def check(studio) -> dict[str, str]:
    """Press Check; wait for the results; return each check's name → pass/fail."""
    runs = int(studio.by("lab-results").get_attribute("data-runs") or 0)
    studio.click("lab-check")
    expect(studio.by("lab-results")).to_have_attribute("data-runs", str(runs + 1), timeout=CHECK_TIMEOUT_MS)
    items = studio.by("lab-results").locator("li")   # the folded ones too
    expect(items.first).to_be_visible()
    return {item.locator(":scope > .lab-result-name").text_content()[2:]: item.get_attribute("data-status")
            for item in items.all()}


def result(studio, name: str) -> str:
    """The text of one check's result (also when it is folded under its root cause)."""
    item = studio.by("lab-results").locator("li").filter(
        has=studio.page.locator(":scope > .lab-result-name", has_text=name))
    return item.first.text_content()


def test_correct_answers_pass_every_check_of_every_exercise(studio, tmp_path):
    open_lab(studio)
    for exercise, code in [("relu", MY_LAYERS), ("dense", MY_LAYERS), ("softmax", MY_LAYERS),
                           ("own_layer", (SOLUTIONS / "elu.py").read_text()),
                           ("conv2d", (SOLUTIONS / "my_conv.py").read_text())]:
        pick(studio, exercise)
        upload(studio, tmp_path, code)
        results = check(studio)
        assert len(results) >= 6 and set(results.values()) == {"pass"}, (exercise, results)
        expect(studio.by("lab-status")).to_contain_text("checks passed")


def test_a_relu_without_its_mask_shows_one_root_cause_hints_in_stages_and_a_solution_after_three_failures(studio, tmp_path):
    open_lab(studio)
    upload(studio, tmp_path, MY_LAYERS.replace("return grad_output * (input > 0)", "return grad_output"))
    results = check(studio)
    assert results["gradient check: grad_input"] == "fail"
    root = studio.by("lab-results").locator(":scope > li").first          # the root cause first
    assert root.get_attribute("data-status") == "fail"
    assert studio.by("lab-results").locator(':scope > li[data-status="fail"]').count() == 1
    expect(root.locator(":scope > .lab-where .lab-where-values")).to_contain_text(re.compile(r"grad_input\[\d+, \d+\]: input -[\d.]+, yours"))
    expect(root.locator(".lab-because summary")).to_have_text(re.compile(r"\d more checks? fails? because of this"))
    folded = result(studio, "gradient check: grad_input")
    assert "grad_input[" in folded and "numerical" in folded
    expect(root.locator(".lab-results-following")).to_be_hidden()
    root.locator(".lab-because summary").click()
    expect(root.locator(".lab-results-following")).to_be_visible()

    help_button = root.locator(".lab-help button")
    expect(help_button).to_have_text("Show a hint")
    expect(root.locator(".lab-hint")).to_have_count(0)                      # nothing given away yet
    help_button.click()
    expect(root.locator(".lab-hint")).to_have_count(1)
    assert "(input > 0)" not in root.locator(".lab-hint").inner_text()       # the idea, not the answer
    expect(help_button).to_have_text("Show the formula")
    help_button.click()
    expect(root.locator(".lab-hint").nth(1)).to_contain_text("input > 0")
    expect(help_button).to_have_count(0)                                     # no solution after one failure
    check(studio)
    check(studio)                                   # a third failed run: the solution is offered
    root = studio.by("lab-results").locator(":scope > li").first
    for label in ("Show a hint", "Show the formula", "Show the solution"):
        expect(root.locator(".lab-help button")).to_have_text(label)
        root.locator(".lab-help button").click()
    expect(root.locator(".lab-solution-code")).to_contain_text("return grad_output * (input > 0)")


def test_a_dense_that_forgets_the_bias_gradient_is_told_about_the_bias(studio, tmp_path):
    open_lab(studio)
    pick(studio, "dense")
    upload(studio, tmp_path, MY_LAYERS.replace('self.grads["b"] = grad_output.sum(axis=0)',
                                               'self.grads["b"] = np.zeros_like(self.params["b"])'))
    results = check(studio)
    assert results["gradient check: grads['b']"] == "fail"
    assert results["gradient check: grads['W']"] == "pass"
    assert "your grads['b'] is all zeros" in result(studio, "gradient check: grads['b']")
    expect(studio.by("lab-results").locator(":scope > li").first).to_contain_text("grads['b']")


def test_a_syntax_error_typed_in_the_editor_shows_its_line(studio):
    open_lab(studio)
    assert "class ReLU(Layer)" in editor_text(studio)             # the starter code
    studio.page.locator('[data-testid="lab-editor"] .cm-content').click()
    studio.page.keyboard.press("Control+End")
    studio.page.keyboard.press("Enter")
    studio.page.keyboard.type("def broken(:")
    lines = editor_text(studio).splitlines()   # the editor indents and closes brackets itself
    line = next(i for i, text in enumerate(lines, start=1) if "def broken(" in text)
    results = check(studio)
    assert results == {"your code runs": "fail"}
    assert f"line {line}: SyntaxError" in result(studio, "your code runs")


def test_an_endless_loop_is_stopped_and_the_studio_keeps_predicting(studio, tmp_path):
    open_lab(studio)
    upload(studio, tmp_path, MY_LAYERS.replace("return np.maximum(0, input)",
                                               "while True:\n            pass"))
    studio.click("lab-check")
    expect(studio.by("lab-status")).to_contain_text("Stopped after 10 s", timeout=15_000)
    assert studio.by("lab-results").locator("li").first.get_attribute("data-status") == "fail"
    assert studio.draw_digit("1") == "1"                          # the studio never noticed
    expect(studio.by("lab-check")).to_be_enabled(timeout=120_000)  # a fresh Python for the lab


def test_stop_a_huge_allocation_import_js_and_a_wrong_shape_each_get_a_readable_message(studio, tmp_path):
    open_lab(studio)
    upload(studio, tmp_path, MY_LAYERS.replace("return np.maximum(0, input)",
                                               "while True:\n            pass"))
    studio.click("lab-check")
    studio.click("lab-stop")
    expect(studio.by("lab-status")).to_contain_text("Stopped. Python restarts")
    expect(studio.by("lab-check")).to_be_enabled(timeout=120_000)
    upload(studio, tmp_path, MY_LAYERS.replace("return np.maximum(0, input)",
                                               "return np.zeros((100000, 100000, 100))"))
    check(studio)
    assert "MemoryError" in result(studio, "output shape") or "too big" in result(studio, "output shape")
    upload(studio, tmp_path, "import js\n" + MY_LAYERS)
    assert check(studio) == {"your code runs": "fail"}
    assert "does not let your code import js" in result(studio, "your code runs")
    upload(studio, tmp_path, MY_LAYERS.replace("return np.maximum(0, input)",
                                               "return np.maximum(0, input).sum(axis=1)"))
    assert check(studio)["output shape"] == "fail"
    assert "returned shape (6,)" in result(studio, "output shape")


def test_code_is_kept_per_exercise_across_reloads_and_can_be_reset_and_downloaded(studio, open_page, tmp_path):
    open_lab(studio)
    pick(studio, "dense")
    upload(studio, tmp_path, MY_LAYERS)
    pick(studio, "relu")
    assert "class ReLU(Layer)" in editor_text(studio) and "TODO" in editor_text(studio)
    studio.page.reload()
    expect(studio.by("lab")).to_be_visible(timeout=60_000)          # the lab stays open
    expect(studio.by("lab-check")).to_be_enabled(timeout=120_000)
    pick(studio, "dense")
    assert "input.T @ grad_output" in editor_text(studio)
    with studio.page.expect_download() as download:
        studio.click("lab-download")
    assert download.value.suggested_filename == "dense.py"
    assert Path(download.value.path()).read_text() == MY_LAYERS
    studio.page.once("dialog", lambda dialog: dialog.accept())
    studio.click("lab-reset")
    assert "TODO" in editor_text(studio)


def test_train_with_my_layers_from_any_exercise_shows_the_run_in_the_lab_and_reaches_90_percent_in_two_epochs(studio, tmp_path):
    open_lab(studio)
    expect(studio.by("lab-train")).to_be_disabled()
    expect(studio.by("lab-train-note")).to_contain_text("Pass the checks of your ReLU, Dense or Conv2D first")
    for exercise in ("relu", "dense"):
        pick(studio, exercise)
        upload(studio, tmp_path, MY_LAYERS)
        assert set(check(studio).values()) == {"pass"}
    pick(studio, "softmax")                       # not a layer: Train works from here too
    expect(studio.by("lab-train-note")).to_contain_text("your ReLU and Dense; pynn's Conv2D until yours passes")
    studio.click("lab-train")
    panel = studio.by("lab-training")
    expect(studio.by("lab-training-model")).to_contain_text("your Dense(784, 256), your ReLU()", timeout=60_000)
    expect(studio.by("lab-training-state")).to_have_attribute("data-state", "running", timeout=60_000)
    why = studio.by("lab-training-why")           # Python's figure and reasons, beside the ETA
    expect(why).to_contain_text(re.compile(r"Your layers make a training step (about as long as pynn's \([\d.]+×\)|[\d.]+× as long as pynn's)"))
    expect(why).to_contain_text("your Dense, the first layer, also computes grad_input")
    expect(studio.by("lab-training-eta")).to_contain_text("left", timeout=60_000)
    studio.page.wait_for_function(
        "() => Number(document.getElementById('lab-training-epochs').textContent) >= 2", timeout=120_000)
    expect(studio.by("lab-training-run-detail")).to_contain_text("epoch")
    assert int(studio.by("lab-training-accuracy").get_attribute("data-points")) >= 3   # the start and 2 epochs
    expect(panel).to_be_in_viewport()             # the lab stays in view: the page did not jump
    expect(studio.page.locator("#train-title")).not_to_be_in_viewport()
    # the same run in the studio's own panel
    expect(studio.by("model-summary")).to_contain_text("your Dense(784, 256), your ReLU()")
    assert studio.epochs() >= 2 and studio.percent("val-accuracy") >= 90.0
    expect(studio.by("gallery-summary")).to_contain_text("right")     # the report works too
    expect(studio.by("error")).to_be_hidden()
    studio.click("lab-training-pause")
    studio.wait_run_state("paused")
    expect(studio.by("lab-training-state")).to_have_attribute("data-state", "paused")
    expect(studio.by("lab-training-pause")).to_have_text("Resume")
    studio.click("lab-training-stop")
    studio.wait_run_state("idle")
    expect(studio.by("lab-training-state")).to_have_attribute("data-state", "idle")
    expect(studio.by("lab-training-status")).to_contain_text("Stopped")
    expect(studio.by("lab-training-stop")).to_be_disabled()
    assert studio.by("lab-training-val-accuracy").text_content() == studio.by("val-accuracy").text_content()
    studio.click("lab-training-studio")
    expect(studio.page.locator("#train-title")).to_be_in_viewport()
    assert studio.draw_digit("7") == "7"


def test_every_check_runs_in_a_fresh_python_so_learner_code_cannot_outlive_it(studio, tmp_path):
    """A check that patches the checker to pass fails, and leaves nothing behind: the next
    check of the plain starter code fails as it should, and a counter kept in `sys` starts
    again at 1 each time."""
    open_lab(studio)
    cheat = ("import pynn.lab.checks\n"
             "pynn.lab.checks.Report.passed = property(lambda self: True)\n")
    upload(studio, tmp_path, MY_LAYERS.replace("return grad_output * (input > 0)", "return grad_output") + cheat)
    results = check(studio)
    assert "fail" in results.values()
    expect(studio.by("lab-status")).not_to_contain_text("All")
    counter = ("import sys\n"
               "sys.lab_runs = getattr(sys, 'lab_runs', 0) + 1\n"
               "raise RuntimeError(f'check number {sys.lab_runs} in this Python')\n")
    for _ in range(2):
        upload(studio, tmp_path, counter)
        assert check(studio) == {"your code runs": "fail"}
        assert "check number 1 in this Python" in result(studio, "your code runs")
