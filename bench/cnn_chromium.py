"""bench/cnn_epoch.py's measurement in Chromium: the studio's worker vs the raw loop.

    python bench/cnn_epoch.py --chromium [--repeats 3] [--no-build]

Both sides run in one headless Chromium, alternately, on the studio's own dist/:

- pynn: the served studio driven like a person (bench/browser_epoch.py): the codelab net's
  settings typed into the form, Reset, Train; timed in the page from the run state turning
  "running" to "idle". That is everything a learner waits for: worker messages, 30 ms
  slices of ``train_slice``, the loss and accuracy bookkeeping, progress events, charts,
  and the validation pass at the epoch's end.
- raw: a second page of the same browser (served by Playwright's router on the studio's
  origin) starts a module worker that boots Pyodide with ``js/worker/pyodide-start.js`` exactly as
  the studio's worker does, then runs ``cnn_epoch.raw_studio_epoch``: the same initial
  weights and settings, one epoch of the raw im2col loop plus a forward pass over the
  validation split, timed inside the worker.

The studio refuses a network whose training step it estimates above 60 ms
(``pynn.studio.limits``); if the codelab net at batch 64 were refused, both sides would run
at the largest accepted batch instead, and the output says so.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "web"))

from browser_epoch import browser_epoch  # noqa: E402 -- the studio timed like a person uses it
from devtools import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from pynn.config import TrainingConfig  # noqa: E402
from pynn.studio.limits import KERNEL, config_cost, max_batch_size  # noqa: E402

# The codelab net (conv 5×5 ×8 → pool 2 → conv 5×5 ×16 → pool 2 → dense 10), plain SGD, as
# form values; cnn_epoch.py's native measurement uses the same net, rate and batch size.
CODELAB = {"arch": "conv8x5 pool2 conv16x5 pool2", "hidden": "", "activation": "relu",
           "optimizer": "sgd", "lr": "0.05", "batch_size": "64", "epochs": "1", "dropout": "0",
           "shift": "0", "weight_decay": "0", "seed": "0"}

RAW_PAGE = "bench-raw.html"                 # both routed, never part of dist/
RAW_WORKER = "js/worker/bench-raw-worker.js"   # beside pyodide-start.js, so that it resolves

RAW_WORKER_JS = """
import { startPyodide } from "./pyodide-start.js";
const booted = startPyodide();
self.onmessage = async ({ data }) => {
  try {
    const py = await booted;
    if (data.files) {
      py.FS.mkdirTree("/bench");
      for (const [name, text] of Object.entries(data.files)) py.FS.writeFile(`/bench/${name}`, text);
      py.runPython("import sys; sys.path.insert(0, '/bench')");
      // The studio's pynn may ship without the digits: its worker installs dist/data/digits.npz.
      const digits = await fetch(new URL("../../data/digits.npz", import.meta.url));
      if (digits.ok) {
        const install = py.pyimport("pynn.data").install_digits;
        install(new Uint8Array(await digits.arrayBuffer()));
        install.destroy();
      }
      self.postMessage({ ok: true, numpy: py.runPython("import numpy; numpy.__version__") });
      return;
    }
    const epoch = py.pyimport("cnn_epoch").raw_studio_epoch;
    const settings = py.toPy(data.settings);
    try {
      self.postMessage({ ok: true, seconds: epoch(settings) });
    } finally {
      settings.destroy();
      epoch.destroy();
    }
  } catch (error) {
    self.postMessage({ ok: false, error: String(error && error.message || error) });
  }
};
"""

RAW_PAGE_HTML = f"""<!doctype html><meta charset="utf-8"><title>raw loop</title>
<script>
  const worker = new Worker("{RAW_WORKER}", {{ type: "module" }});
  window.ask = (message) => new Promise((resolve, reject) => {{
    worker.onmessage = ({{ data }}) => data.ok ? resolve(data) : reject(new Error(data.error));
    worker.onerror = (event) => reject(new Error(event.message || "the worker failed to load"));
    worker.postMessage(message);
  }});
</script>"""


def accepted_settings() -> tuple[dict, str]:
    """The codelab settings at the largest batch the studio accepts (64 if it fits), and a
    line saying which."""
    largest = max_batch_size(config_cost(TrainingConfig.from_dict(CODELAB)), KERNEL)   # the page has the kernel
    if largest >= int(CODELAB["batch_size"]):
        return CODELAB, f"batch {CODELAB['batch_size']} (the studio accepts up to {largest} for this net)"
    return ({**CODELAB, "batch_size": str(largest)},
            f"batch {largest}: the studio refuses batch {CODELAB['batch_size']} for this net "
            f"(step estimate over 60 ms), so both sides run at its largest accepted batch")


def open_raw_page(context, url: str):
    """The raw loop's page: a worker booted from the studio's dist with this working copy's
    bench scripts in its file system."""
    context.route(url + RAW_PAGE, lambda route: route.fulfill(
        body=RAW_PAGE_HTML, content_type="text/html"))
    context.route(url + RAW_WORKER, lambda route: route.fulfill(
        body=RAW_WORKER_JS, content_type="text/javascript"))
    page = context.new_page()
    page.goto(url + RAW_PAGE)
    files = {name: (BENCH / name).read_text() for name in ("epoch.py", "cnn_epoch.py")}
    numpy_version = page.evaluate("(files) => ask({ files }).then((answer) => answer.numpy)", files)
    return page, numpy_version


def raw_epoch(page, settings: dict) -> float:
    return page.evaluate("(settings) => ask({ settings }).then((answer) => answer.seconds)", settings)


def measure_in_chromium(repeats: int, build: bool = True) -> None:
    from devtools import DIST
    from devtools.dist import build_if_needed
    from devtools.server import serve
    from playwright.sync_api import sync_playwright
    from studio_page import StudioPage

    settings, batch_line = accepted_settings()
    dist = build_if_needed() if build else DIST
    server, url = serve(dist, port=0, quiet=True)
    studio_times, raw_times, speeds = [], [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=120_000)
            studio = StudioPage(page, url)
            studio.configure(**settings)
            raw_page, numpy_version = open_raw_page(context, url)
            print(f"Chromium {browser.version}, Pyodide numpy {numpy_version}; one epoch C "
                  f"(8000 digits, codelab conv net, SGD lr {settings['lr']}), {batch_line}; "
                  f"both include the validation pass (1000 digits)", flush=True)
            for repeat in range(repeats):
                seconds, speed = browser_epoch(studio)
                raw = raw_epoch(raw_page, settings)
                studio_times.append(seconds)
                raw_times.append(raw)
                speeds.append(speed)
                print(f"  pair {repeat + 1}: raw {raw:.2f} s, pynn through the studio {seconds:.2f} s "
                      f"({speed}), ratio {seconds / raw:.3f}", flush=True)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    ratios = [ours / raw for ours, raw in zip(studio_times, raw_times)]
    print(f"raw im2col loop (its own Pyodide worker): median {statistics.median(raw_times):.2f} s")
    print(f"pynn through the studio's worker:         median {statistics.median(studio_times):.2f} s")
    print(f"studio / raw: median ratio {statistics.median(ratios):.3f} over {repeats} alternating pairs "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}); target <= 1.0", flush=True)
