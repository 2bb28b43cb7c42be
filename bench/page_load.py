"""Page load of the studio: cold and second visits, against a bare Pyodide start.

    python bench/page_load.py [--runs 5] [--no-build]

Builds dist/ if needed, serves a temporary copy of it with devtools' static server (gzip, no
HTTP caching) on localhost, and opens it in headless Debian Chromium. Each run, in a fresh
browser context:
  bare   a page that only runs `loadPyodide()` from the same dist in a module worker (the
         bench writes it into the copy, never into dist/): the floor the studio is held to;
  cold   the studio's first visit: time to "ready to predict" (Pyodide, numpy and pynn loaded
         in the worker, the pretrained model in place, so a drawing gets an answer);
  warm   the same context reloaded once the service worker (web/sw.js) has cached the site;
  later  two reloads more (LATER_PAUSE_S apart): the visit after that. Chromium keeps the
         code it compiled from pyodide.asm.wasm beside the service worker's copy, but writes it
         only once it has optimised the hot functions of a module compiled from that copy
         (first on the warm visit): later visits start Python on optimised code at once.
Times are from navigation start; bytes are what the server sent (compressed bodies + headers)
until ready. Each visit's steps are the status lines and the studio worker's performance marks
(web/js/worker/pyodide-start.js). Goals: cold <= 3 s, <= 1.0x bare, <= 16 MB; warm: no large
download, <= 1.5 s (the goal is the second visit's; "later" shows where it stands after).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

TARGET_S = 3.0
TARGET_MB = 16.0
TARGET_BARE_RATIO = 1.0
TARGET_WARM_S = 1.5
LATER_PAUSE_S = 3.0             # Chromium writes a module's code cache ~2 s after optimising it
LARGE_FILE_BYTES = 100_000      # a warm visit that downloads any file this big is not "warm"
READY = '[data-testid="status"][data-phase="ready"]'
SAVED = '[data-testid="offline"][data-state="saved"]'

# The bare page: loadPyodide() alone (no packages) in a module worker, as the studio's
# worker starts it; the time its answer reaches the page is the bare "ready".
BARE_HTML = """<!doctype html><meta charset="utf-8"><title>bare Pyodide</title>
<script type="module" src="bench-bare.js"></script>
"""
BARE_PAGE_JS = """const worker = new Worker(new URL("./bench-bare-worker.js", import.meta.url), { type: "module" });
worker.onmessage = (event) => { window.__bare = event.data === "ready" ? performance.now() : String(event.data); };
"""
BARE_WORKER_JS = """import { loadPyodide } from "./pyodide/pyodide.mjs";
loadPyodide({ indexURL: new URL("./pyodide/", import.meta.url).href }).then(
  () => self.postMessage("ready"), (error) => self.postMessage(`failed: ${error}`));
