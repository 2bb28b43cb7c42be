"""What a first build needs that does not need .venv/, started while .venv/ is installed.

Installing .venv/ (pip, one core) is the first ~20 s of a fresh clone's `build.py` or
`run_tests.py`; `devtools/venv.py` starts this module beside it, in a process of its own (the
script then re-execs itself inside .venv/, which this process outlives):

- `npm ci` in web/ (devtools/npm.py),
- pyodide-build's Python 3.12 environment, .venv-py312/ (devtools/pyodide_build.py).

Each takes a lock, so the build, asking for the same, waits for it or finds it done. A failure
here says nothing: the build tries again and reports it in its own words.
"""

from devtools import ROOT, BuildError


def main() -> None:
    from devtools import npm, pyodide_build

    for step in (lambda: npm.ensure_node_modules(ROOT / "web"), pyodide_build.command):
        try:
            step()
        except BuildError:
            pass


if __name__ == "__main__":
    main()
