"""One training epoch of the TF.js codelab's conv net: pynn vs a straightforward numpy loop.

    python bench/cnn_epoch.py [--repeats 5] [--pyodide] [--chromium [--no-build]]

C = one epoch of 8000 digits (float32 rows of 784, reshaped to 1×28×28), batch 64, plain
SGD (lr 0.05), of conv 5×5 ×8 → ReLU → maxpool 2 → conv 5×5 ×16 → ReLU → maxpool 2 → dense
10, same batches and same initial weights for both.

The "raw loop" is what one writes from a textbook: im2col with ``sliding_window_view`` into
``[pixels, C·k·k]`` rows, ``np.dot`` for the products, col2im by one shifted add per kernel
offset, max pooling by ``argmax`` over reshaped windows, and every layer updating itself in
``backward`` (as bench/epoch.py does for the MLP). The two run alternately in this one
process, so machine noise hits both; we print the median of the per-pair time ratios
(pynn / raw). Target: ≤ 1.0.

``--pyodide`` runs the same measurement afterwards inside Pyodide under Node
(tests/pyodide/run.mjs; dist/ must be built), importing this working copy's pynn.
``--chromium`` then measures in headless Chromium: pynn through the studio's worker, driven
like a person, vs this raw loop in a Pyodide worker of the same dist (bench/cnn_chromium.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # batches of 64: BLAS threads only spin

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

import pynn  # noqa: E402
from epoch import raw_grad_softmax_crossentropy_with_logits, run_in_pyodide  # noqa: E402 -- bench/epoch.py's

IN_WEBASSEMBLY = sys.platform == "emscripten"
LR = 0.05
BATCH = 64


# -- the raw loop ----------------------------------------------------------------------------
class RawConv:
    def __init__(self, weights, learning_rate):
        self.weights = weights.copy()                      # [F, C, k, k]
        self.biases = np.zeros(len(weights), np.float32)
        self.learning_rate = learning_rate

    def forward(self, input):
        f, c, k, _ = self.weights.shape
        n, _, h, w = input.shape
        h_out, w_out = h - k + 1, w - k + 1
        windows = sliding_window_view(input, (k, k), axis=(2, 3))         # [N, C, H', W', k, k]
        self.cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h_out * w_out, c * k * k)
        out = np.dot(self.cols, self.weights.reshape(f, -1).T) + self.biases
        return out.reshape(n, h_out, w_out, f).transpose(0, 3, 1, 2)

    def backward(self, input, grad_output):
        f, c, k, _ = self.weights.shape
        n, _, h_out, w_out = grad_output.shape
        g = grad_output.transpose(0, 2, 3, 1).reshape(-1, f)            # [N·H'·W', F]
        grad_weights = np.dot(g.T, self.cols).reshape(self.weights.shape)
        grad_biases = g.sum(axis=0)
        dcols = np.dot(g, self.weights.reshape(f, -1)).reshape(n, h_out, w_out, c, k, k)
        grad_input = np.zeros_like(input)
        for u in range(k):
            for v in range(k):
                grad_input[:, :, u:u + h_out, v:v + w_out] += dcols[..., u, v].transpose(0, 3, 1, 2)
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_biases
        return grad_input


class RawMaxPool:
    def forward(self, input):
        n, c, h, w = input.shape
        windows = input.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
        windows = windows.reshape(n, c, h // 2, w // 2, 4)
        self.argmax = windows.argmax(axis=-1)   # ties: the first maximum, as pynn
        return np.take_along_axis(windows, self.argmax[..., None], axis=-1)[..., 0]

    def backward(self, input, grad_output):
        n, c, h, w = input.shape
        one_hot = self.argmax[..., None] == np.arange(4)
        grad = (one_hot * grad_output[..., None]).reshape(n, c, h // 2, w // 2, 2, 2)
        return grad.transpose(0, 1, 2, 4, 3, 5).reshape(input.shape)


class RawFlatten:
    def forward(self, input):
        return input.reshape(len(input), -1)

    def backward(self, input, grad_output):
        return grad_output.reshape(input.shape)


class RawReLU:
    def forward(self, input):
        return np.maximum(0, input)

    def backward(self, input, grad_output):
        return grad_output * (input > 0)


class RawDense:
    def __init__(self, weights, learning_rate):
        self.weights = weights.copy()
        self.biases = np.zeros(weights.shape[1], np.float32)
        self.learning_rate = learning_rate

    def forward(self, input):
        return np.dot(input, self.weights) + self.biases

    def backward(self, input, grad_output):
        grad_input = np.dot(grad_output, self.weights.T)
        grad_weights = np.dot(input.T, grad_output)
        self.weights = self.weights - self.learning_rate * grad_weights
        self.biases = self.biases - self.learning_rate * grad_output.sum(axis=0)
        return grad_input


def raw_train(network, X, y):
    layer_inputs = [X.reshape(len(X), 1, 28, 28)]
    for layer in network:
        layer_inputs.append(layer.forward(layer_inputs[-1]))
    logits = layer_inputs.pop()
    loss_grad = raw_grad_softmax_crossentropy_with_logits(logits, y)
    for layer_index in range(len(network))[::-1]:
        loss_grad = network[layer_index].backward(layer_inputs[layer_index], loss_grad)


# -- the measurement -------------------------------------------------------------------------
def codelab_network() -> pynn.Network:
    return pynn.Network([
        pynn.Reshape((1, 28, 28)),
        pynn.Conv2D(1, 8, 5, rng=0), pynn.ReLU(), pynn.MaxPool2D(2),
        pynn.Conv2D(8, 16, 5, rng=1), pynn.ReLU(), pynn.MaxPool2D(2),
        pynn.Flatten(), pynn.Dense(16 * 4 * 4, 10, rng=2),
    ], optimizer=pynn.SGD(lr=LR))


def raw_network(network: pynn.Network) -> list:
    conv1, conv2, dense = (network.layers[i].params for i in (1, 4, 8))
    return [RawConv(conv1["W"], LR), RawReLU(), RawMaxPool(),
            RawConv(conv2["W"], LR), RawReLU(), RawMaxPool(),
            RawFlatten(), RawDense(dense["W"], LR)]


def make_data():
    digits = pynn.load_digits()
    return digits.X_train, digits.y_train


def time_raw(data) -> float:
    network = raw_network(codelab_network())
    start = time.perf_counter()
    for x_batch, y_batch in data:
        raw_train(network, x_batch, y_batch)
    return time.perf_counter() - start


def time_pynn(data) -> float:
    network = codelab_network()
    start = time.perf_counter()
    for x_batch, y_batch in data:
        network.train_step(x_batch, y_batch)
    return time.perf_counter() - start


def raw_studio_epoch(settings: dict) -> float:
    """One epoch of the raw loop on what the studio's Reset and Train would do with
    ``settings`` (form values: the codelab net, SGD): the same initial weights, the
    training split shuffled once, then a forward pass over the validation split (the
    studio's epoch ends with one). Seconds; the digits are loaded before the clock starts,
    as the studio has them."""
    config = pynn.TrainingConfig.from_dict(settings)
    network = raw_network(config.build_network())
    digits = pynn.load_digits()
    start = time.perf_counter()
    order = np.random.default_rng(config.seed).permutation(len(digits.X_train))
    for begin in range(0, len(order), config.batch_size):
        rows = order[begin:begin + config.batch_size]
        raw_train(network, digits.X_train[rows], digits.y_train[rows])
    logits = digits.X_val.reshape(len(digits.X_val), 1, 28, 28)
    for layer in network:
        logits = layer.forward(logits)
    accuracy = float((logits.argmax(axis=1) == digits.y_val).mean())
    seconds = time.perf_counter() - start
    assert accuracy > 0.5, f"the raw loop learnt nothing (validation accuracy {accuracy:.0%})"
    return seconds


def check_same_maths(data) -> float:
    """After a few steps from the same weights, the two networks' logits agree."""
    network = codelab_network()
    raw = raw_network(network)
    for x_batch, y_batch in data[:5]:
        network.train_step(x_batch, y_batch)
        raw_train(raw, x_batch, y_batch)
    x = data[0][0]
    ours = network.logits(x)
    theirs = x.reshape(len(x), 1, 28, 28)
    for layer in raw:
        theirs = layer.forward(theirs)
    return float(np.abs(ours - theirs).max() / np.abs(theirs).max())


def measure(repeats: int) -> None:
    x, y = make_data()
    where = "Pyodide (WebAssembly)" if IN_WEBASSEMBLY else "CPython"
    print(f"{where}, numpy {np.__version__}; one epoch C (8000 digits, codelab conv net, "
          f"batch {BATCH}, SGD)", flush=True)
    print(f"pynn vs raw logits after 5 steps: relative difference "
          f"{check_same_maths(list(pynn.iterate_minibatches(x, y, BATCH, shuffle=True, rng=0))):.1e}")
    ratios, raw_times, pynn_times = [], [], []
    for repeat in range(repeats):
        data = list(pynn.iterate_minibatches(x, y, batchsize=BATCH, shuffle=True, rng=repeat))
        raw, ours = time_raw(data), time_pynn(data)
        raw_times.append(raw)
        pynn_times.append(ours)
        ratios.append(ours / raw)
        print(f"  pair {repeat + 1}: raw {raw:.2f} s, pynn {ours:.2f} s, ratio {ours / raw:.3f}", flush=True)
    print(f"raw im2col loop:      median {statistics.median(raw_times):.2f} s")
    print(f"pynn train_step loop: median {statistics.median(pynn_times):.2f} s")
    print(f"pynn / raw: median ratio {statistics.median(ratios):.3f} over {repeats} alternating pairs "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}); target <= 1.0", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pyodide", action="store_true",
                        help="then run it again inside Pyodide (node, dist/ built)")
    parser.add_argument("--chromium", action="store_true",
                        help="then measure in Chromium: the studio's worker vs the raw loop")
    parser.add_argument("--no-build", action="store_true", help="with --chromium: serve dist/ as it is")
    args = parser.parse_args()
    measure(args.repeats)
    if args.pyodide and not IN_WEBASSEMBLY and run_in_pyodide(args.repeats, __file__):
        sys.exit(1)
    if args.chromium and not IN_WEBASSEMBLY:
        from cnn_chromium import measure_in_chromium
        measure_in_chromium(args.repeats, build=not args.no_build)


if __name__ == "__main__":
    main()
