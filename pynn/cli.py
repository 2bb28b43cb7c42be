"""Command line: ``python -m pynn train ...``, ``python -m pynn evaluate model.npz`` and
``python -m pynn lab check relu my_layers.py``.

Every argument, the ``--out`` path (by writing a byte to it) and the ``--csv`` file are
checked before any training starts; a bad one ends the command with exit status 2 and a single
``error: ...`` line, as does a save that fails after training. Ctrl-C ends any command with
``interrupted`` and exit status 130 (``train`` saves the weights trained so far first).

``lab check`` runs the learner's file in a child Python (``pynn.lab.cli_child``): code that
calls ``sys.exit`` or ``os._exit`` there is a failed check, not a silent "all passed".
"""

from __future__ import annotations

import argparse
import errno
import os
import stat
import sys
import time
from pathlib import Path

import numpy as np

import pynn.lab
from pynn.checks import format_number
from pynn.config import FIELDS, PRESETS, TrainingConfig, preset
from pynn.data import load_csv, load_digits, split_by_position
from pynn.errors import ModelFileError, TrainingDiverged
from pynn.io import load, save
from pynn.lab import courses
from pynn.lab.cli_child import check_in_child
from pynn.lab.cli_run import add_arguments as add_run_arguments
from pynn.lab.cli_run import recipe_arguments, run_in_child
from pynn.metrics import confusion_matrix, loss_and_accuracy
from pynn.mnist import INPUT_UNITS
from pynn.training import BatchEnd, Validating, train_steps

DEFAULTS = TrainingConfig()
USAGE_ERROR = 2  # what argparse exits with, used for every bad input
INTERRUPTED = 130  # the shell's status for a command ended by Ctrl-C (128 + SIGINT)
OUT_OF_MEMORY = {  # what is too big, in each command's terms
    "train": "out of memory: try a smaller --hidden or --batch-size, or a smaller CSV",
    "evaluate": "out of memory: the model or the data is too big for this machine "
                "(try a smaller --csv)",
    "lab": "out of memory: your code ran out of memory (an array far too big?)",
}

TRAIN_HELP = f"""\
Train a multilayer perceptron on handwritten digits and save it.

Data: the 10,000 bundled MNIST digits (8000 train / 1000 validation / 1000 test), or your
own CSV in the assignment's format with --csv (header row; label, then {INPUT_UNITS} pixels
0-255 per line; split 80/10/10 by position). The defaults are pynn's recipe: about 97% test
accuracy on the bundled digits in {DEFAULTS.epochs} epochs.

example:
  python -m pynn train --hidden 100,200 --optimizer sgd --lr 0.1 --epochs 10 --out sgd.npz
"""


