"""Running a learner's code: compile it under their file name, and report errors in their words.

A learner's file is compiled with its own name (``my_layers.py``), so a traceback through it
shows their line numbers; ``explain`` then keeps only the frames in their file (pynn's and
numpy's frames are noise to them) and ends with the error itself.
"""

from __future__ import annotations

import builtins
import linecache
import os
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
    def mine(name) -> bool:
        if filename:
            return name == filename
        return bool(name) and not os.path.isabs(name) and not name.startswith("<")

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
    lines = [f"line {frame.lineno} in {frame.name}: {(frame.line or '').strip()}" for frame in frames]
    message = str(error)
    lines.append(f"{type(error).__name__}: {message}" if message else type(error).__name__)
    return "\n".join(lines)


def run_code(source: str, filename: str = LEARNER_FILE) -> dict:
    """Execute ``source`` as a module named after ``filename``; return its namespace.

    Raises ``LearnerCodeError`` with ``explain``'s text for a syntax error or an error
    while the module runs (e.g. at import time)."""
    if not isinstance(source, str):
        raise TypeError(f"source must be the code as a str, got {type(source).__name__}")
    # Tracebacks read source lines through linecache: give it the learner's text.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        code = compile(source, filename, "exec")
    except SyntaxError as error:
        raise LearnerCodeError(explain(error, filename)) from None
    namespace = {"__name__": filename.rsplit(".", 1)[0], "__file__": filename,
                 "__builtins__": {**vars(builtins), "__import__": _guarded_import}}
    try:
        exec(code, namespace)
    except Exception as error:  # anything the learner's module does wrong is theirs to see
        raise LearnerCodeError(explain(error, filename)) from None
    return namespace


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    """``import`` for the learner's code: everything but the modules that reach the page."""
    if name.split(".")[0] in FORBIDDEN_MODULES:
        raise ImportError(f"the lab does not let your code import {name}: a layer needs only "
                          f"numpy (and pynn)")
    return builtins.__import__(name, globals, locals, fromlist, level)
