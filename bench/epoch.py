"""One training epoch: pynn's ``Network.train_step`` loop vs the assignment's raw numpy code.

    python bench/epoch.py [--repeats 9] [--pyodide]

W = one epoch of 8000×784 float32, 784-100-200-10, batch 32, plain SGD (lr 0.1), same
batches for both. The two run alternately in this one process, so machine noise hits both;
we print the median of the per-pair time ratios (pynn / raw). Target: ≤ 1.10.

``--pyodide`` runs the same measurement afterwards inside Pyodide under Node
(tests/pyodide/run.mjs; dist/ must be built), importing this working copy's pynn. There the
raw loop's ``np.dot`` has no BLAS, and pynn uses each runtime's fastest products
(``pynn.ops``), so the ratio can be well below 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import pynn


# -- the assignment's code, as the notebook has it (float32 weights for a like-for-like run) --
class RawDense:
    def __init__(self, input_units, output_units, learning_rate=0.1, rng=None):
        self.learning_rate = learning_rate
        self.weights = (rng.standard_normal((input_units, output_units)) * 0.01).astype(np.float32)
        self.biases = np.zeros(output_units, dtype=np.float32)

    def forward(self, input):
        return np.dot(input, self.weights) + self.biases

    def backward(self, input, grad_output):
        grad_input = np.dot(grad_output, self.weights.T)
        grad_weights = np.dot(input.T, grad_output)
        grad_biases = grad_output.mean(axis=0) * input.shape[0]
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input


class RawReLU:
    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        return grad_output * (input > 0)


def raw_softmax_crossentropy_with_logits(logits, reference_answers):
    logits_for_answers = logits[np.arange(len(logits)), reference_answers]
    return -logits_for_answers + np.log(np.sum(np.exp(logits), axis=-1))


def raw_grad_softmax_crossentropy_with_logits(logits, reference_answers):
    ones_for_answers = np.zeros_like(logits)
    ones_for_answers[np.arange(len(logits)), reference_answers] = 1
    softmax = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    return (-ones_for_answers + softmax) / logits.shape[0]


def raw_train(network, X, y):
    layer_activations = []
    for layer in network:
        X_in = layer_activations[-1] if layer_activations else X
        layer_activations.append(layer.forward(X_in))
    layer_inputs = [X] + layer_activations
    logits = layer_activations[-1]
    loss = raw_softmax_crossentropy_with_logits(logits, y)
    loss_grad = raw_grad_softmax_crossentropy_with_logits(logits, y)
    for layer_index in range(len(network))[::-1]:
        loss_grad = network[layer_index].backward(layer_inputs[layer_index], loss_grad)
    return np.mean(loss)


# -- the measurement -------------------------------------------------------------------------
def make_data(seed=0):
    images, labels = pynn.data.load_digits_raw()
    x = pynn.data.to_float_images(images[:8000])
    return x, labels[:8000].astype(np.int64)


def batches(x, y, seed):
    return list(pynn.iterate_minibatches(x, y, batchsize=32, shuffle=True, rng=seed))


def time_raw(data) -> float:
    rng = np.random.default_rng(0)
    network = [RawDense(784, 100, rng=rng), RawReLU(), RawDense(100, 200, rng=rng), RawReLU(),
               RawDense(200, 10, rng=rng)]
    start = time.perf_counter()
    for x_batch, y_batch in data:
        raw_train(network, x_batch, y_batch)
    return time.perf_counter() - start


def time_pynn(data) -> float:
    network = pynn.build_mlp(784, (100, 200), 10, init="small", rng=0, optimizer=pynn.SGD(lr=0.1))
    start = time.perf_counter()
    for x_batch, y_batch in data:
        network.train_step(x_batch, y_batch)
    return time.perf_counter() - start


def run_in_pyodide(repeats: int, script: str | None = None) -> int:
    """A bench script of bench/ (this one by default) inside Pyodide under Node, with the
    repository mounted at /mnt, given ``--repeats``."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    name = os.path.basename(script or __file__)
    with tempfile.TemporaryDirectory() as tmp:
        wrapper = os.path.join(tmp, "run.py")
        with open(wrapper, "w") as f:
            f.write("import sys\nsys.path[:0] = ['/mnt', '/mnt/bench']\n"
                    f"sys.argv = ['{name}', '--repeats', '{repeats}']\n"
                    f"exec(compile(open('/mnt/bench/{name}').read(), '{name}', 'exec'),"
                    " {'__name__': '__main__'})\n")
        return subprocess.run(["node", os.path.join(root, "tests", "pyodide", "run.mjs"),
                               "--exec", wrapper, "--mount", root]).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--pyodide", action="store_true",
                        help="then run it again inside Pyodide (node, dist/ built)")
    args = parser.parse_args()
    measure(args.repeats)
    if args.pyodide and sys.platform != "emscripten":
        sys.exit(run_in_pyodide(args.repeats))


def measure(repeats: int) -> None:
    x, y = make_data()
    ratios, raw_times, pynn_times = [], [], []
    for repeat in range(repeats):
        data = batches(x, y, seed=repeat)
        raw, ours = time_raw(data), time_pynn(data)
        raw_times.append(raw)
        pynn_times.append(ours)
        ratios.append(ours / raw)
    where = "Pyodide (WebAssembly, no BLAS)" if sys.platform == "emscripten" else "CPython"
    print(f"{where}, numpy {np.__version__}; one epoch W (8000×784 float32, 784-100-200-10, batch 32, SGD)")
    print(f"raw assignment loop: median {statistics.median(raw_times) * 1000:.1f} ms")
    print(f"pynn train_step loop: median {statistics.median(pynn_times) * 1000:.1f} ms")
    print(f"pynn / raw: median ratio {statistics.median(ratios):.3f} over {repeats} alternating pairs "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}); target <= 1.10")


if __name__ == "__main__":
    main()