LAB_HELP = """\
The assignment as exercises, in its order: ReLU, Dense, the loss, forward, predict, train,
iterate_minibatches, then what else to try (your own layer, Dropout, an optimizer, a better
initialisation, Conv2D). Check each as the studio's lab page does, then run the assignment's
training loop with your code beside pynn's reference run.

example:
  python -m pynn lab list                             # the exercises
  python -m pynn lab starter relu > my_assignment.py  # then fill in the TODOs
  python -m pynn lab check relu my_assignment.py
  python -m pynn lab run my_assignment.py             # the loop, with every part of yours that passes
  python -m pynn lab export relu.py dense.py -o pynn-assignment.ipynb   # or -o NAME.py
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
    groups = {"on_reset": train.add_argument_group("network"),
              "live": train.add_argument_group("optimizer"),
              "next_run": train.add_argument_group("training")}
    for field in FIELDS:  # one option per setting of pynn's settings table
        group = groups["next_run" if field.name == "seed" else field.applies]
        default = getattr(DEFAULTS, field.name)
        shown = ",".join(map(str, default)) if field.kind == "sizes" else (default or "''")
        limits = (f", {format_number(field.low)} to {format_number(field.high)}"
                  if field.kind in ("int", "number") else "")
        group.add_argument(f"--{field.name.replace('_', '-')}", dest=field.name,
                           choices=list(field.choices) or None, metavar=_metavar(field),
                           help=f"{field.label.lower()}: {field.help}{limits} (default: {shown})")
    groups["on_reset"].add_argument("--preset", choices=list(PRESETS), help="start from a named "
                                    "recipe (the options above change it): "
                                    + "; ".join(f"{name}: {_preset_text(name)}" for name in PRESETS))
    run = groups["next_run"]
    run.add_argument("--csv", type=Path, metavar="PATH", help="train on this CSV instead of the "
                     "bundled digits (read with pandas if it is installed, else numpy)")
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
    lab = commands.add_parser("lab", help="check your answers to the assignment's exercises",
                              description=LAB_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    lab_commands = lab.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    lab_list = lab_commands.add_parser("list", help="the exercises, in the assignment's order "
                                                    "(or a course's, with --course)")
    lab_list.add_argument("--course", metavar="NAME",
                          help="only the exercises of this course, in its order (pynn/lab/courses/)")
    starter = lab_commands.add_parser("starter", help="print an exercise's starter code")
    check = lab_commands.add_parser("check", help="run an exercise's checks on your file, in a "
                                                  "Python of its own (exit 0 if all pass, 1 if "
                                                  "one fails or your code ends Python)")
    for sub in (starter, check):
        sub.add_argument("exercise", choices=list(pynn.lab.all_exercises()), help="the exercise")
    check.add_argument("file", type=Path, help="your Python file, UTF-8 (e.g. my_layers.py)")
    add_run_arguments(lab_commands.add_parser(
        "run", help="run the assignment's training loop with your code (where it passes its "
                    "checks) beside pynn's reference run; exit 1 if your code stops it"))
    export = lab_commands.add_parser(
        "export", help="your files, each named after its exercise as the page saves them "
                       "(relu.py, dense.py, ...), as one notebook or one Python file that runs "
                       "the lab's checks")
    export.add_argument("files", nargs="+", type=Path, metavar="FILE", help="an exercise's file")
    export.add_argument("-o", "--out", type=Path, required=True,
                        help="the file to write: NAME.ipynb (a Jupyter notebook) or NAME.py")
    export.add_argument("--course", help="a course's id: its order of the exercises")
    parser.set_defaults(commands={"train": train, "evaluate": evaluate, "lab": lab})
    return parser


def _preset_text(name: str) -> str:
    changes = PRESETS[name]
    return ", ".join(f"{key} {','.join(map(str, v)) or repr('') if isinstance(v, tuple) else v}"
                     for key, v in changes.items()) or "the defaults"


def _metavar(field) -> str | None:
    return {"arch": "WORDS", "sizes": "SIZES", "int": "N", "number": "X"}.get(field.kind)


def check_out(path: Path) -> None:
    """Refuse an ``--out`` that could not be written, before hours of training are spent.

    Opening is not proof (``/dev/full`` opens, then every write fails), so one byte is
    written and taken back: an existing file keeps its content, a new one is removed."""
    if path.is_dir():
        raise ValueError(f"--out {path} is a directory; give a file name such as {path / 'model.npz'}")
    folder = path.parent
    if not folder.exists():
        raise ValueError(f"--out {path}: the directory {folder} does not exist")
    if not folder.is_dir():
        raise ValueError(f"--out {path}: {folder} is not a directory")
    existed = os.path.lexists(path)
    try:
        with open(path, "ab") as file:
            before = os.fstat(file.fileno())
            file.write(b"\0")
            file.flush()
            if stat.S_ISREG(before.st_mode):
                file.truncate(before.st_size)
    except OSError as error:
        raise ValueError(f"--out {path} cannot be written: {error.strerror or error}") from None
    finally:
        if not existed and os.path.lexists(path):
            path.unlink()


def load_data(csv: Path | None):
    if csv is None:
        return load_digits()
    return split_by_position(*load_csv(csv))


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def run_train(args) -> int:
    settings = {k: getattr(args, k) for k in DEFAULTS.to_dict() if getattr(args, k, None) is not None}
    if args.preset:
        settings = {**preset(args.preset).to_dict(), **settings}
    errors = TrainingConfig.field_errors(settings)
    if errors:   # the first bad setting, named by its flag
        name, message = next(iter(errors.items()))
        raise ValueError(f"--{name.replace('_', '-')}: {message}")
    config = TrainingConfig.from_dict(settings)
    check_out(args.out)
    data = load_data(args.csv)
    network = config.build_network(data.X_train.shape[1])
    print(f"training on {len(data.X_train)} examples, validating on {len(data.X_val)}")
    print(network.summary())
    steps = train_steps(network, data.X_train, data.y_train,
                        validation_data=(data.X_val, data.y_val), **config.run_options())
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
            if isinstance(event, Validating):
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
    try:
        save(network, args.out, include_optimizer=not args.weights_only,
             metadata={"config": config.to_dict(), "test_accuracy": test_accuracy,
                       "data": str(args.csv) if args.csv else "pynn digits"})
    except OSError as error:  # e.g. the disk filled up while training
        removed = _remove_partial(args.out, error)
        raise OSError(f"--out {args.out}: {error.strerror or error}{removed}") from None
    print(f"saved {args.out}")
    return status


def _remove_partial(path: Path, error: OSError) -> str:
    """Remove the model cut short that a save failing mid-write (disk full) left at
    ``path``, and say so. Any other error (e.g. permission denied at open) left the file
    as it was; a device such as /dev/full is left alone."""
    if error.errno not in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return ""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return ""
        path.unlink()
    except OSError:
        return ""
    return " (the incomplete file was removed)"


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


def run_lab(args) -> int:
    if args.lab_command == "list":
        course = courses.get_course(args.course)
        exercises = courses.exercises_of(course)
        if course is not None:
            print(f"{course.title}" + (f": {course.note}" if course.note else ""))
        width = max(len(exercise.id) for exercise in exercises)
        for exercise in exercises:
            print(f"{exercise.id:<{width}}  {exercise.title}")
        return 0
    if args.lab_command == "run":
        path = Path(args.file)
        return run_in_child(read_learner_file(path), path.name, recipe_arguments(args))
    if args.lab_command == "export":
        return export_lab_files(args.files, args.out, args.course)
    exercise = pynn.lab.get(args.exercise)
    if args.lab_command == "starter":
        print(exercise.starter.strip())
        return 0
    report = check_in_child(exercise.id, read_learner_file(args.file), args.file.name)
    print(f"{exercise.title}: {args.file}")
    print(report)
    return 0 if report.passed else 1


def export_lab_files(paths: list[Path], out: Path, course: str | None) -> int:
    """``lab export``: the files (``<exercise>.py``) as the notebook or the .py ``out`` names."""
    from pynn.lab.export import export_files

    kinds = {".ipynb": "notebook", ".py": "python"}
    if out.suffix not in kinds:
        raise ValueError(f"{out}: the file to write must end in .ipynb (a notebook) or .py")
    if out.resolve() in {path.resolve() for path in paths}:
        raise ValueError(f"{out} is one of your files: write the export to another")
    files = {}
    for path in paths:
        if path.stem not in pynn.lab.all_exercises() or path.stem in files:
            raise ValueError(f"{path}: name each file after its exercise, once, as the page "
                             f"saves them: {', '.join(f'{e}.py' for e in pynn.lab.all_exercises())}")
        files[path.stem] = read_learner_file(path)
    out.write_text(export_files(files, course)[kinds[out.suffix]], encoding="utf-8")
    print(f"wrote {out}: {', '.join(pynn.lab.get(e).title for e in files)}")
    return 0


def read_learner_file(path: Path) -> str:
    """The learner's code: UTF-8 text, maybe with a byte-order mark (Windows editors)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise OSError(f"{path}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text (byte {data[error.start]:#04x} at offset "
                         f"{error.start}): save it as UTF-8") from None


def main(argv: list[str] | None = None) -> int:
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:  # reported by the command's parser, so the hint names its --help
        args.commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    np.seterr(over="ignore", invalid="ignore")  # divergence is reported by the loss check
    try:
        command = {"train": run_train, "evaluate": run_evaluate, "lab": run_lab}[args.command]
        return command(args)
    except (ValueError, TypeError, ModelFileError, OSError) as error:
        message = str(error) or type(error).__name__
    except MemoryError:
        message = OUT_OF_MEMORY[args.command]
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    print("error: " + " ".join(message.split()), file=sys.stderr)  # always exactly one line
    return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
