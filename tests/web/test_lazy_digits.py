"""The bundled digits are not needed to draw: the page is ready without them, fetches them
(dist/data/digits.npz) when the gallery or training first needs them, says so when they
cannot be had, and fetches them on the next need."""

from __future__ import annotations

from playwright.sync_api import expect

from studio_page import READY_TIMEOUT_MS, StudioPage

DIGITS_PATH = "data/digits.npz"


def test_ready_to_draw_without_the_digits_then_they_load_when_needed(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        studio = StudioPage(page, site)
        refused = []

        def refuse(route):
            refused.append(route.request.url)
            route.fulfill(status=404, body="gone")

        context.route(f"**/{DIGITS_PATH}", refuse)
        page.on("request", lambda request: studio.requests.append(request.url))
        page.goto(site)
        page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=READY_TIMEOUT_MS)
        wheel = [url for url in studio.requests if url.endswith(".whl") and "/pynn-" in url]
        assert wheel, "pynn's wheel was loaded"

        # what the page says about the data needs no pixels either
        expect(studio.by("data-summary")).to_contain_text("10,000 rows (8,000 train / 1,000 validation")
        # drawing needs no digits
        assert studio.draw_digit("1") == "1"
        # the gallery asked for them and was told why it has none
        expect(studio.by("error-text")).to_contain_text(
            f"Could not load the bundled digits ({DIGITS_PATH}: HTTP 404)", timeout=60_000)
        assert refused, "the gallery asked for the digits"
        assert "1" == studio.settled_prediction()

        # the next need fetches them again, and training runs on them
        context.unroute(f"**/{DIGITS_PATH}")
        studio.small_network(epochs="1")
        studio.click("train")
        studio.wait_epochs(1)
        studio.wait_run_state("idle")
        assert any(url.endswith(DIGITS_PATH) for url in studio.requests[len(refused):])
    finally:
        context.close()
