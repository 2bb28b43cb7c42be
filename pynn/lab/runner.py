"""Running a learner's code: compile it under their file name, and report errors in their words.

A learner's file is compiled with its own name (``my_layers.py``), so a traceback through it
shows their line numbers; ``explain`` then keeps only the frames in their file (pynn's and
numpy's frames are noise to them), folds a frame repeated by runaway recursion into one line,
and ends with the error itself.

Whatever the learner's code raises is theirs to see, ``SystemExit`` and ``KeyboardInterrupt``
included: ``run_code`` turns it into a ``LearnerCodeError``, and so does a file the compiler
gives up on (a 3000-term expression raises ``RecursionError`` while compiling).
"""

from __future__ import annotations

import builtins
import linecache
import os
import re
import traceback

LEARNER_FILE = "my_layers.py"
# In the page, these would reach JavaScript and the page itself: a layer needs numpy only.
FORBIDDEN_MODULES = ("js", "pyodide", "pyodide_js", "_pyodide", "micropip")


class LearnerCodeError(ValueError):
    """The learner's code could not be run: the message is ready to show them."""


def explain(error: BaseException, filename: str | None = None) -> str:
    """One short, readable account of ``error``: the learner's own frames and the error.

    The learner's frames are those of ``filename``, or (``None``) of any file that is not
    on disk: their code is compiled under a bare name such as ``relu.py``.

    >>> try:
    ...     run_code("def f():\\n    return 1 / 0\\nf()", "relu.py")
    ... except LearnerCodeError as error:
    ...     print(error)
    line 3 in <module>: f()
    line 2 in f: return 1 / 0
    ZeroDivisionError: division by zero
    """
    mine = _is_learners(filename)
    if isinstance(error, SyntaxError) and mine(error.filename):
        where = f"line {error.lineno}"
        text = (error.text or "").rstrip("\n")
        caret = ""
        if text and error.offset:
            indent = len(text) - len(text.lstrip())
            caret = "\n    " + " " * max(0, error.offset - 1 - indent) + "^"
        code = f"\n    {text.strip()}{caret}" if text else ""
        return f"{where}: {type(error).__name__}: {error.msg}{code}"
    if isinstance(error, MemoryError):
        return "MemoryError: your code ran out of memory (an array far too big?)"
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if mine(frame.filename)]
    lines = _fold([f"line {frame.lineno} in {frame.name}: {(frame.line or '').strip()}"
                   for frame in frames])
    try:
        message = str(error)
    except BaseException:  # the learner's own exception class may not even print
        message = "(its message could not be shown)"
    lines.append(f"{type(error).__name__}: {message}" if message else type(error).__name__)
    tip = advice(error, frames[-1].line if frames else "", message)
    return "\n".join(lines + ([f"→ {tip}"] if tip else []))


def _is_learners(filename: str | None):
    """Whether a frame's file is the learner's: ``filename``, or (``None``) any file that is
    not on disk (their code is compiled under a bare name such as ``relu.py``)."""
    def mine(name) -> bool:
        if filename:
            return name == filename
        return bool(name) and not os.path.isabs(name) and not name.startswith("<")
    return mine


def learner_line(error: BaseException, filename: str | None = None) -> int | None:
    """The line of the learner's code that raised ``error`` (the last of their frames), or None."""
    mine = _is_learners(filename)
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if mine(frame.filename)]
    return frames[-1].lineno if frames else None


# Names that live on the layer: a bare ``weights`` in a method is a forgotten ``self.``.
LAYER_ATTRIBUTES = ("weights", "biases", "learning_rate", "params", "grads")


def advice(error: BaseException, line: str | None, message: str | None = None) -> str:
    """What to do about the usual slips of the assignment, recognised from the error and the
    learner's line that raised it; "" when there is nothing better to say than the error.

    >>> advice(ValueError("The truth value of an array with more than one element is "
    ...                   "ambiguous. Use a.any() or a.all()"), "return max(0, input)")
    "Python's max compares whole arrays; use np.maximum(0, input), elementwise"
    """
    line = line or ""
    message = str(error) if message is None else message
    if isinstance(error, ValueError) and "truth value of an array" in message:
        if re.search(r"(?<![\w.])(max|min)\(", line):
            return "Python's max compares whole arrays; use np.maximum(0, input), elementwise"
        return ("`if`, `and`, `or` and `max` ask one question of a whole array: work elementwise "
                "(np.where(input > 0, ...), np.maximum, a mask like input > 0)")
    if isinstance(error, NameError) and getattr(error, "name", None) in LAYER_ATTRIBUTES:
        return f"{error.name} belongs to the layer: write self.{error.name}"
    mixed = _mixed_ways(error, line)
    if mixed:
        return mixed
    if isinstance(error, AttributeError) and " object has no attribute " in message:
        name = getattr(error, "name", None)
        if name in ("params", "grads"):
            return ("call super().__init__() first in __init__: pynn's Layer makes self.params "
                    "and self.grads there")
        if name in LAYER_ATTRIBUTES:
            return (f"self.{name} was never set: in __init__ write self.{name} = ... (without "
                    f"self. it is a name that disappears when __init__ returns)")
    if isinstance(error, TypeError):
        method = re.match(r"(?:\w+\.)?(forward|backward|__init__)\(\) takes (\d+) positional", message)
        if method and "but" in message:
            return (f"a method's first parameter is self: def {method.group(1)}(self, ...), and "
                    f"call other methods and attributes through self.")
    if isinstance(error, ValueError) and ("not aligned" in message or "mismatch in its core dimension" in message
                                          or "could not be broadcast" in message):
        return ("the shapes do not fit: is a product transposed? For Dense, grad_input = "
                "grad_output @ W.T has the input's shape and dW = input.T @ grad_output has W's "
                "(print the .shape of each factor)")
    return ""


