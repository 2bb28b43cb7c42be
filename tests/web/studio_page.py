"""``StudioPage``: the studio as a person uses it, for the Playwright tests.

Drawing is real mouse strokes (``page.mouse.down/move/up``) in canvas-relative coordinates
(0..1 across the pad); buttons are clicked; fields are typed into; files go through the
file chooser. Waiting uses Playwright's ``expect`` with generous timeouts: the tests assert
behaviour, never speed.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

READY_TIMEOUT_MS = 90_000      # a cold Pyodide boot on a busy 2-core CI machine
TRAIN_TIMEOUT_MS = 120_000

# Strokes in pad coordinates (0..1), as a person would draw them.
DIGITS = {
    "1": [[(0.52, 0.18), (0.50, 0.50), (0.48, 0.84)]],
    "7": [[(0.28, 0.22), (0.50, 0.21), (0.74, 0.22), (0.60, 0.50), (0.46, 0.84)]],
    "0": [[(0.50, 0.16), (0.32, 0.28), (0.28, 0.52), (0.36, 0.78), (0.52, 0.84), (0.68, 0.74),
           (0.72, 0.48), (0.64, 0.24), (0.50, 0.16)]],
}


def small_in_corner(strokes, corner=(0.04, 0.04), size=0.34):
    """The same strokes drawn small, in a corner of the pad."""
    return [[(corner[0] + x * size, corner[1] + y * size) for x, y in stroke] for stroke in strokes]


class StudioPage:
    def __init__(self, page: Page, site: str):
        self.page = page
        self.site = site
        self.console: list[tuple[str, str]] = []
        self.requests: list[str] = []

    def by(self, testid: str):
        return self.page.get_by_test_id(testid)

    # -- drawing ----------------------------------------------------------------------
    def draw(self, strokes, steps: int = 8) -> None:
        pad = self.by("draw-canvas")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        mouse = self.page.mouse

        def at(point):
            return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]

        for stroke in strokes:
            mouse.move(*at(stroke[0]))
            mouse.down()
            for point in stroke[1:]:
                mouse.move(*at(point), steps=steps)
            mouse.up()

    def draw_digit(self, digit: str) -> str:
        """Draw a digit and return the prediction once it has settled."""
        self.draw(DIGITS[digit])
        return self.settled_prediction()

    def settled_prediction(self) -> str:
        expect(self.by("prediction")).not_to_have_text("", timeout=30_000)
        self.page.wait_for_timeout(300)   # the last stroke's prediction (one is in flight at most)
        return self.by("prediction").text_content()

    def probabilities(self) -> list[float]:
        items = self.by("probabilities").locator("li")
        return [float(items.nth(i).get_attribute("data-value")) for i in range(10)]

    def ink(self) -> int:
        """Total ink on the pad (sum of alpha), read from the canvas."""
        return self.page.evaluate("""() => {
            const c = document.querySelector('[data-testid="draw-canvas"]');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let s = 0; for (let i = 3; i < d.length; i += 4) s += d[i]; return s; }""")

    def pad_pixels(self) -> tuple[bytes, int, int]:
        """The pad's ink as the page sends it to pynn: alpha bytes, width, height."""
        data = self.page.evaluate("""() => {
            const c = document.querySelector('[data-testid="draw-canvas"]');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const out = []; for (let i = 3; i < d.length; i += 4) out.push(d[i]);
            return [out, c.width, c.height]; }""")
        return bytes(data[0]), data[1], data[2]

    # -- settings ---------------------------------------------------------------------
    def set_field(self, name: str, value) -> None:
        field = self.by(f"field-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))
            field.press("Tab")

    def configure(self, **values) -> None:
        """Type settings into the form and wait until pynn accepted them all."""
        for name, value in values.items():
            self.set_field(name, value)
        for name in values:
            expect(self.by(f"error-{name}")).to_have_text("", timeout=10_000)
        self.page.wait_for_function(
            "(values) => Object.entries(values).every(([k, v]) => new URLSearchParams(location.hash.slice(1)).get(k) === v)",
            arg={k: str(v) for k, v in values.items()}, timeout=10_000)

    def reset(self) -> None:
        """Press Reset and wait for the fresh network (epoch counter back to 0)."""
        self.click("reset")
        expect(self.by("status")).to_contain_text("fresh network", timeout=30_000)
        expect(self.by("epoch-counter")).to_have_text("0")

    def small_network(self, **extra) -> None:
        """A quick setup for tests: one small hidden layer, no dropout or shifts, then Reset."""
        settings = {"hidden": "32", "dropout": "0", "shift": "0", "batch_size": "128", **extra}
        self.configure(**settings)
        self.reset()

    def small_cnn(self, **extra) -> None:
        """A quick convnet for tests: four 5×5 filters, 4×4 pooling, one small dense layer,
        no dropout or shifts, then Reset."""
        settings = {"arch": "conv4x5 pool4", "hidden": "16", "dropout": "0", "shift": "0",
                    "batch_size": "64", **extra}
        self.configure(**settings)
        self.reset()

    def diverge_then_recover(self, *still_shown: str) -> str:
        """With a digit drawn: train at a learning rate of 10000 until the run diverges.
        Checks that the page says so, that the model line still shows ``still_shown`` and 0
        epochs trained, and that the weights from before the run are back (same
        probabilities); then that one epoch trains at 0.01. Returns the error message."""
        before = self.probabilities()
        self.configure(lr="10000")
        self.click("train")
        message = self.error_text()
        self.wait_run_state("idle")
        expect(self.by("status")).to_contain_text("diverged")
        for text in (*still_shown, "trained 0 epochs"):
            expect(self.by("model-summary")).to_contain_text(text)
        self.page.wait_for_timeout(500)
        assert self.probabilities() == before   # the weights from the start of the run are back
        # the studio stays usable
        self.dismiss_error()
        self.configure(lr="0.01")
        self.click("step")
        self.wait_run_state("paused")
        assert self.epochs() == 1
        self.click("stop")
        self.wait_run_state("idle")
        return message

    # -- buttons and state ------------------------------------------------------------
    def click(self, testid: str) -> None:
        button = self.by(testid)
        expect(button).to_be_enabled(timeout=30_000)
        button.click()

    def run_state(self) -> str:
        return self.by("run-state").get_attribute("data-state")

    def wait_run_state(self, state: str, timeout: int = TRAIN_TIMEOUT_MS) -> None:
        expect(self.by("run-state")).to_have_attribute("data-state", state, timeout=timeout)

    def epochs(self) -> int:
        return int(self.by("epoch-counter").text_content())

    def wait_epochs(self, at_least: int, timeout: int = TRAIN_TIMEOUT_MS) -> int:
        self.page.wait_for_function(
            "(n) => Number(document.querySelector('[data-testid=\"epoch-counter\"]').textContent) >= n",
            arg=at_least, timeout=timeout)
        return self.epochs()

    def chart_points(self, testid: str) -> int:
        return int(self.by(testid).get_attribute("data-points"))

    def percent(self, testid: str) -> float:
        text = self.by(testid).text_content()
        match = re.fullmatch(r"([\d.]+)%", text.strip())
        assert match, f"{testid} shows {text!r}, not a percentage"
        return float(match.group(1))

    def error_text(self) -> str:
        expect(self.by("error")).to_be_visible(timeout=60_000)
        return self.by("error-text").text_content()

    def dismiss_error(self) -> None:
        self.click("error-dismiss")
        expect(self.by("error")).to_be_hidden()

    # -- files ------------------------------------------------------------------------
    def upload(self, label_text: str, path: Path) -> None:
        """Choose a file the way a person does: click the button, pick in the chooser."""
        with self.page.expect_file_chooser() as chooser:
            self.page.get_by_text(label_text, exact=True).click()
        chooser.value.set_files(str(path))

    def download_model(self, directory: Path) -> Path:
        with self.page.expect_download() as download:
            self.click("download-model")
        target = directory / download.value.suggested_filename
        download.value.save_as(target)
        return target
