"""Playwright fixtures: the built site, served once per session, in Debian's Chromium.

- ``site``: builds dist/ if an input changed (devtools/dist.py), serves it with
  devtools' static server on a free port, yields the URL.
- ``browser``: /usr/bin/chromium with the flags from docs/PYODIDE.md (never
  ``playwright install``); its contexts block service workers unless given
  ``service_workers="allow"``.
- ``studio``: a fresh 1280×800 page, loaded until pynn is ready, wrapped in ``StudioPage``
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


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def site():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (python3 run_tests.py installs it)")
    from devtools.dist import build_if_needed
    from devtools.server import serve

    dist = build_if_needed()
    server, url = serve(dist, port=0, quiet=True)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # No service worker (web/sw.js) unless a test asks for one (test_offline.py): every
        # test's fresh context would otherwise download all of dist again in the background
        # after "ready", and answer requests from its cache where page.route cannot see them.
        new_context = browser.new_context
        browser.new_context = lambda **options: new_context(**{"service_workers": "block", **options})
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def open_studio(browser, site, path: str = "", routes: dict | None = None, **context_options) -> StudioPage:
    """A new browser context and page on the site, with console/request recording;
    ``routes`` ({url glob: handler}) are in place before it loads."""
    context = browser.new_context(accept_downloads=True, **{"viewport": {"width": 1280, "height": 800},
                                                            **context_options})
    for pattern, handler in (routes or {}).items():
        context.route(pattern, handler)
    page = context.new_page()
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
def checked_page(browser, site):
    """A page on the site (``open_studio``), checked by ``check_clean`` and closed after."""
    page = open_studio(browser, site)
    try:
        yield page
        check_clean(page, site)
    finally:
        page.page.context.close()


@pytest.fixture
def studio(browser, site):
    with checked_page(browser, site) as page:
        yield page


@pytest.fixture
def open_page(browser, site):
    """Open more pages (other viewports, a URL hash, routes that change what the site
    serves); each is checked and closed after."""
    opened = []

    def opener(path: str = "", routes: dict | None = None, **context_options) -> StudioPage:
        page = open_studio(browser, site, path, routes, **context_options)
        opened.append(page)
        return page

    yield opener
    try:
        for page in opened:
            check_clean(page, site)
    finally:
        for page in opened:
            page.page.context.close()


@pytest.fixture(scope="module")
def form_page(browser, site):
    with checked_page(browser, site) as page:
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
