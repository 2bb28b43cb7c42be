"""``python -m pynn lab run my_assignment.py``: the assignment's training loop in the terminal,
with the learner's code wherever it passes its checks, beside pynn's reference run.

``run_in_child`` (the parent's side) starts ``python -m pynn.lab.cli_run FILE OPTIONS`` with
the code on stdin; ``main`` (the child's side) loads the bundled digits, says whose each part
of the loop is (``pynn.lab.assignment_run``), then trains the learner's network and pynn's
reference in turns, epoch by epoch: a progress bar per epoch (tqdm, when installed) and one
line per epoch with both validation accuracies. The learner's code runs in that child, so
``sys.exit`` or ``os._exit`` in it ends the run, not the command, and Ctrl-C ends both.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from pynn.lab.cli_child import run_child

EXIT_FAILED = 1
STATUS = {"finished": 0, "stopped": EXIT_FAILED}   # what the child writes on its status pipe


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The run's recipe: the assignment's defaults (784-100-200-10, SGD at 0.1, batch 32)."""
    parser.add_argument("file", help="your Python file with the assignment's parts (UTF-8)")
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training digits (default: 10)")
    parser.add_argument("--batch-size", type=int, default=32, help="examples per step (default: 32)")
    parser.add_argument("--lr", type=float, default=0.1, help="each Dense layer's learning_rate (default: 0.1)")
    parser.add_argument("--hidden", default="100,200", help="hidden layer sizes (default: 100,200)")
    parser.add_argument("--seed", type=int, default=0, help="numpy's random seed for both runs (default: 0)")
    parser.add_argument("--examples", type=int, default=None,
                        help="train on the first N of the 8000 training digits (default: all)")
    parser.add_argument("--no-progress", action="store_true", help="only one line per epoch")


def recipe_arguments(args) -> list[str]:
    """The child's command-line arguments for ``args`` (the parsed ``lab run`` options)."""
    options = ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", str(args.lr),
               "--hidden", args.hidden, "--seed", str(args.seed)]
    if args.examples is not None:
        options += ["--examples", str(args.examples)]
    return options + (["--no-progress"] if args.no_progress else [])


def run_in_child(source: str, filename: str, options: list[str]) -> int:
    """Run the loop in a child Python fed ``source``; its output is the command's. 0 when
    the run finished, 1 when the learner's code stopped it or the child ended early. The
    child says how it ended on a pipe of its own (its exit code alone could be the
    learner's ``os._exit(0)``)."""
    status_read, status_write = os.pipe()
    try:
        returncode, _ = run_child(["pynn.lab.cli_run", filename, *options, "--status-fd",
                                   str(status_write)], source, pass_fds=(status_write,))
    finally:
        os.close(status_write)
    with os.fdopen(status_read, "rb") as status:
        ended = status.read().decode("ascii", "replace")
    if ended not in STATUS:
        print(f"the run ended early (exit code {returncode}): does your code call "
              f"sys.exit or os._exit?", file=sys.stderr)
        return EXIT_FAILED
    return STATUS[ended]


# -- the child's side -------------------------------------------------------------------

def _bar(total: int, epoch: int, disabled: bool):
    try:
        from tqdm import tqdm
    except ImportError:   # tqdm is optional: the epoch lines still print
        return None
    return None if disabled else tqdm(total=total, desc=f"epoch {epoch}", unit="batch", leave=False)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_DFL)   # Ctrl-C: end quietly, the parent says so
    parser = argparse.ArgumentParser(prog="python -m pynn lab run")
    add_arguments(parser)
    parser.add_argument("--status-fd", type=int, required=True, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    code = _run(args)
    sys.stdout.flush()
    with os.fdopen(args.status_fd, "wb") as status:
        status.write(("finished" if code == 0 else "stopped").encode("ascii"))
    return code


def _run(args) -> int:
    import pynn
    from pynn.config import parse_hidden
    from pynn.mnist import INPUT_UNITS, N_CLASSES
    from pynn.lab.assignment_run import assignment_steps, learner_parts, reference_steps
    from pynn.lab.runner import LearnerCodeError

    source = sys.stdin.buffer.read().decode("utf-8")
    try:
        parts = learner_parts(source, args.file.rsplit("/", 1)[-1])
    except LearnerCodeError as error:
        print(f"your code does not run:\n{error}")
        return EXIT_FAILED
    print(f"the assignment's loop with {parts.model_line()}")
    for name, why in parts.why_not.items():
        print(f"  pynn's {name}: {why}")
    data = pynn.load_digits()
    count = len(data.X_train) if args.examples is None else args.examples
    recipe = dict(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                  hidden=parse_hidden(args.hidden), seed=args.seed)
    splits = (data.X_train[:count], data.y_train[:count], data.X_val, data.y_val)
    yours, reference = assignment_steps(parts, *splits, **recipe), reference_steps(*splits, **recipe)
    print(f"{'-'.join(map(str, (INPUT_UNITS, *recipe['hidden'], N_CLASSES)))}, SGD at {args.lr}, batch {args.batch_size}, "
          f"{count} training digits, seed {args.seed}")
    mine = theirs = None
    try:
        for epoch in range(1, args.epochs + 1):
            mine = _epoch(yours, epoch, args.no_progress)
            theirs = _epoch(reference, epoch, True)
            print(f"epoch {epoch:>3}: loss {mine.loss:.3f}  train {mine.train_accuracy:6.1%}  "
                  f"val {mine.val_accuracy:6.1%}   pynn's reference: val {theirs.val_accuracy:6.1%}", flush=True)
    except LearnerCodeError as error:
        print(f"the run stopped: {error}")
        return EXIT_FAILED
    gap = 100 * (mine.val_accuracy - theirs.val_accuracy)
    verdict = "as good as pynn's" if gap >= -1 else "behind pynn's: look for a subtly wrong gradient"
    print(f"your run: {mine.val_accuracy:.1%} validation accuracy, pynn's {theirs.val_accuracy:.1%} "
          f"({gap:+.1f} points): {verdict}")
    return 0


def _epoch(steps, epoch: int, quiet: bool):
    """Drive ``steps`` to the end of ``epoch``; its ``AssignmentEpoch``."""
    bar = None
    for event in steps:
        if event.to_dict()["type"] == "epoch":
            if bar is not None:
                bar.close()
            return event
        if bar is None and not quiet:
            bar = _bar(event.n_batches, epoch, quiet)
        if bar is not None:
            bar.update(1)
    raise RuntimeError(f"the run ended before epoch {epoch}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
