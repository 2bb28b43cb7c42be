"""How long the page waits for a prediction: the pretrained MLP vs the pretrained CNN, in Chromium.

    python bench/predict_latency.py [--rounds 2] [--no-build]

The served studio in headless Chromium. Each model is loaded the way a person does (the
"Pretrained model" / "Pretrained CNN" buttons), then digits are drawn with the mouse in
several places and sizes, as people draw them (large and centred, small in a corner,
off-centre). Every stroke asks the worker for a prediction (one in flight at most), so one
drawing gives several. We time each ``predict`` round trip as the page experiences it: from
the page's ``postMessage`` of the request to the reply's arrival on the page's thread
(``performance.now()`` in the page, through a wrapper of ``Worker.prototype.postMessage``
installed before the page's scripts run). That is Python's preprocessing and forward pass
(for a convnet also its first layer's feature maps), the conversions at the bridge, and the
messages both ways. The models alternate (MLP, CNN, MLP, CNN...) so machine noise hits both.
Goal: CNN median ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "web"))

from devtools import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from studio_page import DIGITS, StudioPage, small_in_corner  # noqa: E402

# button, a layer its model summary names
MODELS = {"MLP": ("pretrained-model", "Dense(784, 256)"), "CNN": ("pretrained-cnn", "Conv2D(1, 16, 5)")}

# Round trips of "predict" requests, in page milliseconds, from postMessage to the reply.
TIME_PREDICTS = """() => {
  window.__predictMs = [];
  const sent = new Map();
  const post = Worker.prototype.postMessage;
  const watched = new WeakSet();
  Worker.prototype.postMessage = function (message, ...rest) {
    if (!watched.has(this)) {
      watched.add(this);
      this.addEventListener("message", ({ data }) => {
        if (data && data.type === "reply" && sent.has(data.id)) {
          window.__predictMs.push(performance.now() - sent.get(data.id));
          sent.delete(data.id);
        }
      });
    }
    if (message && message.type === "predict") sent.set(message.id, performance.now());
    return post.call(this, message, ...rest);
  };
}"""


def drawings() -> list:
    """Realistic drawings: each digit large and centred, small in two corners, and shifted."""
    result = []
    for strokes in DIGITS.values():
        result += [strokes, small_in_corner(strokes, corner=(0.05, 0.05), size=0.45),
                   small_in_corner(strokes, corner=(0.5, 0.45), size=0.45),
                   [[(x * 0.8 + 0.15, y * 0.8) for x, y in stroke] for stroke in strokes]]
    return result


def load(studio: StudioPage, name: str) -> None:
    from playwright.sync_api import expect

    button, layer = MODELS[name]
    studio.click("clear")
    studio.click(button)
    expect(studio.by("model-summary")).to_contain_text(layer, timeout=60_000)
    # the test-split report (computed in pieces after a model loads) has finished
    expect(studio.by("test-accuracy")).not_to_have_text("–", timeout=60_000)


def round_trips(studio: StudioPage) -> list[float]:
    """Draw every drawing once; the predict round trips (ms) they caused."""
    studio.page.evaluate("() => { window.__predictMs.length = 0; }")
    for strokes in drawings():
        studio.draw(strokes)
        studio.settled_prediction()
        studio.click("clear")
    return studio.page.evaluate("() => window.__predictMs")


def summary(times: list[float]) -> str:
    p90 = statistics.quantiles(times, n=10)[-1]
    return (f"median {statistics.median(times):5.1f} ms, p90 {p90:5.1f} ms "
            f"(min {min(times):.1f}, max {max(times):.1f}; {len(times)} predictions)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="times each model draws every drawing")
    parser.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    args = parser.parse_args()

    from devtools import DIST
    from devtools.dist import build_if_needed
    from devtools.server import serve
    from playwright.sync_api import sync_playwright

    dist = DIST if args.no_build else build_if_needed()
    server, url = serve(dist, port=0, quiet=True)
    times = {name: [] for name in MODELS}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.add_init_script(f"({TIME_PREDICTS})()")
            page.goto(url)
            page.wait_for_selector('[data-testid="status"][data-phase="ready"]', timeout=120_000)
            studio = StudioPage(page, url)
            for _ in range(args.rounds):
                for name in MODELS:
                    load(studio, name)
                    times[name] += round_trips(studio)
            version = browser.version
            browser.close()
    finally:
        server.shutdown()
        server.server_close()

    print(f"Chromium {version}: predict round trips from the page (postMessage → reply), "
          f"{len(drawings())} mouse-drawn digits × {args.rounds} rounds per model, models alternating")
    for name, (_, layer) in MODELS.items():
        print(f"  {name} ({layer}…): {summary(times[name])}")
    ratio = statistics.median(times["CNN"]) / statistics.median(times["MLP"])
    print(f"CNN / MLP median: {ratio:.1f}x; goal CNN median <= 50 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
