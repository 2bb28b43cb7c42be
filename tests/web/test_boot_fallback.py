"""How the page starts Python (web/js/worker/pyodide-start.js, docs/BOOT.md): from the memory
snapshot when dist's snapshot is sound, otherwise the normal way -- and either way a drawn digit
gets read. Each broken case is made with request routing before the page opens: the snapshot
missing, corrupt, stale, or valid-looking but unusable by Pyodide; a wheel that cannot be
unzipped in JavaScript (web/js/worker/wheels.js). Which start was taken is read from the one
console.info line pyodide-start.js writes, the same line a developer sees."""

from __future__ import annotations

import gzip
import hashlib
import json

import pytest
from playwright.sync_api import expect

from devtools import DIST
from studio_page import READY_TIMEOUT_MS, StudioPage

INFO = "**/pyodide/snapshot.json"
SNAPSHOT = "**/pyodide/snapshot.bin.gz"
PREFIX = "pyodide-start: "
FROM_SNAPSHOT = "started from the memory snapshot"
NORMAL = "normal start without the memory snapshot: "


def start_lines(studio: StudioPage) -> list[str]:
    """pyodide-start.js's console.info lines on how each worker started Python (not the
    line on which products it uses: tests/web/test_products_page.py reads that one)."""
    return [text[len(PREFIX):] for kind, text in studio.console if kind == "info"
            and text.startswith(PREFIX) and not text.startswith(PREFIX + "products: ")]


def reads_a_seven(studio: StudioPage) -> None:
    expect(studio.by("status")).to_contain_text("Ready")
    assert studio.draw_digit("7") == "7"


def replace_json(edit):
    """A route handler serving dist's snapshot.json after `edit(info)` changed it."""
    def handler(route):
        info = route.fetch().json()
        edit(info)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(info))
    return handler


def test_a_sound_snapshot_is_used_and_the_page_reads_a_digit(open_page):
    studio = open_page()
    assert start_lines(studio) == [f"{FROM_SNAPSHOT} (snapshot.bin.gz, Pyodide 0.27.7)"]
    reads_a_seven(studio)


def test_the_labs_python_starts_from_the_snapshot_too_and_runs_a_check(open_page):
    studio = open_page()
    studio.click("lab-open")
    expect(studio.by("lab-check")).to_be_enabled(timeout=READY_TIMEOUT_MS)
    studio.click("lab-check")
    expect(studio.by("lab-results").locator("li").first).to_be_visible(timeout=60_000)
    lines = start_lines(studio)     # the studio's worker, the lab's, perhaps already the next spare
    assert len(lines) >= 2 and all(line.startswith(FROM_SNAPSHOT) for line in lines), lines


def test_a_missing_snapshot_means_a_normal_start(open_page, site):
    # The server's own 404, as for a dist built without a snapshot.
    studio = open_page(routes={INFO: lambda route: route.continue_(url=site + "pyodide/no-snapshot.json")})
    assert start_lines(studio) == [f"{NORMAL}snapshot.json: HTTP 404"]
    reads_a_seven(studio)


def test_a_corrupt_snapshot_is_refused_by_its_sha256(open_page):
    def corrupt(route):
        body = bytearray(route.fetch().body())
        body[len(body) // 2] ^= 0xFF
        route.fulfill(status=200, content_type="application/octet-stream", body=bytes(body))

    studio = open_page(routes={SNAPSHOT: corrupt})
    assert start_lines(studio) == [f"{NORMAL}corrupt: snapshot.bin.gz's sha256 is not snapshot.json's"]
    reads_a_seven(studio)


def test_a_snapshot_made_from_another_pynn_is_stale(open_page):
    def other_pynn(info):
        info["packages"]["pynn"] = "0" * 64
    studio = open_page(routes={INFO: replace_json(other_pynn)})
    assert start_lines(studio) == [f"{NORMAL}stale: made from other packages than pyodide-lock.json's (pynn)"]
    reads_a_seven(studio)


def test_a_snapshot_made_with_another_pyodide_is_stale(open_page):
    def older(info):
        info["pyodide_version"] = "0.27.6"
    studio = open_page(routes={INFO: replace_json(older)})
    assert start_lines(studio) == [f"{NORMAL}stale: made with Pyodide 0.27.6, this is 0.27.7"]
    reads_a_seven(studio)


def test_a_snapshot_pyodide_cannot_restore_falls_back_with_pyodides_reason(open_page):
    """Checksums right, contents wrong (its magic number zeroed): Pyodide's restore throws."""
    heap = bytearray(gzip.decompress((DIST / "pyodide" / "snapshot.bin.gz").read_bytes()))
    heap[:4] = bytes(4)
    broken = gzip.compress(bytes(heap), mtime=0)

    def matching(info):
        info["sha256"] = hashlib.sha256(broken).hexdigest()

    studio = open_page(routes={
        INFO: replace_json(matching),
        SNAPSHOT: lambda route: route.fulfill(status=200, content_type="application/octet-stream", body=broken),
    })
    assert start_lines(studio) == [f"{NORMAL}restoring it failed: Snapshot has invalid magic number"]
    reads_a_seven(studio)


def test_a_wheel_refused_after_the_restore_is_installed_by_loadpackage(open_page):
    """The first download of numpy's wheel is corrupt: wheels.js refuses it by its sha256, and
    Pyodide's loadPackage, which downloads it again, installs it."""
    wheel = json.loads((DIST / "pyodide" / "pyodide-lock.json").read_text())["packages"]["numpy"]["file_name"]
    served = []

    def corrupt_once(route):
        served.append(route.request.url)
        if len(served) > 1:
            route.continue_()
            return
        body = bytearray(route.fetch().body())
        body[len(body) // 2] ^= 0xFF
        route.fulfill(status=200, content_type="application/octet-stream", body=bytes(body))

    studio = open_page(routes={f"**/pyodide/{wheel}": corrupt_once})
    assert start_lines(studio) == [f"{FROM_SNAPSHOT} (snapshot.bin.gz, Pyodide 0.27.7); packages installed "
                                   f"by loadPackage: {wheel}'s sha256 is not pyodide-lock.json's"]
    assert len(served) == 2
    reads_a_seven(studio)
