"""Screenshots a person looks at: a laptop (1280×800) and a phone (390×844), after training.

Saved under test-artifacts/ (git-ignored); docs/screenshot.png is a copy of the laptop one.
"""

from playwright.sync_api import expect


def train_a_little(studio, epochs: str) -> None:
    studio.configure(hidden="128", dropout="0", shift="0", batch_size="64", epochs=epochs, lr="0.002")
    studio.reset()
    studio.click("train")
    expect(studio.by("status")).to_contain_text("Finished", timeout=180_000)
    expect(studio.by("gallery-summary")).to_contain_text("right")


def test_laptop_screenshot_shows_pad_charts_and_controls_on_one_screen(studio, artifacts):
    train_a_little(studio, "4")
    assert studio.draw_digit("7") == "7"
    studio.by("mistakes-first").check()
    studio.page.evaluate("() => window.scrollTo(0, 0)")
    studio.page.wait_for_timeout(400)       # charts redraw on the next frame
    # draw pad, both charts and the settings all fit in the first screen
    for testid in ("draw-canvas", "probabilities", "accuracy-chart", "loss-chart", "train", "settings"):
        box = studio.by(testid).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 800 + 1, (testid, box)
    studio.page.screenshot(path=artifacts / "studio-1280x800.png")
    studio.page.screenshot(path=artifacts / "studio-1280-full.png", full_page=True)


def test_phone_screenshot_stacks_everything(open_page, artifacts):
    phone = open_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                      device_scale_factor=2)
    width = phone.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
    train_a_little(phone, "2")
    assert phone.draw_digit("7") == "7"
    phone.page.evaluate("() => window.scrollTo(0, 0)")
    phone.page.wait_for_timeout(400)
    assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= 390
    phone.page.screenshot(path=artifacts / "studio-390x844.png")
    phone.page.screenshot(path=artifacts / "studio-390-full.png", full_page=True)
