"""The studio's size limit, measured: one training step and one evaluation piece of MLPs and
convnets up to and beyond the limit, in Pyodide (under Node, from dist/) with pynn's
WebAssembly kernel and without it (numpy's products), and natively, printed beside the two
cost models of pynn/studio/limits.py (``KERNEL``, ``NUMPY``).

    python bench/step_cost.py [--no-build]

For each network and batch size: each model's estimate of a training step, the best of 3
measured steps in Pyodide (Adam, the studio's default optimizer), the ratio measured ÷ model
(≤ 1 means the model is on the safe side), the native step, and whether the studio accepts it
with the kernel and without. Then the evaluation pieces: ``eval_rows`` rows of each network
(by each model), which must also fit the budget. The machine is shared and noisy: read the
ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pynn.studio.limits import (KERNEL, NUMPY, STEP_BUDGET_MS, config_cost,  # noqa: E402
                                estimate_step_ms, max_batch_size)

CODELAB = "conv8x5 pool2 conv16x5 pool2"
CASES = [("", (256, 128), 64), ("", (256, 128), 1), ("", (256, 128), 256), ("", (1024,), 21),
         ("", (1024,), 64), ("", (512, 512), 16), ("", (512, 512), 64), ("", (2048,), 4),
         ("", (2048,), 32), ("", (2800,), 64), ("", (1024, 1024), 8), ("", (1024, 1024), 32),
         ("", (4096,), 1), ("", (4096,), 16), (CODELAB, (), 64), (CODELAB, (), 1),
         ("conv16x5 pool2 conv32x5 pool2", (), 16), ("conv16x5 pool2 conv32x5 pool2", (), 64),
         ("conv32x3 pool2", (64,), 16)]

MEASURE = """
import json, time, numpy as np
from pynn.config import TrainingConfig
from pynn.studio.limits import KERNEL, NUMPY, eval_rows, network_cost
MODEL = None   # the cost model whose eval_rows are measured (set per run)

def best(f, n=3):
    times = []
    for _ in range(n):
        start = time.perf_counter(); f(); times.append(time.perf_counter() - start)
    return min(times) * 1000

rng = np.random.default_rng(0)
x = rng.random((4000, 784), dtype=np.float32)
y = rng.integers(0, 10, 4000)
out = []
for arch, hidden, batch in CASES:
    net = TrainingConfig(arch=arch, hidden=tuple(hidden), batch_size=batch, dropout=0.0).build_network()
    rows = eval_rows(network_cost(net), MODEL)
    step = best(lambda: net._train_batch(x[:batch], y[:batch]))
    piece = best(lambda: net.logits(x[:rows], rows), 2)
    out.append({"arch": arch, "hidden": hidden, "batch": batch, "step_ms": step, "piece_ms": piece, "rows": rows})
RESULT = json.dumps(out)
"""


def measure_native() -> list[dict]:
    namespace = {"CASES": CASES, "MODEL": NUMPY}
    exec(MEASURE, namespace)
    return json.loads(namespace["RESULT"])


def measure_pyodide(kernel: bool) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "measure.py"
        model = "KERNEL" if kernel else "NUMPY"
        script.write_text(f"CASES = {CASES!r}\n{MEASURE.replace('MODEL = None', f'MODEL = {model}')}\n"
                          f"open('/mnt/result.json', 'w').write(RESULT)\n")
        subprocess.run(["node", str(ROOT / "tests" / "pyodide" / "run.mjs"), "--exec", str(script),
                        "--mount", tmp, *([] if kernel else ["--no-kernel"])], check=True, stdout=subprocess.DEVNULL)
        return json.loads((Path(tmp) / "result.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="use dist/ as it is")
    args = parser.parse_args()
    if not args.no_build:
        from devtools.dist import build_if_needed
        build_if_needed()
    from pynn.config import TrainingConfig

    started = time.perf_counter()
    kernel, numpy, native = measure_pyodide(True), measure_pyodide(False), measure_native()
    print(f"budget {STEP_BUDGET_MS:g} ms per step or evaluation piece "
          f"(measured in {time.perf_counter() - started:.0f} s)\n")
    print(f"{'':>36} {'':>5} {'':>9} {'-- with the kernel --':>28}  {'-- numpy products --':>28}")
    print(f"{'network':>36} {'batch':>5} {'params':>9} {'model':>6} {'pyodide':>7} {'÷ mod':>5} {'takes':>6}  "
          f"{'model':>6} {'pyodide':>7} {'÷ mod':>5} {'takes':>6} {'native':>7}")
    for k, b, n in zip(kernel, numpy, native):
        cost = config_cost(TrainingConfig(arch=b["arch"], hidden=tuple(b["hidden"])))
        row = f"{name(b):>36} {b['batch']:>5} {cost.params:>9,}"
        for measured, model in ((k, KERNEL), (b, NUMPY)):
            estimate = estimate_step_ms(cost, b["batch"], model)
            largest = max_batch_size(cost, model)
            row += (f" {estimate:>6.1f} {measured['step_ms']:>7.1f} {measured['step_ms'] / estimate:>5.2f}"
                    f" {'≤' + str(largest):>6} ")
        print(row + f"{n['step_ms']:>7.1f}")
    print(f"\n{'network':>36} {'rows (kernel)':>13} {'pyodide ms':>10} {'rows (numpy)':>12} "
          f"{'pyodide ms':>10} {'native ms':>9}")
    for k, b, n in zip(kernel, numpy, native):
        print(f"{name(b):>36} {k['rows']:>13} {k['piece_ms']:>10.1f} {b['rows']:>12} {b['piece_ms']:>10.1f} "
              f"{n['piece_ms']:>9.1f}")


def name(case: dict) -> str:
    return " ".join(filter(None, [case["arch"], "-".join(map(str, ["784", *case["hidden"], "10"]))]))


if __name__ == "__main__":
    main()
