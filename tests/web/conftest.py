"""Playwright fixtures: the built site, served once per session, in Debian's Chromium.

- ``site``: builds dist/ if an input changed (devtools/dist.py), serves it with
  devtools' static server on a free port, yields the URL. The server lets the browser keep
  its files (dist/ does not change while the tests run).
- ``browser``: /usr/bin/chromium with the flags from docs/PYODIDE.md (never
  ``playwright install``); its contexts block service workers unless given
  ``service_workers="allow"``.
- ``contexts``: the browser contexts the tests' pages share, one per set of options a page
  cannot set itself (``bypass_csp``, a phone's ``is_mobile``...), each a Chromium profile on
  disk. It keeps the site's files and, above all, the code Chromium compiled from
  pyodide.asm.wasm, which Chromium keeps only in a profile on disk: a fresh context compiles
  it again and runs Python on baseline code until that is optimised, ~1 s more per page
  (3.1 s against 2.25 s, median of 8 interleaved boots). Each page's localStorage is cleared
  when it closes, so tests stay independent. Pages with ``routes`` get a fresh context of
  their own (routes would leak to other tests).
- ``studio``: a new 1280×800 page, loaded until pynn is ready, wrapped in ``StudioPage``
  (helpers that act like a person: mouse strokes, clicks, typing, file choosers). After the
  test it checks that the console had no errors and that every request went to the site.
- ``form``: for tests that only type into the settings form (never Reset, Train or a
  reload): one page per test module, its fields typed back to what they were after each test.
  A page boot costs seconds; typing a field back costs milliseconds.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, Path(__file__).resolve().parent):   # build/devtools, and studio_page
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from devtools import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from studio_page import READY_TIMEOUT_MS, StudioPage  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"


def pytest_addoption(parser):
    parser.addoption("--timing", choices=("with", "without", "only"), default="with",
                     help="tests marked `timing` (they assert how long something takes): run them with the "
                          "rest, leave them out, or run only them (run_tests.py runs them alone, after the "
                          "rest, so that no other test's load decides them)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)
    timing = config.getoption("--timing")
    if timing != "with":
        kept, left_out = [], []
        for item in items:
            is_timing = item.get_closest_marker("timing") is not None
            (kept if is_timing == (timing == "only") else left_out).append(item)
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(scope="session")
def site():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (python3 run_tests.py installs it)")
    from devtools.dist import build_if_needed
    from devtools.server import serve

    dist = build_if_needed()
    server, url = serve(dist, port=0, quiet=True, max_age=24 * 3600)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def playwright(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


# No service worker (web/sw.js) unless a test asks for one (test_offline.py): every test's
# page would otherwise download all of dist again in the background after "ready", and
# answer requests from its cache where page.route cannot see them.
NO_SERVICE_WORKER = {"service_workers": "block"}


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    new_context = browser.new_context
    browser.new_context = lambda **options: new_context(**{**NO_SERVICE_WORKER, **options})
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


PAGE_OPTIONS = ("viewport", "color_scheme", "reduced_motion")   # what a page sets for itself


class Contexts:
    """The browser contexts of the tests' pages (see the module's docstring). A shared one is
    a Chromium profile of its own on disk: Chromium keeps compiled WebAssembly only there
    (an in-memory context keeps the files but compiles pyodide.asm.wasm again each time)."""

    def __init__(self, playwright, browser, profiles: Path):
        self.playwright, self.browser, self.profiles = playwright, browser, profiles
        self.shared = {}

    def for_page(self, options: dict, routes: dict | None = None):
        if routes:
            context = self.browser.new_context(accept_downloads=True, **options)
            for pattern, handler in routes.items():
                context.route(pattern, handler)
            return context
        key = repr(sorted(options.items()))
        if key not in self.shared:
            self.shared[key] = self.playwright.chromium.launch_persistent_context(
                self.profiles / f"profile-{len(self.shared)}", executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                accept_downloads=True, **NO_SERVICE_WORKER, **options)
        return self.shared[key]

    def close_page(self, page) -> None:
        """Close ``page``: with its context if that is its own, else after clearing the
        site's localStorage (the next test's page starts as a first visit)."""
        if not any(page.context is context for context in self.shared.values()):
            page.context.close()
            return
        if not page.is_closed():
            try:
                page.evaluate("() => localStorage.clear()")
            finally:
                page.close()


@pytest.fixture(scope="session")
def contexts(playwright, browser, tmp_path_factory):
    contexts = Contexts(playwright, browser, tmp_path_factory.mktemp("chromium"))
    yield contexts
    for context in contexts.shared.values():
        context.close()


def open_studio(contexts: Contexts, site, path: str = "", routes: dict | None = None, **options) -> StudioPage:
    """A new page on the site, with console/request recording, in a shared context, or in a
    context of its own when ``routes`` ({url glob: handler}) are given, in place before it
    loads. ``options``: Playwright's context options (viewport, color_scheme, is_mobile...)."""
    page_options = {"viewport": {"width": 1280, "height": 800},
                    **{name: options.pop(name) for name in PAGE_OPTIONS if name in options}}
    page = contexts.for_page(options, routes).new_page()
    page.set_viewport_size(page_options.pop("viewport"))
    if page_options:
        page.emulate_media(**page_options)
    studio = StudioPage(page, site)
    page.on("console", lambda message: studio.console.append((message.type, message.text)))
    page.on("pageerror", lambda error: studio.console.append(("pageerror", str(error))))
    page.on("request", lambda request: studio.requests.append(request.url))
    page.goto(site + path)
    page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=READY_TIMEOUT_MS)
    return studio


