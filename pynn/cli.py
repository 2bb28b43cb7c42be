"""Command line: ``python -m pynn train ...`` and ``python -m pynn evaluate model.npz``.

Every argument, the ``--out`` path and the ``--csv`` file are checked before any training
starts; a bad one ends the command with exit status 2 and a single ``error: ...`` line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from pynn.config import TrainingConfig
from pynn.data import load_csv, load_digits, split_by_position
from pynn.errors import ModelFileError, TrainingDiverged
from pynn.io import load, save
from pynn.layers import ACTIVATIONS, INITIALIZERS
from pynn.metrics import confusion_matrix, loss_and_accuracy
from pynn.optim import OPTIMIZERS
from pynn.training import BatchEnd, train_steps

DEFAULTS = TrainingConfig()
USAGE_ERROR = 2  # what argparse exits with, used for every bad input

TRAIN_HELP = f"""\
Train a multilayer perceptron on handwritten digits and save it.

Data: the 10,000 bundled MNIST digits (8000 train / 1000 validation / 1000 test), or your
own CSV in the assignment's format with --csv (header row; label, then 784 pixels 0-255 per
line; split 80/10/10 by position). The defaults are pynn's recipe: about 97% test accuracy
on the bundled digits in {DEFAULTS.epochs} epochs.

example:
  python -m pynn train --hidden 100,200 --optimizer sgd --lr 0.1 --epochs 10 --out sgd.npz
