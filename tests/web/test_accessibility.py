"""Accessibility: no axe-core violations (of any impact) in any state of the page (the lab's
map, results, unfolded checks, hints and phone tabs included), in the light and the dark
colour scheme and at phone width; contrast of what axe cannot judge (every
confusion-matrix shade, the run-state badge in each state, the focus ring, the chart and
editor colours); reduced motion.

axe-core comes from npm, pinned in web/package.json (a devDependency: it is never shipped in
dist/). It is injected with ``add_script_tag``, which the page's Content-Security-Policy
forbids, hence ``bypass_csp`` for these pages only.

The screenshots docs/dark.png and docs/phone.png are copies of test-artifacts/a11y-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import ROOT
from test_lab_page import MY_LAYERS, check, upload

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
TEXT, NON_TEXT = 4.5, 3.0


# -- axe ------------------------------------------------------------------------------------

def axe_violations(studio) -> list[dict]:
    page = studio.page
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const { violations } = await axe.run(document, { resultTypes: ["violations"] });
        return violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => ({ target: n.target.join(" "),
                why: [...n.any, ...n.all, ...n.none].map((c) => c.message).join("; ") })) }));
    }""")


def describe(state: str, violations: list[dict]) -> str:
    lines = [f"{state}: {len(violations)} axe violation(s)"]
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        lines += [f"    {node['target']}: {node['why']}" for node in v["nodes"][:8]]
    return "\n".join(lines)


class Audit:
    """Runs axe in one state after another and reports every failing state at the end."""

    def __init__(self, studio, scheme: str):
        self.studio, self.scheme, self.failures, self.states = studio, scheme, [], []

    def __call__(self, state: str) -> None:
        self.states.append(state)
        violations = axe_violations(self.studio)
        if violations:
            self.failures.append(describe(f"[{self.scheme}] {state}", violations))

    def check(self) -> None:
        assert not self.failures, "\n\n".join(self.failures)


class BothSchemes:
    """An ``Audit`` in the light and one in the dark colour scheme, run on one page: each
    state is audited in both, and the page goes back to light after each."""

    def __init__(self, studio):
        self.studio, self.audits = studio, [Audit(studio, "light"), Audit(studio, "dark")]

    def __call__(self, state: str) -> None:
        for audit in self.each_scheme():
            audit(state)

    def each_scheme(self):
        """Each scheme's Audit, with the page in that scheme while it is used."""
        for audit in self.audits:
            self.studio.page.emulate_media(color_scheme=audit.scheme)
            yield audit
        self.studio.page.emulate_media(color_scheme="light")

    def check(self, states: int) -> None:
        for audit in self.audits:
            audit.check()
            assert len(audit.states) == states


# -- contrast -------------------------------------------------------------------------------

def rgb(css) -> tuple[float, float, float, float]:
    """A computed colour, rgb(...) or rgba(...), as (r, g, b, alpha); a tuple is opaque already."""
    if isinstance(css, tuple):
        return (*css[:3], 1.0)
    values = [float(v) for v in re.findall(r"[\d.]+", css)]
    return (*values[:3], values[3] if len(values) > 3 else 1.0)


def over(top: str, below: str) -> tuple[float, float, float]:
    """`top` (maybe translucent) painted over the opaque colour `below`."""
    *fg, alpha = rgb(top)
    bg = rgb(below)[:3]
    return tuple(f * alpha + b * (1 - alpha) for f, b in zip(fg, bg))


def luminance(colour) -> float:
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def contrast(text: str, background: str, card: str) -> float:
    base = over(background, card)
    return ratio(over(text, base), base)


SHADES = """() => {
    const td = document.querySelector('[data-testid="confusion"] td');
    const card = getComputedStyle(td.closest(".card")).backgroundColor;
    const before = td.className;
    const out = [];
    for (const kind of ["hit", "miss"]) for (let shade = 0; shade < 10; shade++) {
        for (const zero of shade === 0 ? ["", " zero"] : [""]) {
            td.className = `${kind} shade-${shade}${zero}`;
            const style = getComputedStyle(td);
            out.push([td.className, style.color, style.backgroundColor, card]);
        }
    }
    td.className = before;
    return out;
}"""

BADGE = """() => {
    const badge = document.querySelector('[data-testid="run-state"]');
    const card = getComputedStyle(badge.closest(".card")).backgroundColor;
    const before = badge.dataset.state;
    const out = [];
    for (const state of ["idle", "running", "paused"]) {
        badge.dataset.state = state;
        const style = getComputedStyle(badge);
        out.push([state, style.color, style.backgroundColor, card]);
    }
    badge.dataset.state = before;
    return out;
}"""

PROPERTIES = """(names) => {
    const chart = document.querySelector('[data-testid="loss-chart"]');
    const style = getComputedStyle(chart);
    return [getComputedStyle(chart.closest(".card")).backgroundColor,
            Object.fromEntries(names.map((n) => [n, style.getPropertyValue(n).trim()]))];
}"""

