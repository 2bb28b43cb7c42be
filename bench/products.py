"""GFLOP/s of the matrix products pynn's training does, in one Chromium Web Worker: pynn's
WebAssembly SIMD kernel (``pynn.wasm_products``) vs numpy's ``matmul`` and ``einsum`` (what
``pynn.ops`` falls back to), in Pyodide started from dist/ as the studio's worker starts it.

    python bench/products.py [--no-build] [--repeats 5]

The shapes are the three products of a Dense layer's step in W (784-100-200-10, batch 32:
forward ``x @ W1``, weight gradient ``x.T @ g``, input gradient ``g @ W.T``; the first three
are the shapes TF.js's own benchmark probes), the same for 784-2048-10, and a convolution's
(the CNN preset's second layer at batch 16: ``[32, 400] @ [400, 16·8·8]`` and its gradients).
Each figure is the best of ``--repeats`` timings of enough calls to take ~50 ms, kernel and
numpy alternating, so machine noise hits both; read the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# (name, m, k, n, transpose_a, transpose_b): op(a) is m×k, op(b) is k×n
SHAPES = [("x@W1     NN [32,784]x[784,100]", 32, 784, 100, False, False),
          ("x.T@g1   TA [784,32]x[32,100]", 784, 32, 100, True, False),
          ("g2@W2.T  TB [32,200]x[200,100]", 32, 200, 100, False, True),
          ("h@W2     NN [32,100]x[100,200]", 32, 100, 200, False, False),
          ("x@W      NN [32,784]x[784,2048]", 32, 784, 2048, False, False),
          ("x.T@g    TA [784,32]x[32,2048]", 784, 32, 2048, True, False),
          ("g@W.T    TB [32,10]x[10,2048]", 32, 10, 2048, False, True),
          ("conv     NN [32,400]x[400,1024]", 32, 400, 1024, False, False),
          ("conv dW  TB [32,1024]x[1024,400]", 32, 1024, 400, False, True),
          ("conv dX  TA [400,32]x[32,1024]", 400, 32, 1024, True, False)]

PROBE = """
import json, time
import numpy as np
from pynn import ops, wasm_products

KERNEL = wasm_products.loaded()
SUBSCRIPTS = {(False, False): "ij,jk->ik", (True, False): "ji,jk->ik", (False, True): "ik,jk->ij"}

def gflops(f, macs, repeats):
    calls = max(1, int(50e-3 / max(1e-6, _once(f))))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            f()
        best = min(best, (time.perf_counter() - start) / calls)
    return 2 * macs / best / 1e9

def _once(f):
    f()
    start = time.perf_counter(); f(); return time.perf_counter() - start

def probe(repeats):
    rng = np.random.default_rng(0)
    out = {"products": ops.products()}
    for name, m, k, n, ta, tb in SHAPES:
        a = rng.random((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.random((n, k) if tb else (k, n), dtype=np.float32)
        op_a, op_b = (a.T if ta else a), (b.T if tb else b)
        row = {}
        for _ in range(2):   # alternate, so that noise hits all three
            for key, f in (("kernel", lambda: KERNEL.matmul(a, b, ta, tb)),
                           ("matmul", lambda: np.matmul(op_a, op_b)),
                           ("einsum", lambda: np.einsum(SUBSCRIPTS[ta, tb], a, b))):
                if key == "kernel" and KERNEL is None:
                    continue
                row[key] = max(row.get(key, 0), gflops(f, m * k * n, repeats))
        out[name] = row
    return json.dumps(out)
"""

WORKER_PATH = "bench-products-worker.js"
WORKER = """
import { startPyodide } from "./js/worker/pyodide-start.js";
const py = await startPyodide();
py.runPython(CODE);
const probe = py.globals.get("probe");
self.onmessage = ({ data }) => self.postMessage(probe(data.repeats));
self.postMessage("ready");
"""
RUN = """async ([path, repeats]) => {
  const worker = new Worker(path, { type: "module" });
  await new Promise((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (event) => reject(new Error(event.message || "the worker failed"));
  });
  return await new Promise((resolve) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.postMessage({ repeats });
  });
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from devtools import DIST
    from devtools.dist import build_if_needed
    from devtools.server import serve

    dist = DIST if args.no_build else build_if_needed()
    server, url = serve(dist, port=0, quiet=True)
    code = f"SHAPES = {SHAPES!r}\n{PROBE}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.route(url + WORKER_PATH, lambda route: route.fulfill(
                status=200, content_type="text/javascript",
                body=f"const CODE = {json.dumps(code)};\n{WORKER}"))
            page.goto(url)
            result = json.loads(page.evaluate(RUN, [WORKER_PATH, args.repeats]))
            version = browser.version
            browser.close()
    finally:
        server.shutdown()
        server.server_close()

    print(f"GFLOP/s in a Chromium {version} Web Worker (Pyodide; best of {args.repeats}); "
          f"products in use: {result.pop('products')}")
    print(f"  {'product':<34} {'kernel':>7} {'matmul':>7} {'einsum':>7}  kernel ÷ einsum")
    for name, row in result.items():
        kernel = row.get("kernel", float("nan"))
        print(f"  {name:<34} {kernel:>7.1f} {row['matmul']:>7.1f} {row['einsum']:>7.1f}  "
              f"{kernel / row['einsum']:>5.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
