"""Learner code is a guest: ``guest()`` undoes whatever it changed in pynn and numpy.

    from pynn.lab.guard import guest

    with guest() as visit:      # notes the state below; js and pyodide cannot be imported
        ...                     # run learner code (its exceptions go through unchanged)
    visit.changes               # ["pynn.lab.checks.Report.passed", "numpy.abs", ...]:
                                # what it changed, all of it already put back

What it watches, shallowly and cheaply (copies of namespaces, compared by identity): the
globals of every ``pynn.*`` module and the ``__dict__`` of every class defined in them,
numpy's top-level namespace and its error handling (``np.seterr``), the ``builtins`` module,
the existing entries of ``sys.modules``, ``sys.meta_path``, which objects ``sys.modules``,
``sys.path``, ``sys.stdout`` and ``sys.stderr`` are, and the recursion limit. New modules
the guest imports (``import pynn.conv``) are its own business. While the guest is in,
``js``, ``pyodide`` and the other ``FORBIDDEN_MODULES`` are out of ``sys.modules`` and a
finder at the head of ``sys.meta_path`` refuses them, so ``import js``,
``importlib.import_module("js")`` and ``builtins.__import__("js")`` all fail.

What it does not see: changes *inside* objects (an array's numbers, the items of a dict such
as ``pynn.registry.LAYER_TYPES``, a function's ``__code__``), and whatever a determined guest
reaches through ``gc``, frames or ``ctypes`` in the same process — a guard inside one Python
cannot stop code that runs in it. It is defence in depth: the page gives every check a fresh
lab worker and the CLI runs each check in a child process, so nothing outlives its check.

``__exit__`` first puts back ``builtins`` and this module's own globals using only references
it took on entry (locals and bound methods), so a guest that replaces ``guest`` or
``builtins.setattr`` is caught and undone like any other.
"""

from __future__ import annotations

import builtins
import sys
import types

import numpy as np

from pynn.lab.runner import FORBIDDEN_MODULES, refusal

# Names that change without anyone meaning to, anywhere (warnings' registry of a module;
# ``__slotnames__``, which copy and pickle cache on a class) or in one place (the lab's
# exercise list, loaded on first use; ``builtins._``, the last value an interactive Python
# showed).
IGNORED = frozenset({"__warningregistry__", "__slotnames__", "pynn.lab._EXERCISES", "builtins._"})
SYS_ATTRIBUTES = ("modules", "path", "path_hooks", "stdout", "stderr", "stdin", "excepthook",
                  "displayhook")


class Visit:
    """What a guest changed: ``changes`` (names), filled when its ``with`` block ends."""

    def __init__(self):
        self.changes: list[str] = []

    def __repr__(self) -> str:
        return f"Visit(changes={self.changes!r})"


class guest:  # noqa: N801 - used as a function: ``with guest() as visit``
    """Context manager: on entry notes pynn's and numpy's state and shuts out the page's
    modules; on exit puts all of it back and lists what differed in ``visit.changes``."""

    def __enter__(self) -> Visit:
        visit = Visit()
        self.__dict__["finish"] = _arrive(visit)
        return visit

    def __exit__(self, *error) -> bool:
        # self.__dict__ cannot be redirected by patching this class, unlike self.finish
        self.__dict__["finish"]()
        return False


def _pynn_state() -> tuple[list, list]:
    """``(modules, classes)``: every loaded ``pynn.*`` module, and every class defined in one,
    each with a copy of its namespace."""
    modules, classes = [], []
    for name, module in list(sys.modules.items()):
        if (name == "pynn" or name.startswith("pynn.")) and isinstance(module, types.ModuleType):
            namespace = vars(module)
            modules.append((name, namespace, dict(namespace)))
            for value in list(namespace.values()):
                if isinstance(value, type) and value.__module__ == name:
                    classes.append((f"{name}.{value.__qualname__}", value, dict(vars(value))))
    return modules, classes


def _restore_namespace(current, saved: dict, label: str, changes: list, missing, keep,
                       ignored=IGNORED) -> None:
    """Put ``saved``'s items back into the namespace dict ``current`` and delete the new ones
    (unless ``keep(value)``), appending ``label + name`` for each to ``changes``.

    Uses no global name, so it works while the guest's replacement builtins are still in."""
    for key, value in saved.items():
        if current.get(key, missing) is not value and key not in ignored \
                and f"{label}{key}" not in ignored:
            current[key] = value
            changes.append(f"{label}{key}")
    for key in [*current]:
        if key not in saved and not keep(current[key]) and key not in ignored \
                and f"{label}{key}" not in ignored:
            del current[key]
            changes.append(f"{label}{key}")