CHART_MINIMUM = {"--chart-train": NON_TEXT, "--chart-val": NON_TEXT, "--chart-batch": NON_TEXT,
                 "--chart-segment": NON_TEXT, "--chart-tick": NON_TEXT, "--chart-axis": TEXT}
CODE = ["--code-keyword", "--code-atom", "--code-number", "--code-string", "--code-escape",
        "--code-def", "--code-type", "--code-special", "--code-comment", "--code-meta"]


def css_colour(page, value: str) -> str:
    """A custom property's value (#hex, rgba(), a name) as the browser's rgb()/rgba()."""
    return page.evaluate("""(v) => { const e = document.createElement("i"); e.style.color = v;
        document.body.append(e); const c = getComputedStyle(e).color; e.remove(); return c; }""", value)


def contrast_problems(studio) -> list[str]:
    page, problems = studio.page, []
    for name, fg, bg, card in page.evaluate(SHADES):
        if (r := contrast(fg, bg, card)) < TEXT:
            problems.append(f"confusion cell .{name.replace(' ', '.')}: {r:.2f}:1 ({fg} on {bg})")
    for state, fg, bg, card in page.evaluate(BADGE):
        if (r := contrast(fg, bg, card)) < TEXT:
            problems.append(f"run-state badge '{state}': {r:.2f}:1 ({fg} on {bg})")
    card, values = page.evaluate(PROPERTIES, [*CHART_MINIMUM, *CODE])
    for name, value in values.items():
        assert value, f"{name} is not defined"
        minimum = CHART_MINIMUM.get(name, TEXT)
        if (r := ratio(over(css_colour(page, value), card), rgb(card))) < minimum:
            problems.append(f"{name} {value}: {r:.2f}:1 on the card {card}, below {minimum}:1")
    # the focus ring, reached by the keyboard, against the card it sits on
    studio.by("clear").focus()
    page.keyboard.press("Tab")
    ring, style, card = page.evaluate("""() => { const e = document.activeElement;
        return [getComputedStyle(e).outlineColor, getComputedStyle(e).outlineStyle,
                getComputedStyle(e.closest('.card')).backgroundColor]; }""")
    if style == "none":
        problems.append("the focused button shows no focus ring")
    elif (r := ratio(over(ring, card), rgb(card))) < NON_TEXT:
        problems.append(f"focus ring {ring}: {r:.2f}:1 on the card {card}")
    return problems


# -- the states -----------------------------------------------------------------------------

def audit_every_state(studio, audit: BothSchemes, tmp_path) -> None:
    expect(studio.by("gallery-summary")).to_contain_text("right", timeout=60_000)
    audit("after load")
    for tab in ("confusion", "weights", "digits"):
        studio.by(f"tab-{tab}").click()
        expect(studio.by(f"tab-{tab}")).to_have_attribute("aria-selected", "true")
        audit(f"gallery tab {tab}")

    studio.set_field("lr", "-1")
    expect(studio.by("error-lr")).not_to_have_text("", timeout=10_000)
    audit("an invalid field")
    studio.configure(lr="0.01")

    junk = tmp_path / "holiday-photo.npz"
    junk.write_bytes(b"\x89PNG not a model at all")
    studio.upload("Upload model…", junk)
    studio.error_text()
    audit("the error banner")
    studio.dismiss_error()

    studio.small_network(epochs="40")
    studio.click("train")
    studio.wait_run_state("running")
    studio.wait_epochs(1)
    audit("training")
    studio.click("pause")
    studio.wait_run_state("paused")
    audit("paused")
    studio.click("stop")
    studio.wait_run_state("idle")
    expect(studio.by("status")).to_contain_text("Stopped")
    audit("after training")
    studio.by("tab-confusion").click()
    audit("after training, confusion matrix")

    for in_scheme in audit.each_scheme():
        problems = contrast_problems(studio)
        assert not problems, f"[{in_scheme.scheme}] contrast:\n" + "\n".join(problems)
    studio.by("tab-digits").click()

    studio.click("lab-open")
    expect(studio.by("lab-check")).to_be_enabled(timeout=120_000)
    expect(studio.by("lab-editor").locator(".cm-line").first).to_be_visible()
    audit("the lab open")
    studio.click("lab-check")       # the starter code: failed and passed checks
    expect(studio.by("lab-results")).to_have_attribute("data-runs", "1", timeout=120_000)
    expect(studio.by("lab-results").locator('li[data-status="fail"]').first).to_be_visible()
    audit("the lab's check results")
    open_the_lab_help(studio, audit)
    upload(studio, tmp_path, MY_LAYERS)                 # a ReLU that passes: train with it
    check(studio)
    studio.click("lab-train")
    expect(studio.by("lab-training-state")).to_have_attribute("data-state", "running", timeout=60_000)
    expect(studio.by("lab-training-why")).to_be_visible()
    audit("the lab's training panel, running")
    studio.click("lab-training-stop")
    studio.wait_run_state("idle")


def open_the_lab_help(studio, audit) -> None:
    """The root cause's folded checks and its staged hints, opened."""
    root = studio.by("lab-results").locator(":scope > li").first
    root.locator(".lab-because summary").click()
    root.locator(".lab-help button").click()
    expect(root.locator(".lab-hint")).to_have_count(1)
    audit("the lab's root cause unfolded, a hint shown")