"""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line, like every other error here."""

    def error(self, message: str):
        self.exit(USAGE_ERROR, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m pynn", description="pynn: neural networks from scratch in numpy.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # Numbers stay strings here: TrainingConfig.from_dict parses and checks them, so the
    # messages (and the limits) are the same as in the web page and the Python API.
    train = commands.add_parser("train", help="train a network and save it",
                                description=TRAIN_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    model = train.add_argument_group("network")
    model.add_argument("--hidden", metavar="SIZES",
                       help=f"hidden layer sizes, comma-separated (default: "
                            f"{','.join(map(str, DEFAULTS.hidden))}; '' for none)")
    model.add_argument("--activation", choices=list(ACTIVATIONS),
                       help=f"hidden activation (default: {DEFAULTS.activation})")
    model.add_argument("--init", choices=["auto", *INITIALIZERS],
                       help="weight initializer; auto = He for ReLU, Glorot for sigmoid/tanh "
                            f"(default: {DEFAULTS.init})")
    model.add_argument("--dropout", metavar="RATE",
                       help=f"dropout after each hidden layer, 0 to 0.95 (default: {DEFAULTS.dropout})")
    optim = train.add_argument_group("optimizer")
    optim.add_argument("--optimizer", choices=list(OPTIMIZERS),
                       help=f"update rule (default: {DEFAULTS.optimizer})")
    optim.add_argument("--lr", help=f"learning rate (default: {DEFAULTS.lr})")
    optim.add_argument("--momentum", help=f"for --optimizer momentum (default: {DEFAULTS.momentum})")
    optim.add_argument("--weight-decay", dest="weight_decay",
                       help=f"L2 penalty (default: {DEFAULTS.weight_decay})")
    run = train.add_argument_group("training")
    run.add_argument("--batch-size", dest="batch_size",
                     help=f"examples per step (default: {DEFAULTS.batch_size})")
    run.add_argument("--epochs", help=f"passes over the data (default: {DEFAULTS.epochs})")
    run.add_argument("--shift", metavar="PIXELS",
                     help=f"random-shift augmentation, 0 = off (default: {DEFAULTS.shift})")
    run.add_argument("--seed", help=f"seed for weights, dropout, shuffling (default: {DEFAULTS.seed})")
    run.add_argument("--csv", type=Path, metavar="PATH", help="train on this CSV instead of the bundled digits")
    run.add_argument("--out", type=Path, default=Path("model.npz"), metavar="PATH",
                     help="where to save the model (default: model.npz)")
    run.add_argument("--weights-only", action="store_true",
                     help="save without the optimizer state (a third of the size with Adam)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar, only one line per epoch")

    evaluate = commands.add_parser("evaluate", help="report a saved model's accuracy",
                                   description="Accuracy, loss and confusion matrix of a saved "
                                               "model on the bundled test digits or on a CSV.")
    evaluate.add_argument("model", type=Path, help="a model file written by `train`")
    evaluate.add_argument("--csv", type=Path, metavar="PATH", help="evaluate on every row of this CSV")
    parser.set_defaults(commands={"train": train, "evaluate": evaluate})
    return parser


def check_out(path: Path) -> None:
    """Refuse an ``--out`` that could not be written, before hours of training are spent."""
    if path.is_dir():
        raise ValueError(f"--out {path} is a directory; give a file name such as {path / 'model.npz'}")
    folder = path.parent
    if not folder.exists():
        raise ValueError(f"--out {path}: the directory {folder} does not exist")
    if not folder.is_dir():
        raise ValueError(f"--out {path}: {folder} is not a directory")
    existed = os.path.lexists(path)
    try:
        with open(path, "ab"):  # creates or appends nothing: proves it can be written
            pass
    except OSError as error:
        raise ValueError(f"--out {path} cannot be written: {error.strerror or error}") from None
    if not existed:
        path.unlink()


def load_data(csv: Path | None):
    if csv is None:
        return load_digits()
    return split_by_position(*load_csv(csv))


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def run_train(args) -> int:
    settings = {k: getattr(args, k) for k in DEFAULTS.to_dict() if getattr(args, k, None) is not None}
    config = TrainingConfig.from_dict(settings)
    check_out(args.out)
    data = load_data(args.csv)
    network = config.build_network(data.X_train.shape[1])
    print(f"training on {len(data.X_train)} examples, validating on {len(data.X_val)}")
    print(network.summary())
    steps = train_steps(network, data.X_train, data.y_train, epochs=config.epochs,
                        batch_size=config.batch_size, validation_data=(data.X_val, data.y_val),
                        shift=config.shift, seed=config.seed)
    status, start = 0, time.perf_counter()
    bar = None
    try:
        for event in steps:
            if isinstance(event, BatchEnd):
                bar = bar or _progress_bar(event, args.no_progress)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{event.loss:.4f}", refresh=False)
                continue
            if bar is not None:
                bar.close()
                bar = None
            print(f"epoch {event.epoch:>3}/{event.epochs}  loss {event.loss:.4f}  "
                  f"train acc {percent(event.accuracy)}  val loss {event.val_loss:.4f}  "
                  f"val acc {percent(event.val_accuracy)}", flush=True)
    except TrainingDiverged as error:
        print(f"error: {error}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("\ninterrupted: saving the weights trained so far", file=sys.stderr)
        status = 130
    finally:
        if bar is not None:
            bar.close()
    test_loss, test_accuracy = network.evaluate(data.X_test, data.y_test)
    print(f"test loss {test_loss:.4f}  test acc {percent(test_accuracy)}  "
          f"({len(data.X_test)} examples, {time.perf_counter() - start:.1f} s)")
    save(network, args.out, include_optimizer=not args.weights_only,
         metadata={"config": config.to_dict(), "test_accuracy": test_accuracy,
                   "data": str(args.csv) if args.csv else "pynn digits"})
    print(f"saved {args.out}")
    return status


def _progress_bar(event: BatchEnd, disabled: bool):
    if disabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional (pip install pynn[cli]); epoch lines still print
        return None
    return tqdm(total=event.n_batches, desc=f"epoch {event.epoch}", unit="batch",
                leave=False, dynamic_ncols=True)


def run_evaluate(args) -> int:
    network = load(args.model)
    if not network.dense_layers:
        raise ModelFileError(f"{args.model} has no Dense layer: not a classifier")
    x, y = load_csv(args.csv) if args.csv else load_digits()[4:]
    if x.shape[1] != network.input_units:
        raise ValueError(f"{args.model} expects {network.input_units} inputs per example, "
                         f"the data has {x.shape[1]}")
    if y.max() >= network.n_classes:
        raise ValueError(f"{args.model} predicts {network.n_classes} classes, "
                         f"the data has label {y.max()}")
    logits = network.logits(x)
    loss, accuracy = loss_and_accuracy(logits, y)
    print(f"{args.model}: {network!r}")
    print(f"{len(x)} examples  loss {loss:.4f}  accuracy {percent(accuracy)}")
    matrix = confusion_matrix(y, logits.argmax(axis=1), network.n_classes)
    print("confusion matrix (rows: true digit, columns: predicted):")
    print("     " + "".join(f"{c:>5}" for c in range(network.n_classes)))
    for digit, row in enumerate(matrix):
        print(f"{digit:>5}" + "".join(f"{v:>5}" for v in row))
    return 0


def main(argv: list[str] | None = None) -> int:
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:  # reported by the command's parser, so the hint names its --help
        args.commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    np.seterr(over="ignore", invalid="ignore")  # divergence is reported by the loss check
    try:
        return run_train(args) if args.command == "train" else run_evaluate(args)
    except (ValueError, TypeError, ModelFileError, OSError) as error:
        message = str(error) or type(error).__name__
    except MemoryError:
        message = "out of memory: try a smaller --hidden or --batch-size, or a smaller CSV"
    print("error: " + " ".join(message.split()), file=sys.stderr)  # always exactly one line
    return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
