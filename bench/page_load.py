"""Cold page load of the studio: time to "ready to predict" and bytes transferred.

    python bench/page_load.py [--runs 5] [--no-build]

Builds dist/ if needed, serves it with devtools' static server (gzip, no caching: every load
is cold) on localhost, and opens it in headless Debian Chromium, each run in a fresh browser
context. "Ready" is the moment the status line says so: Pyodide, numpy and pynn are loaded
in the worker and the pretrained model is in place, so a drawing gets an answer.
Bytes are what went over the wire (compressed bodies + headers) for the page and its worker.
Targets (issue 3): <= 3 s and <= 16 MB.
"""

from __future__ import annotations

import argparse
import statistics
import sys
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


def load_once(browser, url: str) -> dict:
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(TIMELINE)
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url)
    page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=120_000)
    timeline = page.evaluate("() => window.__statusTimeline")
    ready_ms = next(t for t, _, phase in timeline if phase == "ready")
    files = []
    for request in finished:
        sizes = request.sizes()
        files.append((request.url.rsplit("/", 1)[-1] or "index.html",
                      sizes["responseBodySize"] + sizes["responseHeadersSize"],
                      request.timing["responseEnd"]))
    context.close()
    return {"ready_s": ready_ms / 1000, "bytes": sum(size for _, size, _ in files),
            "files": files, "timeline": timeline}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    args = parser.parse_args()

    import build
    from devtools.server import serve
    from playwright.sync_api import sync_playwright

    dist = build.DIST if args.no_build else build.build_if_needed()
    server, url = serve(dist, port=0, quiet=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            load_once(browser, url)                 # warm the server's gzip cache, not the browser
            runs = [load_once(browser, url) for _ in range(args.runs)]
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
    for name, size, _ in sorted(median["files"], key=lambda f: -f[1])[:8]:
        print(f"  {size / 1e6:7.2f} MB  {name}")
    print(f"\nready to predict: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}); target <= {TARGET_S:.0f} s "
          f"-> {'met' if statistics.median(times) <= TARGET_S else 'NOT met'}")
    print(f"transferred:      {megabytes:.2f} MB in {len(median['files'])} requests; target <= "
          f"{TARGET_MB:.0f} MB -> {'met' if megabytes <= TARGET_MB else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
