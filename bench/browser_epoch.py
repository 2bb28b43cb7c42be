"""One training epoch of W through the studio's worker path in Chromium vs natively in CPython.

    python bench/browser_epoch.py [--repeats 3] [--no-build]

W = one epoch of 8000×784 float32, 784-100-200-10, batch 32, plain SGD (lr 0.1), on the
bundled digits (the studio's training split), with the validation pass at the epoch's end.

- browser: the served studio in headless Chromium, driven like a person (settings typed in,
  Reset, Train); timed in the page from the run state turning "running" to "idle". That is
  the whole path: worker messages, 30 ms slices of ``pynn.bridge`` ``train_slice`` in Pyodide,
  progress messages, charts.
- native: the same ``pynn.bridge.Studio`` requests (reset, train, train_slice until the run
  finishes) in this CPython process, with OpenBLAS on one thread.
Both run alternately in the same session; we print each and the median ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # batches of 32: BLAS threads only spin

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "web"))

from devtools import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

W = {"hidden": "100,200", "activation": "relu", "init": "small", "optimizer": "sgd", "lr": "0.1",
     "batch_size": "32", "epochs": "1", "dropout": "0", "shift": "0", "weight_decay": "0", "seed": "0"}

# performance.now() of every run-state change (running / paused / idle)
RUN_STATES = """() => {
  window.__runStates = [];
  const el = document.querySelector('[data-testid="run-state"]');
  new MutationObserver(() => window.__runStates.push([performance.now(), el.dataset.state]))
    .observe(el, { attributes: true, attributeFilter: ["data-state"] });
}"""


def native_epoch() -> float:
    from pynn.bridge import Studio

    studio = Studio()
    assert studio.handle({"type": "reset", "config": W})["ok"]
    studio.data  # noqa: B018 -- load the digits before the clock starts, as the page has them
    start = time.perf_counter()
    assert studio.handle({"type": "train"})["ok"]
    while studio.handle({"type": "train_slice", "budget_ms": 30})["state"] == "running":
        pass
    return time.perf_counter() - start


def browser_epoch(studio) -> tuple[float, str]:
    studio.reset()
    studio.page.evaluate(RUN_STATES)
    studio.click("train")
    studio.page.wait_for_function(
        "() => window.__runStates.some(([, s]) => s === 'running') && window.__runStates.at(-1)[1] === 'idle'",
        timeout=300_000)
    states = studio.page.evaluate("() => window.__runStates")
    began = next(t for t, s in states if s == "running")
    speed = studio.by("speed").text_content()
    return (states[-1][0] - began) / 1000, speed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    args = parser.parse_args()

    from devtools import DIST
    from devtools.dist import build_if_needed
    import numpy as np
    from devtools.server import serve
    from playwright.sync_api import sync_playwright
    from studio_page import StudioPage

    dist = DIST if args.no_build else build_if_needed()
    server, url = serve(dist, port=0, quiet=True)
    browser_times, native_times, speeds = [], [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url)
            page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=120_000)
            studio = StudioPage(page, url)
            studio.configure(**W)
            native_epoch()                      # warm-up: imports, first-touch allocations
            for _ in range(args.repeats):
                seconds, speed = browser_epoch(studio)
                browser_times.append(seconds)
                speeds.append(speed)
                native_times.append(native_epoch())
            version = browser.version
            browser.close()
    finally:
        server.shutdown()
        server.server_close()

    ratios = [b / n for b, n in zip(browser_times, native_times)]
    print(f"W: one epoch of 8000×784 float32, 784-100-200-10, batch 32, SGD, + validation (1000)")
    print(f"browser (Chromium {version}, studio worker, Pyodide numpy):")
    for seconds, speed in zip(browser_times, speeds):
        print(f"  {seconds:6.2f} s   ({speed})")
    print(f"native (CPython, numpy {np.__version__}, same bridge requests):")
    for seconds in native_times:
        print(f"  {seconds:6.3f} s")
    print(f"browser {statistics.median(browser_times):.2f} s vs native {statistics.median(native_times):.3f} s: "
          f"median ratio {statistics.median(ratios):.1f}x over {args.repeats} alternating pairs "
          f"(min {min(ratios):.1f}x, max {max(ratios):.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
