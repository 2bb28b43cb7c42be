"""The page loads pynn in a worker and reads digits a person draws."""

from playwright.sync_api import expect

from studio_page import DIGITS, small_in_corner


def test_the_page_becomes_ready_offline_with_a_strict_policy(studio):
    status = studio.by("status")
    expect(status).to_have_attribute("data-phase", "ready")
    expect(status).to_contain_text("Ready")
    expect(studio.by("load-progress")).to_be_hidden()
    policy = studio.page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "default-src 'self'" in policy and "'wasm-unsafe-eval'" in policy
    assert "unsafe-inline" not in policy and "'unsafe-eval'" not in policy
    # the whole runtime came from the site itself (checked for every test after it ends)
    assert any(url.endswith("pyodide.asm.wasm") for url in studio.requests)
    assert any(url.endswith("models/default.npz") for url in studio.requests)


def test_a_one_and_a_seven_are_read_as_one_and_seven(studio):
    assert studio.draw_digit("1") == "1"
    probs = studio.probabilities()
    assert max(probs) == probs[1] and abs(sum(probs) - 1) < 1e-3
    studio.click("clear")
    assert studio.draw_digit("7") == "7"
    expect(studio.by("probabilities").locator("li.top")).to_have_attribute("data-digit", "7")


def test_a_digit_drawn_small_in_a_corner_is_still_recognised(studio):
    studio.draw(small_in_corner(DIGITS["7"], corner=(0.05, 0.05)))
    assert studio.settled_prediction() == "7"
    studio.click("clear")
    studio.draw(small_in_corner(DIGITS["0"], corner=(0.62, 0.6)))
    assert studio.settled_prediction() == "0"


def test_clear_empties_the_canvas_and_the_prediction(studio):
    studio.draw_digit("7")
    assert studio.ink() > 0
    studio.click("clear")
    assert studio.ink() == 0
    expect(studio.by("prediction")).to_have_text("")
    expect(studio.by("probabilities")).to_have_attribute("data-empty", "true")
    assert studio.by("probabilities").locator("li[data-value]").count() == 0


def test_touch_strokes_draw_on_a_phone(open_page):
    phone = open_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                      device_scale_factor=2)
    box = phone.by("draw-canvas").bounding_box()
    cdp = phone.page.context.new_cdp_session(phone.page)
    points = [(0.52, 0.15), (0.51, 0.35), (0.50, 0.55), (0.49, 0.85)]
    scroll_before = phone.page.evaluate("window.scrollY")

    def touch(kind, point=None):
        where = [] if point is None else [{"x": box["x"] + point[0] * box["width"],
                                           "y": box["y"] + point[1] * box["height"]}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": where})

    touch("touchStart", points[0])
    for point in points[1:]:
        touch("touchMove", point)
    touch("touchEnd")
    assert phone.settled_prediction() == "1"
    assert phone.page.evaluate("window.scrollY") == scroll_before  # touch-action: none


def test_a_test_digit_from_the_gallery_goes_on_the_pad_from_the_keyboard(studio):
    gallery = studio.by("gallery")
    expect(studio.by("gallery-summary")).to_contain_text("of 1000 right")
    assert gallery.locator("button").count() == 120
    studio.by("mistakes-first").check()
    wrong = gallery.locator("button.wrong")
    n_wrong = wrong.count()
    assert n_wrong > 0
    # mistakes first: every wrong one comes before every right one
    classes = gallery.locator("button").evaluate_all("(buttons) => buttons.map((b) => b.classList.contains('wrong'))")
    assert classes == [True] * n_wrong + [False] * (120 - n_wrong)
    studio.by("mistakes-first").uncheck()
    first = gallery.locator("button").first
    first.focus()
    studio.page.keyboard.press("Enter")
    assert studio.settled_prediction() == first.get_attribute("data-predicted")
    assert studio.ink() > 0