# The notebook's names of a layer's parameters and pynn's keys in self.params.
PARAMETER_KEYS = {"weights": "W", "biases": "b"}


def _mixed_ways(error: BaseException, line: str) -> str:
    """The slip of a layer that keeps its parameters one way and reads them the other:
    ``self.weights`` on a layer with ``self.params["W"]``, or the other way round."""
    if isinstance(error, KeyError) and "params[" in line and error.args and error.args[0] in ("W", "b"):
        key = error.args[0]
        name = {k: n for n, k in PARAMETER_KEYS.items()}[key]
        return (f"self.params has no {key!r}: pynn's way sets self.params[{key!r}] in __init__ "
                f"(after super().__init__()); the notebook's way uses self.{name} everywhere")
    if not isinstance(error, AttributeError):
        return ""
    name, layer = getattr(error, "name", None), getattr(error, "obj", None)
    try:
        state = dict(object.__getattribute__(layer, "__dict__"))
    except Exception:   # no instance dict (or a learner's object that refuses): no advice
        return ""
    params = state.get("params")
    if name in PARAMETER_KEYS and isinstance(params, dict) and PARAMETER_KEYS[name] in params:
        key = PARAMETER_KEYS[name]
        return (f"your layer keeps this parameter in self.params[{key!r}] (pynn's way): write "
                f"self.params[{key!r}], not self.{name} — one way throughout")
    if name == "params" and any(n in state for n in PARAMETER_KEYS):
        kept = next(n for n in PARAMETER_KEYS if n in state)
        return (f"your layer keeps its parameters in self.{kept} (the notebook's way): write "
                f"self.{kept}, not self.params[...] — one way throughout")
    return ""


def _fold(lines: list[str], longest_cycle: int = 3) -> list[str]:
    """Runs of a repeated line (or of a repeated cycle of up to ``longest_cycle`` lines, as
    two functions calling each other give) written once, with how often they repeat.

    >>> _fold(["a", "b", "b", "b", "c"])
    ['a', 'b  (repeated 2 more times)', 'c']
    """
    folded, i = [], 0
    while i < len(lines):
        for size in range(1, longest_cycle + 1):
            cycle = lines[i:i + size]
            repeats = 1
            while lines[i + repeats * size:i + (repeats + 1) * size] == cycle:
                repeats += 1
            if repeats > 2 or (size == 1 and repeats > 1):
                these = "" if size == 1 else f"these {size} lines "
                folded += cycle[:-1] + [f"{cycle[-1]}  ({these}repeated {repeats - 1} more times)"]
                i += repeats * size
                break
        else:
            folded.append(lines[i])
            i += 1
    return folded


def run_code(source: str, filename: str = LEARNER_FILE) -> dict:
    """Execute ``source`` as a module named after ``filename``; return its namespace.

    Raises ``LearnerCodeError`` with ``explain``'s text for a syntax error or an error
    while the module runs (e.g. at import time)."""
    if not isinstance(source, str):
        raise TypeError(f"source must be the code as a str, got {type(source).__name__}")
    source = source.removeprefix("\ufeff")  # a byte order mark, as some editors save
    # Tracebacks read source lines through linecache: give it the learner's text.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        code = compile(source, filename, "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        # ValueError: a NUL byte in the text; RecursionError: an expression too deep to compile
        extra = (": an expression in your file is too long or nested too deeply for Python "
                 "to compile" if isinstance(error, RecursionError) else "")
        raise LearnerCodeError(explain(error, filename) + extra) from None
    namespace = {"__name__": filename.rsplit(".", 1)[0], "__file__": filename,
                 "__builtins__": {**vars(builtins), "__import__": _guarded_import}}
    try:
        exec(code, namespace)
    except BaseException as error:  # anything the learner's module raises, sys.exit() included
        raise LearnerCodeError(explain(error, filename)) from None
    return namespace


def refusal(name: str) -> str:
    """Why the learner's code may not import ``name``."""
    return f"the lab does not let your code import {name}: a layer needs only numpy (and pynn)"


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    """``import`` for the learner's code: everything but the modules that reach the page
    (``pynn.lab.guard`` also shuts out ``importlib.import_module`` and ``sys.modules``)."""
    if name.split(".")[0] in FORBIDDEN_MODULES:
        raise ImportError(refusal(name))
    return builtins.__import__(name, globals, locals, fromlist, level)
