"""Cold page load of the studio: time to "ready to predict" and bytes transferred.

    python bench/page_load.py [--runs 5] [--no-build]

Builds dist/ if needed, serves it with devtools' static server (gzip, no caching: every load
is cold) on localhost, and opens it in headless Debian Chromium, each run in a fresh browser
context. "Ready" is the moment the status line says so: Pyodide, numpy and pynn are loaded
in the worker and the pretrained model is in place, so a drawing gets an answer.
Bytes are what the server sent (compressed bodies + headers) for the page and its worker.
Targets: <= 3 s and <= 16 MB.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

TARGET_S = 3.0
TARGET_MB = 16.0

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
    """Bytes the server sent (headers + bodies, as compressed on the wire), per path."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent: dict[str, int] = {}

    def add(self, path: str, n: int) -> None:
        with self.lock:
            self.sent[path] = self.sent.get(path, 0) + n

    def take(self) -> dict[str, int]:
        with self.lock:
            sent, self.sent = self.sent, {}
        return sent


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


def load_once(browser, url: str, counter: Counter) -> dict:
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(TIMELINE)
    counter.take()
    page.goto(url)
    page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=120_000)
    sent = counter.take()
    timeline = page.evaluate("() => window.__statusTimeline")
    ready_ms = next(t for t, _, phase in timeline if phase == "ready")
    context.close()
    return {"ready_s": ready_ms / 1000, "bytes": sum(sent.values()), "files": sent, "timeline": timeline}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    args = parser.parse_args()

    from devtools import DIST
    from devtools.dist import build_if_needed
    from playwright.sync_api import sync_playwright

    dist = DIST if args.no_build else build_if_needed()
    counter = Counter()
    server, url = counting_server(dist, counter)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            load_once(browser, url, counter)        # warm the server's gzip cache, not the browser
            runs = [load_once(browser, url, counter) for _ in range(args.runs)]
            version = browser.version
            browser.close()
    finally:
        server.shutdown()
        server.server_close()

    times = [run["ready_s"] for run in runs]
    median = sorted(runs, key=lambda run: run["ready_s"])[len(runs) // 2]
    megabytes = median["bytes"] / 1e6
    print(f"Chromium {version}, headless, http://127.0.0.1 (gzip), {args.runs} cold loads")
    print(f"\nstatus line of the median run (seconds since navigation start):")
    for t, text, _ in median["timeline"]:
        print(f"  {t / 1000:6.2f}  {text}")
    print(f"\nlargest transfers (median run):")
    for path, size in sorted(median["files"].items(), key=lambda item: -item[1])[:8]:
        print(f"  {size / 1e6:7.2f} MB  {path.lstrip('/')}")
    print(f"\nready to predict: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}); target <= {TARGET_S:.0f} s "
          f"-> {'met' if statistics.median(times) <= TARGET_S else 'NOT met'}")
    print(f"transferred:      {megabytes:.2f} MB in {len(median['files'])} files; target <= "
          f"{TARGET_MB:.0f} MB -> {'met' if megabytes <= TARGET_MB else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
