// lab-progress.js: what the lab remembers in this browser (localStorage), per exercise: the
// learner's code, the code that last passed, how many check runs failed, and the last check's
// report; per course (or the full assignment): the exercise the learner was on. Storage that
// is disabled or full only makes the lab forget; it keeps working.
//
// An exercise's state in the assignment's map:
//   "passed"      its current code passed its checks,
//   "failing"     it was checked and its current code has not passed (yet),
//   "not started" never checked.

const PREFIX = "pynn-lab:";
const KEY = (what, id) => `${PREFIX}${what}:${id}`;
const PER_EXERCISE = ["code", "passed", "fails", "report"];
export const STATE_WORDS = { passed: "passed", failing: "not passing yet", "not started": "not started" };

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* storage full or disabled: keep working */
  }
}

export class Progress {
  // exercises: Map id → exercise (Python's, with its starter).
  constructor(exercises) {
    this.exercises = exercises;
  }

  // The learner's code, or null if they never changed the starter.
  written(id) {
    return read(KEY("code", id));
  }

  code(id) {
    return this.written(id) ?? this.exercises.get(id).starter;
  }

  setCode(id, text) {
    write(KEY("code", id), text);
  }

  failures(id) {
    return Number(read(KEY("fails", id)) || 0);
  }

  passedNow(id) {
    const passed = read(KEY("passed", id));
    return passed !== null && this.exercises.has(id) && passed === this.code(id);
  }

  // The last check of this exercise: {code, passed, results}, or null if never checked.
  lastReport(id) {
    try {
      return JSON.parse(read(KEY("report", id)));
    } catch {
      return null;
    }
  }

  state(id) {
    if (this.passedNow(id)) return "passed";
    return this.lastReport(id) ? "failing" : "not started";
  }

  // A check run finished: its report, and the failed runs so far (back to 0 once it passes).
  recordCheck(id, code, report) {
    write(KEY("passed", id), report.passed ? code : null);
    write(KEY("fails", id), String(report.passed ? 0 : this.failures(id) + 1));
    write(KEY("report", id), JSON.stringify({ code, passed: report.passed, results: report.results }));
  }

  // A check that could not run (stopped, timed out): the exercise was tried, nothing passed.
  recordTry(id, code, results) {
    write(KEY("passed", id), null);
    write(KEY("report", id), JSON.stringify({ code, passed: false, results }));
  }

  forgetPass(id) {
    write(KEY("passed", id), null);
  }

  // The exercise the learner was on, for a course (null: the full assignment).
  place(course) {
    return read(KEY("at", course ?? "*"));
  }

  setPlace(course, id) {
    write(KEY("at", course ?? "*"), id);
  }

  // Start over: forget the code, passes, failures and reports of these exercises, and where
  // the learner was.
  clear(ids, course) {
    for (const id of ids) for (const what of PER_EXERCISE) write(KEY(what, id), null);
    write(KEY("at", course ?? "*"), null);
  }
}

// The course the lab opened last (a `#lab=<course>` link), so a reload stays on it; null: the
// full assignment.
export function storedCourse() {
  return read(`${PREFIX}course`);
}

export function storeCourse(course) {
  write(`${PREFIX}course`, course);
}
