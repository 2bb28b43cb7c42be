"""Train a small network from a fixed seed and save it: run by test_cross_runtime.py, once in
CPython and once inside Pyodide, with the same code. Also predicts with the other runtime's
model when it is there. Paths are relative to the directory given as ``OUT`` (``/mnt`` in Pyodide)."""

import os

import numpy as np

import pynn

OUT = globals().get("OUT", "/mnt")
RUNTIME = "pyodide" if __import__("sys").platform == "emscripten" else "cpython"
CONFIG = pynn.TrainingConfig(hidden=(32,), dropout=0.1, optimizer="adam", lr=0.002,
                             batch_size=32, epochs=2, shift=1, seed=11)

digits = pynn.load_digits()
x, y = digits.X_train[:2000], digits.y_train[:2000]
network = CONFIG.build_network()
pynn.fit(network, x, y, epochs=CONFIG.epochs, batch_size=CONFIG.batch_size, shift=CONFIG.shift,
         seed=CONFIG.seed)
pynn.save(network, os.path.join(OUT, f"{RUNTIME}.npz"))

other = "cpython" if RUNTIME == "pyodide" else "pyodide"
if os.path.exists(os.path.join(OUT, f"{other}.npz")):
    model = pynn.load(os.path.join(OUT, f"{other}.npz"))
    np.save(os.path.join(OUT, f"{other}_model_probs_in_{RUNTIME}.npy"), model.predict_proba(digits.X_test))