def check_clean(studio: StudioPage, site: str) -> None:
    errors = [text for kind, text in studio.console if kind in ("error", "pageerror")]
    assert errors == [], f"console errors: {errors}"
    origin = urlsplit(site)[:2]
    foreign = [url for url in studio.requests
               if urlsplit(url)[:2] != origin and not url.startswith(("blob:", "data:"))]
    assert foreign == [], f"requests to other origins: {foreign}"


@contextmanager
def checked_page(contexts, site):
    """A page on the site (``open_studio``), checked by ``check_clean`` and closed after."""
    page = open_studio(contexts, site)
    try:
        yield page
        check_clean(page, site)
    finally:
        contexts.close_page(page.page)


@pytest.fixture
def studio(contexts, site):
    with checked_page(contexts, site) as page:
        yield page


@pytest.fixture
def open_page(contexts, site):
    """Open more pages (other viewports, a URL hash, routes that change what the site
    serves); each is checked and closed after."""
    opened = []

    def opener(path: str = "", routes: dict | None = None, **options) -> StudioPage:
        page = open_studio(contexts, site, path, routes, **options)
        opened.append(page)
        return page

    yield opener
    try:
        for page in opened:
            check_clean(page, site)
    finally:
        for page in opened:
            contexts.close_page(page.page)


@pytest.fixture(scope="module")
def form_page(contexts, site):
    with checked_page(contexts, site) as page:
        fields = page.page.locator("[data-testid^='field-']")
        page.initial_form = dict(zip(fields.evaluate_all("all => all.map(e => e.dataset.testid.slice(6))"),
                                     fields.evaluate_all("all => all.map(e => e.value)")))
        yield page


@pytest.fixture
def form(form_page, site):
    """The module's settings page (see ``form_page``), as it was when it opened."""
    yield form_page
    from playwright.sync_api import expect

    # last field first: a field that only applies with another's value (momentum) is typed
    # back while it still applies
    for name, value in reversed(form_page.initial_form.items()):
        if form_page.by(f"field-{name}").input_value() != value:
            form_page.set_field(name, value)
    for name in form_page.initial_form:
        expect(form_page.by(f"error-{name}")).to_have_text("")
    expect(form_page.by("train")).to_be_enabled()
    expect(form_page.by("reset-hint")).to_be_hidden()
    check_clean(form_page, site)