def _restore_class(cls: type, saved: dict, label: str, changes: list, missing) -> None:
    """``_restore_namespace`` for a class, whose ``__dict__`` is read-only."""
    current = dict(vars(cls))
    for key, value in saved.items():
        if current.get(key, missing) is not value and key not in IGNORED:
            type.__setattr__(cls, key, value)
            changes.append(f"{label}.{key}")
    for key in current:
        if key not in saved and key not in IGNORED:
            type.__delattr__(cls, key)
            changes.append(f"{label}.{key}")


def _arrive(visit: Visit):
    """Note the state, shut out the page's modules; return the function that leaves."""
    # Everything ``leave`` needs is bound here, before any guest code runs.
    restore_namespace, restore_class, missing = _restore_namespace, _restore_class, object()
    module_type, type_of = types.ModuleType, type

    def is_module(value) -> bool:
        return type_of(value) is module_type

    def never(value) -> bool:
        return False

    builtins_now, guard_now, guard_label = vars(builtins), globals(), f"{__name__}."
    builtins_then, guard_then = dict(builtins_now), dict(guard_now)
    numpy_now = vars(np)
    numpy_then = dict(numpy_now)
    geterr, seterr, errors = np.geterr, np.seterr, np.geterr()
    modules, classes = _pynn_state()
    sys_now = vars(sys)
    sys_then = {key: sys_now.get(key, missing) for key in SYS_ATTRIBUTES}
    recursion_limit = sys.getrecursionlimit()
    set_recursion_limit = sys.setrecursionlimit
    modules_now = sys.modules
    shut_out = {name: modules_now.pop(name) for name in list(modules_now)
                if name.partition(".")[0] in FORBIDDEN_MODULES}
    modules_then = dict(modules_now)
    meta_path = sys.meta_path
    meta_path_then = list(meta_path)
    refuser = _refuser(FORBIDDEN_MODULES, refusal)
    meta_path.insert(0, refuser)

    def leave() -> None:
        first: list[str] = []
        restore_namespace(builtins_now, builtins_then, "builtins.", first, missing, never)
        restore_namespace(guard_now, guard_then, guard_label, first, missing, never)
        changes: list[str] = []
        for name, namespace, then in modules:
            restore_namespace(namespace, then, f"{name}.", changes, missing, is_module)
        for label, cls, then in classes:
            restore_class(cls, then, label, changes, missing)
        restore_namespace(numpy_now, numpy_then, "numpy.", changes, missing, is_module)
        if geterr() != errors:
            seterr(**errors)
            changes.append("numpy error handling (np.seterr)")
        changes += first
        for key, value in modules_then.items():
            if modules_now.get(key, missing) is not value:
                modules_now[key] = value
                changes.append(f"sys.modules[{key!r}]")
        for key in [key for key in modules_now if key.partition(".")[0] in FORBIDDEN_MODULES]:
            del modules_now[key]
            changes.append(f"sys.modules[{key!r}]")
        modules_now.update(shut_out)
        for key, value in sys_then.items():
            if sys_now.get(key, missing) is not value:
                if value is missing:
                    sys_now.pop(key, None)
                else:
                    setattr(sys, key, value)
                changes.append(f"sys.{key}")
        finders = [finder for finder in sys.meta_path if finder is not refuser]
        if sys.meta_path is not meta_path or len(finders) != len(meta_path_then) or any(
                mine is not then for mine, then in zip(finders, meta_path_then)):
            changes.append("sys.meta_path")
        meta_path[:] = meta_path_then
        sys.meta_path = meta_path
        if sys.getrecursionlimit() != recursion_limit:
            set_recursion_limit(recursion_limit)
            changes.append("sys.setrecursionlimit")
        visit.changes = changes

    return leave


def _refuser(forbidden: tuple[str, ...], message):
    """A meta-path finder that refuses the ``forbidden`` modules (and their submodules) with
    ``message(name)``, whichever way the import comes."""
    class RefuseForbiddenModules:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name.partition(".")[0] in forbidden:
                raise ImportError(message(name))
            return None

    return RefuseForbiddenModules()