def test_no_axe_violations_in_any_state_in_both_schemes(open_page, tmp_path):
    studio = open_page(bypass_csp=True)
    audit = BothSchemes(studio)
    audit_every_state(studio, audit, tmp_path)
    audit.check(states=14)


def test_no_axe_violations_at_phone_width_in_both_schemes(open_page, artifacts):
    phone = open_page(bypass_csp=True, viewport={"width": 390, "height": 844}, has_touch=True,
                      is_mobile=True, device_scale_factor=2)
    audit = Audit(phone, "light, 390×844")
    expect(phone.by("gallery-summary")).to_contain_text("right", timeout=60_000)
    audit("after load")
    phone.by("tab-confusion").click()
    audit("confusion matrix")
    phone.by("tab-digits").click()
    phone.small_network(epochs="2")
    phone.click("train")
    expect(phone.by("status")).to_contain_text("Finished", timeout=120_000)
    assert phone.draw_digit("7")
    audit("after training")
    phone.page.emulate_media(color_scheme="dark")
    audit.scheme = "dark, 390×844"
    audit("after training")
    phone.page.emulate_media(color_scheme="light")
    audit.check()
    assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= 390
    phone.page.evaluate("() => window.scrollTo(0, 0)")
    phone.page.wait_for_timeout(300)
    phone.page.screenshot(path=artifacts / "a11y-phone-390x844.png")

    phone.click("lab-open")                      # the lab's tabs: statement, code, results
    expect(phone.by("lab-check")).to_be_enabled(timeout=120_000)
    audit("the lab, its statement tab")
    phone.by("lab-tab-code").click()
    expect(phone.by("lab-editor").locator(".cm-line").first).to_be_visible()
    audit("the lab, its code tab")
    phone.click("lab-check")
    expect(phone.by("lab-results")).to_have_attribute("data-runs", "1", timeout=120_000)
    expect(phone.by("lab-tab-results")).to_have_attribute("aria-selected", "true")
    open_the_lab_help(phone, audit)
    audit.check()
    assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_dark_scheme_screenshot(open_page, artifacts):
    studio = open_page(bypass_csp=True, color_scheme="dark")
    assert studio.page.evaluate("() => getComputedStyle(document.documentElement).colorScheme") == "dark"
    studio.small_network(epochs="3")
    studio.click("train")
    expect(studio.by("status")).to_contain_text("Finished", timeout=120_000)
    assert studio.draw_digit("7")
    studio.page.evaluate("() => window.scrollTo(0, 0)")
    studio.page.wait_for_timeout(400)      # charts redraw on the next frame
    studio.page.screenshot(path=artifacts / "a11y-dark-1280x800.png")


def test_no_axe_violations_in_the_demo_states_in_both_schemes(open_page):
    """The first-time demo's states: a setting's help open, a drawing's layers, the demo run,
    train accuracy measured like validation, the weights' count and scale, the presentation
    view; each in the light and the dark scheme (one page)."""
    studio = open_page(bypass_csp=True)
    both = BothSchemes(studio)
    studio.click("help-shift")
    expect(studio.by("help-text-shift")).to_be_visible()
    both("a setting's help open")
    assert studio.draw_digit("7")
    expect(studio.by("activations").locator("li.stage")).to_have_count(3)
    both("a drawing's activations")
    studio.click("train")                      # the demo: a fresh network
    studio.wait_epochs(1)
    both("the demo run")
    studio.click("stop")
    studio.wait_run_state("idle")
    studio.by("train-measured").check()
    both("train accuracy measured like validation")
    studio.click("tab-weights")
    expect(studio.by("weights-count")).not_to_have_text("")
    both("the weights with their count and scale")
    studio.click("present")
    both("the presentation view")
    both.check(states=6)


def test_reduced_motion_turns_smooth_scrolling_and_transitions_off(studio):
    page = studio.page
    moving = """() => ['html', '.prob-bar'].map((s) => {
        const style = getComputedStyle(document.querySelector(s));
        return [s, style.scrollBehavior, style.transitionDuration, style.animationName]; })"""
    page.emulate_media(reduced_motion="no-preference")
    assert dict((s, d) for s, _, d, _ in page.evaluate(moving))[".prob-bar"] != "0s"   # it does move
    page.emulate_media(reduced_motion="reduce")
    for selector, scroll, duration, animation in page.evaluate(moving):
        assert scroll == "auto", (selector, scroll)
        assert all(float(d.rstrip("s")) == 0 for d in duration.split(",")), (selector, duration)
        assert animation == "none", (selector, animation)
    # the keyboard still reaches the gallery's digits (once they are shown: the digits are
    # fetched after the page is ready), and a digit still makes a prediction
    expect(studio.by("gallery").locator("button").first).to_be_visible(timeout=60_000)
    studio.by("tab-digits").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('[data-testid=\"gallery\"]') !== null")
    assert focused
    page.keyboard.press("Enter")
    assert studio.settled_prediction() != ""
