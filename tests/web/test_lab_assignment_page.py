"""The whole assignment in the lab, as a student does it: the notebook's cells one exercise at
a time (the published Dense fails with the 1/batch message, the fixed one passes), then the
rest, then "Run the assignment": the notebook's loop with their parts beside pynn's
reference run, charts of both, a verdict, then a shuffle of their own along a curve of its own;
Stop mid-run; the studio predicts meanwhile."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from test_lab_page import check, open_lab, pick, result, upload

pytestmark = pytest.mark.browser

SOLUTIONS = Path(__file__).parent.parent / "lab_solutions"
NOTEBOOK = (SOLUTIONS / "notebook_assignment.py").read_text()
PUBLISHED = (SOLUTIONS / "notebook" / "as_published.py").read_text()
FIXED = (SOLUTIONS / "notebook" / "fixed.py").read_text()
THE_REST = ("softmax", "forward", "predict", "train", "iterate_minibatches")
RUN_TIMEOUT_MS = 120_000


def start_run(studio, epochs: int) -> None:
    studio.by("lab-run-epochs").fill(str(epochs))
    studio.click("lab-run")
    expect(studio.by("lab-run-status")).to_have_attribute("data-state", "running", timeout=RUN_TIMEOUT_MS)


def test_the_notebooks_cells_then_the_whole_assignment_beside_pynns_reference(studio, tmp_path, artifacts):
    open_lab(studio)
    upload(studio, tmp_path, PUBLISHED, "notebook.py")
    assert set(check(studio).values()) == {"pass"}                     # ReLU as published
    pick(studio, "dense")
    upload(studio, tmp_path, PUBLISHED, "notebook.py")
    results = check(studio)
    failed = [name for name, status in results.items() if status == "fail"]
    assert failed and "1/N of what it should be" in result(studio, failed[0])
    expect(studio.by("lab-run-note")).to_contain_text("a part that does not pass is pynn's): Dense, loss")
    upload(studio, tmp_path, FIXED, "fixed.py")
    assert set(check(studio).values()) == {"pass"}
    for exercise in THE_REST:
        pick(studio, exercise)
        upload(studio, tmp_path, NOTEBOOK, "notebook_assignment.py")
        assert set(check(studio).values()) == {"pass"}, exercise
    expect(studio.by("lab-run-note")).to_contain_text("784-100-200-10, ReLU, SGD at 0.1, batch 32, 8000 training digits")
    expect(studio.by("lab-run-note")).to_contain_text("all of it is yours")

    started = time.monotonic()
    start_run(studio, 2)
    expect(studio.by("lab-run-model")).to_contain_text(
        "your ReLU, your Dense, your loss, your forward, your predict, your train, your iterate_minibatches")
    assert studio.draw_digit("7") == "7"                  # the studio's worker is another Python
    expect(studio.by("lab-run-status")).to_have_attribute("data-state", "done", timeout=RUN_TIMEOUT_MS)
    print(f"two epochs of the notebook's recipe, both runs, in the page: {time.monotonic() - started:.1f} s")
    for chart in ("lab-run-accuracy", "lab-run-loss"):
        expect(studio.by(chart)).to_have_attribute("data-reference", re.compile(r"[1-9]\d*"))
    assert studio.by("lab-run-accuracy").get_attribute("data-yours") == "2"
    assert studio.by("lab-run-accuracy").get_attribute("data-reference") == "2"
    assert int(studio.by("lab-run-loss").get_attribute("data-yours")) == 2 * 250
    verdict = studio.by("lab-run-verdict")
    expect(verdict).to_contain_text(re.compile(r"your run: [\d.]+% validation accuracy, pynn's [\d.]+% \([+-]\d+\.\d points\)"))
    assert abs(float(verdict.get_attribute("data-points"))) <= 1.0
    legend = studio.by("lab-run-accuracy").locator(".u-legend").inner_text()
    assert "your validation" in legend and "pynn's reference: validation" in legend
    assert studio.by("lab-run").is_enabled() and studio.by("lab-run-stop").is_disabled()
    check_the_report(studio, verdict.inner_text())
    a_shuffle_of_their_own_trains_along_a_curve_of_its_own(studio, tmp_path, artifacts)


def a_shuffle_of_their_own_trains_along_a_curve_of_its_own(studio, tmp_path, artifacts) -> None:
    """A shuffle of the learner's own (the order reversed) passes the check and trains as
    well, along a curve of its own: both curves show. Also measures an epoch in the page."""
    own_shuffle = NOTEBOOK.replace("order = np.random.permutation(len(inputs)) if shuffle",
                                   "order = np.random.permutation(len(inputs))[::-1] if shuffle")
    pick(studio, "iterate_minibatches")
    upload(studio, tmp_path, own_shuffle, "my_assignment.py")
    assert set(check(studio).values()) == {"pass"}
    studio.page.evaluate("""() => {
        const chart = document.querySelector('[data-testid="lab-run-accuracy"]');
        window.epochTimes = [];
        new MutationObserver(() => {   // (a redraw sets the attribute again: keep its first time)
            const last = window.epochTimes[window.epochTimes.length - 1];
            if (!last || last[0] !== chart.dataset.yours) window.epochTimes.push([chart.dataset.yours, performance.now()]);
        }).observe(chart, { attributes: true, attributeFilter: ["data-yours"] });
    }""")
    start_run(studio, 3)
    expect(studio.by("lab-run-status")).to_have_attribute("data-state", "done", timeout=RUN_TIMEOUT_MS)
    times = dict(studio.page.evaluate("() => window.epochTimes"))
    print(f"one epoch of the notebook's recipe (8000 digits), the learner's run and pynn's in turns: "
          f"{(times['3'] - times['1']) / 2000:.2f} s (epochs 2 and 3; epoch 1 took "
          f"{(times['1'] - times['0']) / 1000:.2f} s with the checks and the digits)")
    assert abs(float(studio.by("lab-run-verdict").get_attribute("data-points"))) <= 3.0
    studio.page.evaluate("() => document.querySelector('[data-testid=\"lab-run-card\"]').scrollIntoView()")
    studio.page.wait_for_timeout(400)       # the charts redraw on the next frame
    studio.page.screenshot(path=artifacts / "lab-assignment-1280x800.png")


def check_the_report(studio, verdict: str) -> None:
    """The learner's network on the validation digits: a 10×10 confusion matrix whose counts
    add up to the validation digits the summary names (its diagonal gives the verdict's
    accuracy), and the digits it gets wrong, each captioned "true → predicted"."""
    expect(studio.by("lab-run-report")).to_be_visible()
    table = studio.by("lab-run-confusion")
    cells = table.locator("tbody td")
    expect(cells).to_have_count(100)
    assert table.locator("caption").inner_text().startswith("Your network on the validation digits")
    assert table.locator("thead th[scope=col]").count() == 11 and table.locator("tbody th[scope=row]").count() == 10
    summary = studio.by("lab-run-report-summary")
    n = int(summary.get_attribute("data-n"))
    counts = [int(text) for text in cells.all_inner_texts()]
    assert sum(counts) == n
    right = sum(counts[i * 11] for i in range(10))
    expect(summary).to_contain_text(f"gets {right} of {n} validation digits right and {n - right} wrong")
    assert f"your run: {right / n:.1%}" in verdict
    mistakes = studio.by("lab-run-mistakes").locator("li")
    assert 0 < mistakes.count() <= min(24, n - right)
    for caption in mistakes.locator(".digit-caption").all_inner_texts():
        truth, said = re.fullmatch(r"(\d) → (\d)", caption).groups()
        assert truth != said, caption
    label = mistakes.first.locator("canvas").get_attribute("aria-label")
    assert re.fullmatch(r"Validation digit \d+: a \d; your network says \d", label), label


def test_stop_ends_the_run_mid_epoch_and_parts_not_written_are_pynns(studio, tmp_path):
    open_lab(studio)
    upload(studio, tmp_path, NOTEBOOK, "notebook_assignment.py")      # written in the ReLU tab only
    assert set(check(studio).values()) == {"pass"}
    start_run(studio, 10)
    expect(studio.by("lab-run-model")).to_contain_text("your ReLU, pynn's Dense")
    expect(studio.by("lab-run-why")).to_contain_text("pynn's Dense: you have not written the dense exercise yet")
    expect(studio.by("lab-run-status")).to_contain_text(re.compile(r"Epoch 1 of 10, batch \d+ of 250"))
    started = time.monotonic()
    studio.click("lab-run-stop")
    expect(studio.by("lab-run-status")).to_have_attribute("data-state", "stopped")
    stopped_after = time.monotonic() - started
    expect(studio.by("lab-run-status")).to_contain_text(re.compile(r"Stopped at epoch \d+ of 10, batch \d+"))
    points = studio.by("lab-run-loss").get_attribute("data-yours")
    studio.page.wait_for_timeout(1000)
    assert studio.by("lab-run-loss").get_attribute("data-yours") == points     # nothing more comes
    assert stopped_after < 2.0, stopped_after
    expect(studio.by("lab-run-report")).to_be_hidden()                     # no epoch finished
    assert studio.by("lab-run").is_enabled()
    assert studio.draw_digit("1") == "1"


def test_a_step_stuck_in_learner_code_is_stopped_after_10_s_not_the_run_as_a_whole(studio, tmp_path):
    """The 10 s limit holds for one slice: a train() that loops forever on the run's batches
    of 32 (the checks use other sizes, so it passes them) is stopped with that message."""
    header = "def train(network, X, y):\n"
    stuck = NOTEBOOK.replace(header, header + "    while len(X) == 32:\n        pass\n")
    open_lab(studio)
    pick(studio, "train")
    upload(studio, tmp_path, stuck, "stuck.py")
    start_run(studio, 1)
    expect(studio.by("lab-run-status")).to_have_attribute("data-state", "stopped", timeout=30_000)
    expect(studio.by("lab-run-status")).to_contain_text("Stopped after 10 s in one step")
    assert studio.draw_digit("7") == "7"
    expect(studio.by("lab-run")).to_be_enabled()