"""

# Records each status line with its time since navigation start (performance.now()).
TIMELINE = """
window.__statusTimeline = [];
new MutationObserver(() => {
  const status = document.querySelector('[data-testid="status"]');
  const log = window.__statusTimeline;
  if (status && (!log.length || log[log.length - 1][1] !== status.textContent))
    log.push([performance.now(), status.textContent, status.dataset.phase]);
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
"""


class Counter:
    """Bytes the server sent (headers + bodies, as compressed on the wire), per path, with the
    time (time.monotonic()) each piece was sent."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent: list[tuple[float, str, int]] = []

    def add(self, path: str, n: int) -> None:
        with self.lock:
            self.sent.append((time.monotonic(), path, n))

    def take(self, until: float = float("inf")) -> dict[str, int]:
        """Bytes per path sent until `until` (all of them are forgotten)."""
        with self.lock:
            sent, self.sent = self.sent, []
        per_path: dict[str, int] = {}
        for at, path, n in sent:
            if at <= until:
                per_path[path] = per_path.get(path, 0) + n
        return per_path


def counting_server(dist: Path, counter: Counter):
    """devtools' static server, counting what it sends (Playwright's per-request sizes miss
    some of the worker's requests; the server sees all of them)."""
    from functools import partial

    from devtools.server import StaticHandler, StaticServer

    class CountingHandler(StaticHandler):
        def end_headers(self):
            counter.add(self.path, sum(len(chunk) for chunk in getattr(self, "_headers_buffer", [])) + 2)
            super().end_headers()

        def copyfile(self, source, outputfile):
            data = source.read()
            counter.add(self.path, len(data))
            outputfile.write(data)

    server = StaticServer(("127.0.0.1", 0), partial(CountingHandler, directory=str(dist)))
    server.quiet = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def write_bare_page(directory: Path) -> str:
    (directory / "bench-bare.html").write_text(BARE_HTML)
    (directory / "bench-bare.js").write_text(BARE_PAGE_JS)
    (directory / "bench-bare-worker.js").write_text(BARE_WORKER_JS)
    return "bench-bare.html"


def bare_once(browser, url: str) -> float:
    """Seconds from navigation start until loadPyodide() resolved in the bare page's worker."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("() => window.__bare !== undefined", timeout=120_000)
    ready_ms = page.evaluate("() => window.__bare")
    context.close()
    if not isinstance(ready_ms, (int, float)):
        raise RuntimeError(f"the bare page could not start Pyodide: {ready_ms}")
    return ready_ms / 1000


def worker_marks(page) -> list[tuple[float, str]]:
    """The studio worker's performance marks as [ms since the page's navigation start, name]."""
    worker = [w for w in page.workers if w.url.endswith("/js/worker/worker.js")][-1]
    marks = worker.evaluate("() => [performance.timeOrigin, performance.getEntriesByType('mark')"
                            ".map((m) => [m.startTime, m.name])]")
    offset = marks[0] - page.evaluate("() => performance.timeOrigin")
    return [(at + offset, name) for at, name in marks[1]]


def measure(page, counter: Counter, navigate) -> dict:
    """Navigate, wait until the studio is ready; its time, bytes sent, status lines and the
    worker's marks, in time order."""
    counter.take()
    started = time.monotonic()
    navigate()
    page.wait_for_selector(READY, timeout=120_000)
    status = page.evaluate("() => window.__statusTimeline")
    timeline = sorted(status + [[at, name, "mark"] for at, name in worker_marks(page)])
    ready_ms = next(t for t, _, phase in timeline if phase == "ready")
    # Only what was sent before "ready": right after it the gallery fetches the digits and the
    # service worker starts caching the site, while this process is still noticing "ready".
    # (started is taken just before navigation starts, so this cut-off errs on the early side.)
    sent = counter.take(until=started + ready_ms / 1000)
    return {"ready_s": ready_ms / 1000, "bytes": sum(sent.values()), "files": sent, "timeline": timeline}


def visits_once(browser, url: str, counter: Counter) -> tuple[dict, dict, dict]:
    """A first (cold) visit; once the service worker has cached the site, a reload (warm);
    two reloads more, the last of them measured (later)."""
    context = browser.new_context(service_workers="allow")
    page = context.new_page()
    page.add_init_script(TIMELINE)
    cold = measure(page, counter, lambda: page.goto(url))
    page.wait_for_selector(SAVED, state="attached", timeout=120_000)
    warm = measure(page, counter, page.reload)
    time.sleep(LATER_PAUSE_S)
    measure(page, counter, page.reload)
    time.sleep(LATER_PAUSE_S)
    later = measure(page, counter, page.reload)
    context.close()
    return cold, warm, later


def median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda run: run["ready_s"])[len(runs) // 2]


def spread(times: list[float]) -> str:
    return f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})"


