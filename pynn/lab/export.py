"""Take it home: the learner's code from the lab as one Jupyter notebook and one Python file.

    export_files({"relu": code, "dense": code}, course=None)
    → {"notebook": ipynb JSON text (nbformat 4), "python": the .py text,
       "names": {"notebook": "pynn-assignment.ipynb", "python": "pynn-assignment.py"}}

Both hold the same things in the same order (the course's, or the assignment's): a title
saying what this is and how to run it, then for each exercise its statement (markdown in the
notebook, comments in the .py) and the learner's code, then the lab's checks.

How the checks see each exercise's code: **as text, one string per exercise.** The page
checks each exercise's file on its own, and the exercises' files use the same names (each
has its own ``Layer``; ``train``'s file may import pynn's ``forward``, ``forward``'s defines
its own). Run one after the other in one namespace (notebook cells, a script), later files
would replace earlier names, and a check that looked names up afterwards could test the
wrong class, or use another file's helper. So each exercise's code is one string::

    code["relu"] = r'''
    import numpy as np
    ...
    '''

and the checks are ``pynn.lab.check_all(code)``: each string checked alone, as the file
``relu.py``, exactly as the page does (``Exercise.check``). Nothing else runs the learner's
code, so what it does (``sys.exit``, replacing names) happens inside a check, where it is a
failed check; the strings are taken before any of it runs. The .py checks each exercise in a
child Python (``python -m pynn lab check``'s way), so even ``os._exit`` fails a check rather
than ending the run with exit code 0. The string starts with a newline, so the line numbers
in a report are the notebook cell's own; it holds the learner's text unchanged, except a
leading byte order mark and Windows line ends (neither changes what Python runs), and is
written raw (``r'''``) so it reads as the code it is; text that cannot be (it has both
``'''`` and ``\"\"\"``, or invisible characters) is written with escapes.

The notebook's last cell prints each report and a summary, then raises ``ChecksFailed`` if
an exercise fails, so ``jupyter nbconvert --execute`` fails on a wrong answer; the .py exits
1 then. Pure Python (json, textwrap): it runs in the page's Pyodide too.
"""

from __future__ import annotations

import json
import textwrap

import pynn
import pynn.lab
from pynn.lab import courses
from pynn.lab.exercise import Exercise, reflow

NAMES = {"notebook": "pynn-assignment.ipynb", "python": "pynn-assignment.py"}
COMMENT_WIDTH = 92

INSTALL = ("pynn is not on PyPI (`pip install pynn` installs PyNN, a different project): in a "
           "copy of pynn's source, run `pip install -e .`")
HOW_IT_IS_CHECKED = (
    "Each exercise's code is kept as text, `code[\"relu\"] = r'''...'''`, and the checks run "
    "each text on its own, as the file `relu.py`, exactly as the lab's page does: exercises "
    "that use the same names (each has its own `Layer`) never mix, and nothing you wrote runs "
    "outside its checks. A report's line numbers count from the `code[\"relu\"] = ` line. To use "
    "your code here, run it: `relu = pynn.lab.run_code(code[\"relu\"])`, then `relu[\"ReLU\"]`.")


def export_files(files: dict[str, str], course: str | None = None) -> dict:
    """The learner's ``files`` (exercise id → their code) as a notebook and a .py, in the
    order of ``course`` (a course's id; None: the assignment's order)."""
    if not isinstance(files, dict) or not files:
        raise ValueError("files must be a dict of at least one exercise id → its code: "
                         "there is nothing to export")
    for exercise_id, text in files.items():
        if not isinstance(text, str):
            raise TypeError(f"the code of {exercise_id!r} must be a str, got {type(text).__name__}")
    exercises = pynn.lab.in_order(files, course)
    codes = [(exercise, as_python_code(files[exercise.id])) for exercise in exercises]
    title = _course_title(course)
    return {"notebook": notebook(codes, course, title), "python": python_file(codes, course, title),
            "names": dict(NAMES)}


def as_python_code(text: str) -> str:
    """The learner's text as a file holds it: no byte order mark (the page skips it too),
    ``\\n`` line ends, ending with one."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def string_literal(code: str) -> str:
    """``code`` (ending with a newline) as a Python literal of ``"\\n" + code`` that reads as
    the code: raw and triple-quoted when that can hold it, else escaped.

    >>> string_literal("x = 1\\n")
    "r'''\\nx = 1\\n'''"
    """
    readable = all(c in "\n\t" or c.isprintable() for c in code)
    for quotes in ("'''", '"""'):
        if readable and quotes not in code:
            return f"r{quotes}\n{code}{quotes}"
    escaped = "".join(_escape(c) for c in code).replace("'''", "''\\'")
    return f"'''\n{escaped}'''"


