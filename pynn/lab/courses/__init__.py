"""Courses: which of the lab's exercises a class gets, in which order, with which settings.

A course is one small Python file in this folder, like an exercise file (it ships inside pynn,
in the page too). Its name is the course's id (``layers.py`` → ``layers``; the page opens it
with ``index.html#lab=layers``). It defines:

- ``TITLE``: the course's name, shown above its exercises;
- ``EXERCISES``: the exercise ids, in the order the class does them;
- optionally ``NOTE``: a sentence or two for the class;
- optionally ``SHOW_SOLUTION_AFTER`` and ``HINTS``: the teacher's settings for every exercise
  of the course, replacing the exercises' own (``SHOW_SOLUTION_AFTER = None`` or ``"never"``:
  the solution is never shown; ``HINTS = False``: the checks give no hints). Left out, each
  exercise keeps its own.

The settings are enforced here, in Python: the page asks for the solution, and gets None
until it may be shown.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

KEEP = object()   # a course setting left out: each exercise keeps its own


def solution_after_setting(value, where: str) -> int | None:
    """A ``SHOW_SOLUTION_AFTER`` value: a whole number of failed checks, or never (None)."""
    if value is None or value == "never":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where}: SHOW_SOLUTION_AFTER must be a whole number >= 0, None or "
                         f"'never', got {value!r}")
    return value


def hints_setting(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: HINTS must be True or False, got {value!r}")
    return value


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    exercises: tuple[str, ...]
    note: str = ""
    solution_after: object = KEEP    # int, None (never) or KEEP
    hints: object = KEEP             # bool or KEEP

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "note": self.note}


def settings(exercise, course: Course | None) -> tuple[int | None, bool]:
    """``(solution_after, hints)`` for ``exercise``: the course's where it sets them, else
    the exercise's own; an exercise without a solution never shows one."""
    solution_after, hints = exercise.solution_after, exercise.hints
    if course is not None:
        solution_after = solution_after if course.solution_after is KEEP else course.solution_after
        hints = hints if course.hints is KEEP else course.hints
    return (None if exercise.solution is None else solution_after), hints


def from_module(module, known_exercises) -> Course:
    """A ``Course`` from a course file, checking it names exercises that exist."""
    name = module.__name__.rsplit(".", 1)[-1]
    where = f"course file {name}.py"
    missing = [key for key in ("TITLE", "EXERCISES") if not hasattr(module, key)]
    if missing:
        raise ValueError(f"{where} lacks {', '.join(missing)}")
    exercises = tuple(module.EXERCISES)
    unknown = [e for e in exercises if e not in known_exercises]
    if unknown or not exercises or len(set(exercises)) != len(exercises):
        problem = (f"names no exercise {unknown[0]!r} (there are {', '.join(known_exercises)})"
                   if unknown else "must list each exercise once, at least one")
        raise ValueError(f"{where}: EXERCISES {problem}")
    return Course(
        id=name, title=module.TITLE, exercises=exercises, note=getattr(module, "NOTE", ""),
        solution_after=(solution_after_setting(module.SHOW_SOLUTION_AFTER, where)
                        if hasattr(module, "SHOW_SOLUTION_AFTER") else KEEP),
        hints=hints_setting(module.HINTS, where) if hasattr(module, "HINTS") else KEEP)


_COURSES: dict[str, Course] | None = None


def all_courses() -> dict[str, Course]:
    """Every course file of this folder, by id (sorted)."""
    global _COURSES
    if _COURSES is None:
        import pynn.lab
        known = pynn.lab.all_exercises()
        found = [from_module(importlib.import_module(f"{__name__}.{info.name}"), known)
                 for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]
        _COURSES = {course.id: course for course in sorted(found, key=lambda c: c.id)}
    return _COURSES


def get_course(course_id: str | None) -> Course | None:
    """The course ``course_id`` (None: no course), or ``ValueError`` listing the courses."""
    if course_id is None:
        return None
    courses = all_courses()
    if course_id not in courses:
        raise ValueError(f"no course {course_id!r}: the courses are {', '.join(courses) or 'none'}")
    return courses[course_id]


def exercises_of(course: Course | None) -> list:
    """The exercises a class gets: the course's, in its order, or all of them."""
    import pynn.lab
    exercises = pynn.lab.all_exercises()
    if course is None:
        return list(exercises.values())
    return [exercises[exercise_id] for exercise_id in course.exercises]