def goal(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, not {args.runs}")

    from devtools import DIST
    from devtools.dist import build_if_needed
    from playwright.sync_api import sync_playwright

    dist = DIST if args.no_build else build_if_needed()
    counter = Counter()
    with tempfile.TemporaryDirectory(prefix="pynn-page-load-") as tmp:
        site = Path(tmp) / "dist"
        shutil.copytree(dist, site)
        bare_page = write_bare_page(site)
        server, url = counting_server(site, counter)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                visits_once(browser, url, counter)    # warm the server's gzip cache, not the browser
                bare, cold, warm, later = [], [], [], []
                for _ in range(args.runs):           # interleaved: all of them see the same machine load
                    bare.append(bare_once(browser, url + bare_page))
                    first, second, after = visits_once(browser, url, counter)
                    cold.append(first)
                    warm.append(second)
                    later.append(after)
                version = browser.version
                browser.close()
        finally:
            server.shutdown()
            server.server_close()

    cold_times = [run["ready_s"] for run in cold]
    warm_times = [run["ready_s"] for run in warm]
    later_times = [run["ready_s"] for run in later]
    median, warm_median, later_median = median_run(cold), median_run(warm), median_run(later)
    megabytes = median["bytes"] / 1e6
    ratio = statistics.median(cold_times) / statistics.median(bare)
    largest_warm = max(max(run["files"].values(), default=0) for run in warm)
    print(f"Chromium {version}, headless, http://127.0.0.1 (gzip), {args.runs} runs, each: "
          f"bare Pyodide, cold visit, warm visit, later visit")
    print(f"\nstatus line and worker marks of the median cold run (seconds since navigation start):")
    for t, text, _ in median["timeline"]:
        print(f"  {t / 1000:6.2f}  {text}")
    print(f"\nlargest transfers (median cold run):")
    for path, size in sorted(median["files"].items(), key=lambda item: -item[1])[:8]:
        print(f"  {size / 1e6:7.2f} MB  {path.lstrip('/')}")
    print(f"\nstatus line and worker marks of the median warm run (seconds, step's share):")
    previous = 0.0
    for t, text, _ in warm_median["timeline"]:
        print(f"  {t / 1000:6.2f}  +{(t - previous) / 1000:4.2f}  {text}")
        previous = t
    print(f"\nworker marks of the median later run (seconds, step's share):")
    previous = 0.0
    for t, text, _ in (step for step in later_median["timeline"] if step[2] == "mark"):
        print(f"  {t / 1000:6.2f}  +{(t - previous) / 1000:4.2f}  {text}")
        previous = t
    print(f"\nwarm visit transfers (median warm run): " + (", ".join(
        f"{path.lstrip('/')} {size / 1e3:.1f} kB" for path, size in sorted(warm_median["files"].items())) or "none"))
    print(f"\nbare loadPyodide():     {spread(bare)}")
    print(f"cold ready to predict:  {spread(cold_times)}; target <= {TARGET_S:.1f} s "
          f"-> {goal(statistics.median(cold_times) <= TARGET_S)}")
    print(f"cold / bare:            {ratio:.2f}x; target <= {TARGET_BARE_RATIO:.1f}x "
          f"-> {goal(ratio <= TARGET_BARE_RATIO)}")
    print(f"cold transferred:       {megabytes:.2f} MB in {len(median['files'])} files; target <= "
          f"{TARGET_MB:.0f} MB -> {goal(megabytes <= TARGET_MB)}")
    print(f"warm ready to predict:  {spread(warm_times)} ({statistics.median(cold_times) / statistics.median(warm_times):.1f}x "
          f"faster than cold); target <= {TARGET_WARM_S:.1f} s -> {goal(statistics.median(warm_times) <= TARGET_WARM_S)}")
    print(f"later ready to predict: {spread(later_times)} (the visit after two reloads); target <= "
          f"{TARGET_WARM_S:.1f} s -> {goal(statistics.median(later_times) <= TARGET_WARM_S)}")
    print(f"warm transferred:       {warm_median['bytes'] / 1e3:.1f} kB in {len(warm_median['files'])} files, "
          f"largest file in any warm run {largest_warm / 1e3:.1f} kB; target: none over "
          f"{LARGE_FILE_BYTES / 1e3:.0f} kB -> {goal(largest_warm <= LARGE_FILE_BYTES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