def _escape(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if char in "\n\t" or char.isprintable():
        return char
    return repr(char)[1:-1]    # \x00, \u200b, ...


def _course_title(course: str | None) -> str:
    if course is None:
        return "pynn's lab"
    chosen = courses.get_course(course)
    return f"the course “{chosen.title}” of pynn's lab"


def _entry(exercise: Exercise) -> str:
    return f"code[{json.dumps(exercise.id)}]"


def _check_call(course: str | None, *extra: str) -> str:
    arguments = ["code"] + ([f"course={course!r}"] if course is not None else []) + list(extra)
    return f"pynn.lab.check_all({', '.join(arguments)})"


# -- the notebook -----------------------------------------------------------------------

def notebook(codes: list[tuple[Exercise, str]], course: str | None, title: str) -> str:
    """The ipynb JSON text: title, ``code = {}``, each exercise's statement and code, checks."""
    names = ", ".join(exercise.title for exercise, _ in codes)
    cells = [
        _cell("markdown", "title", f"# Your pynn assignment\n\n"
              f"Your code for {len(codes)} exercise{'s' if len(codes) > 1 else ''} of {title}, "
              f"in order: {names}.\n\n{HOW_IT_IS_CHECKED}\n\n"
              f"**To run it** you need pynn {pynn.__version__}. {INSTALL}. "
              f"Then *Run All*: the last cell runs the lab's checks on each exercise, prints what "
              f"each one measured and a summary, and raises `ChecksFailed` if one fails — so "
              f"`jupyter nbconvert --to notebook --execute {NAMES['notebook']}` fails on a wrong "
              f"answer."),
        _cell("code", "setup", "import pynn.lab\n\n"
              "code = {}   # exercise id → your code, as text: the last cell checks each alone"),
    ]
    for number, (exercise, code) in enumerate(codes, start=1):
        cells.append(_cell("markdown", f"{exercise.id}-statement",
                           f"## {number}. {exercise.title}\n\n{_statement(exercise)}"))
        cells.append(_cell("code", f"{exercise.id}-code",
                           f"{_entry(exercise)} = {string_literal(code)}"))
    cells.append(_cell("markdown", "checks-title", "## The lab's checks\n\nEach exercise's code "
                       "on its own, as the page checks it."))
    cells.append(_cell("code", "checks", f"results = {_check_call(course)}\nprint(results)\n"
                       "results.raise_if_failed()   # a failed check fails the notebook"))
    document = {"nbformat": 4, "nbformat_minor": 5, "cells": cells, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}}}
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _statement(exercise: Exercise) -> str:
    """The statement as markdown (its `$...$` TeX as it is: Jupyter renders it)."""
    text = reflow(exercise.statement)
    if exercise.shapes:
        text += "\n\nShapes:\n" + "\n".join(f"- {line}" for line in exercise.shapes)
    return text


def _cell(kind: str, cell_id: str, source: str) -> dict:
    cell = {"cell_type": kind, "id": cell_id, "metadata": {},
            "source": source.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


# -- the Python file --------------------------------------------------------------------

def python_file(codes: list[tuple[Exercise, str]], course: str | None, title: str) -> str:
    """The .py text: a docstring saying how to run it, each exercise's statement as comments
    and its code, then the checks under ``if __name__ == "__main__":``."""
    intro = (f"Your code for {len(codes)} exercise{'s' if len(codes) > 1 else ''} of {title}, "
             f"and the lab's checks. {HOW_IT_IS_CHECKED}\n\nRun it: `python {NAMES['python']}`, "
             f"with pynn {pynn.__version__}. {INSTALL}. It prints what "
             f"each exercise's checks measured and a summary, and exits with 1 if one fails. Each "
             f"exercise is checked in a child Python, so code that ends Python fails its check.")
    parts = ['"""Your pynn assignment.\n\n' + _wrapped(intro, "") + '\n"""\n\n'
             "import sys\n\nimport pynn.lab\n\n"
             "code = {}   # exercise id → your code, as text: the checks run each alone\n"]
    for number, (exercise, code) in enumerate(codes, start=1):
        header = f"# {number}. {exercise.title} ({exercise.id}) "
        parts.append(f"\n\n{header}{'-' * max(3, COMMENT_WIDTH - len(header))}\n#\n"
                     f"{_wrapped(_statement(exercise), '# ')}\n\n"
                     f"{_entry(exercise)} = {string_literal(code)}\n")
    parts.append(f'\n\nif __name__ == "__main__":\n'
                 f"    results = {_check_call(course, 'in_child=True')}\n"
                 f"    print(results)\n"
                 f"    sys.exit(0 if results.passed else 1)\n")
    return "".join(parts)


def _wrapped(text: str, prefix: str) -> str:
    """``text``'s lines wrapped to ``COMMENT_WIDTH``, each with ``prefix`` (a blank line: the
    prefix alone, stripped)."""
    lines = []
    for line in text.splitlines():
        indent = "  " if line.startswith("- ") else ""
        wrapped = textwrap.wrap(line, COMMENT_WIDTH - len(prefix), subsequent_indent=indent,
                                break_long_words=False, break_on_hyphens=False) or [""]
        lines += [(prefix + part).rstrip() for part in wrapped]
    return "\n".join(lines)
