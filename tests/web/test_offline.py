"""Offline use and updates (web/sw.js, web/js/offline.js, devtools/offline.py).

Each test serves its own copy of dist/ (so that it can stop the server or change a file
without touching dist/ or the other tests' server) in a browser context that allows service
workers (conftest.py blocks them everywhere else).
"""

from __future__ import annotations

import shutil
import threading
import urllib.request
from functools import partial
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from studio_page import READY_TIMEOUT_MS, StudioPage

SAVED_TIMEOUT_MS = 120_000     # the install downloads all of dist (~20 MB) on a busy machine


class LoggedSite:
    """A copy of dist/ served by devtools' server, recording the paths it was asked for."""

    def __init__(self, directory):
        from devtools.server import StaticHandler, serve

        self.directory = directory
        self.paths: list[str] = []
        lock = threading.Lock()
        paths = self.paths

        class LoggingHandler(StaticHandler):
            def send_head(self):
                with lock:
                    paths.append(urlsplit(self.path).path)
                return super().send_head()

        self.server, self.url = serve(directory, port=0, quiet=True)
        self.server.RequestHandlerClass = partial(LoggingHandler, directory=str(directory))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def copy_site(site, tmp_path):
    from devtools import DIST

    copy = tmp_path / "dist"
    shutil.copytree(DIST, copy)
    served = LoggedSite(copy)
    yield served
    served.stop()


@pytest.fixture
def sw_context(browser):
    context = browser.new_context(service_workers="allow", viewport={"width": 1280, "height": 800})
    yield context
    context.close()


def visit(context, url: str) -> StudioPage:
    page = context.new_page()
    studio = StudioPage(page, url)
    page.on("console", lambda message: studio.console.append((message.type, message.text)))
    page.on("pageerror", lambda error: studio.console.append(("pageerror", str(error))))
    page.goto(url)
    page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=READY_TIMEOUT_MS)
    return studio


def errors(studio: StudioPage) -> list[str]:
    return [text for kind, text in studio.console if kind in ("error", "pageerror")]


def test_after_one_visit_the_studio_works_with_the_server_gone(copy_site, sw_context):
    first = visit(sw_context, copy_site.url)
    expect(first.by("offline")).to_have_text("Works offline: the studio is saved in this browser.",
                                            timeout=SAVED_TIMEOUT_MS)
    first.page.close()
    copy_site.stop()
    with pytest.raises(OSError):                       # really gone
        urllib.request.urlopen(copy_site.url, timeout=5)

    studio = visit(sw_context, copy_site.url)          # nothing answers on that port now
    expect(studio.by("offline")).to_contain_text("Works offline")
    assert studio.draw_digit("7") == "7"
    studio.small_network(epochs="1")                   # training needs the bundled digits
    studio.click("train")
    studio.wait_epochs(1)
    studio.wait_run_state("idle")
    studio.click("pretrained-cnn")                     # fetched only when asked for
    expect(studio.by("model-summary")).to_contain_text("Conv2D", timeout=60_000)
    studio.click("lab-open")                           # the lab: its own Python and the editor
    expect(studio.by("lab-check")).to_be_enabled(timeout=120_000)
    expect(studio.by("lab-editor").locator(".cm-content")).to_be_visible()
    assert errors(studio) == []


def change_footer(directory, old: str, new: str) -> None:
    """Change the page in a copy of dist and re-run the build's offline step on it."""
    from devtools import offline

    index = directory / "index.html"
    index.write_text(index.read_text().replace(old, new))
    offline.write_offline_files(directory)


def wait_for_update(studio: StudioPage) -> None:
    """Reload: the old build answers, the browser finds the new sw.js, which installs."""
    studio.page.reload()
    studio.page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=READY_TIMEOUT_MS)
    expect(studio.by("offline")).to_contain_text("A new version of the studio is downloaded.",
                                                timeout=SAVED_TIMEOUT_MS)


def test_a_changed_file_is_downloaded_alone_and_used_after_reload(copy_site, sw_context):
    from devtools import offline

    studio = visit(sw_context, copy_site.url)
    expect(studio.by("offline")).to_contain_text("Works offline", timeout=SAVED_TIMEOUT_MS)
    footer = studio.page.locator("footer")
    old_version = offline.manifest(copy_site.directory)["version"]
    change_footer(copy_site.directory, "nothing is sent anywhere.", "nothing is sent anywhere. Build two.")
    assert offline.manifest(copy_site.directory)["version"] != old_version
    del copy_site.paths[:]

    wait_for_update(studio)
    expect(footer).not_to_contain_text("Build two.")          # a page runs one build
    assert sorted(set(copy_site.paths)) == ["/index.html", "/sw.js"], "only the changed file is downloaded"

    studio.click("offline-reload")                          # the page's button
    expect(footer).to_contain_text("Build two.", timeout=READY_TIMEOUT_MS)
    studio.page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=READY_TIMEOUT_MS)
    expect(studio.by("offline")).to_contain_text("Works offline", timeout=SAVED_TIMEOUT_MS)
    # the old build's copy of index.html is gone from the cache; one entry per file remains
    keys = studio.page.evaluate(
        "async () => (await (await caches.open('pynn-studio')).keys()).map((r) => new URL(r.url).pathname)")
    assert sorted(keys) == sorted("/" + path for path in offline.manifest(copy_site.directory)["files"])

    change_footer(copy_site.directory, "Build two.", "Build three.")
    wait_for_update(studio)
    expect(footer).to_contain_text("Build two.")
    studio.page.reload()                                    # or the browser's own reload
    expect(footer).to_contain_text("Build three.", timeout=READY_TIMEOUT_MS)
    studio.page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=READY_TIMEOUT_MS)
    assert errors(studio) == []
