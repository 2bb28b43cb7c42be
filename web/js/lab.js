// lab.js: the lab view, the assignment as a course. A map of the exercises with their states
// (lab-map.js), the statement with its formulas (lab-statement.js), the editor, Check, the
// results with the root cause first and hints in stages (lab-results.js), Next after a pass;
// the learner's code, passes and place are kept in this browser (lab-progress.js), so a
// reload goes on where they were. Checks run in the lab's own worker (lab-runner.js); once a
// layer passes, "Train with my layers" (on every exercise) hands the code of each passing
// layer to the studio, whose run main.js shows in the lab too (lab-training.js); "Run the assignment"
// (lab-assignment.js) runs the notebook's loop with the learner's parts; "Download my
// assignment" gets their files back as a notebook. No maths here: the checks, their words,
// the courses and the notebook are pynn's. On a phone the statement, code and results are
// tabs (lab-tabs.js).

import { $ } from "./dom.js";
import { AssignmentPanel } from "./lab-assignment.js";
import { readText, saveText } from "./lab-files.js";
import { AssignmentMap } from "./lab-map.js";
import { Progress, storeCourse } from "./lab-progress.js";
import { ResultsView, summary } from "./lab-results.js";
import { LabRunner, LabStopped } from "./lab-runner.js";
import { loadTex, showShapes, showStatement } from "./lab-statement.js";
import { LabTabs } from "./lab-tabs.js";

const EDITOR_URL = new URL("../vendor/codemirror/editor.js", import.meta.url).href;
const PHONE = "(max-width: 700px)";
const EXPORTS = { notebook: "application/x-ipynb+json", python: "text/x-python" };

// "ReLU, Dense and Conv2D": the exercises' titles as a list in words.
function listed(exercises, word) {
  const titles = exercises.map((exercise) => exercise.title);
  return titles.length < 2 ? titles.join("") : `${titles.slice(0, -1).join(", ")} ${word} ${titles.at(-1)}`;
}

export class Lab {
  // onTrain(layers): layers is [{exercise, code}] of every trainable exercise that passed.
  // course: the course to open (a `#lab=<course>` link), or null for the full assignment.
  constructor({ onTrain, course = null }) {
    this.onTrain = onTrain;
    this.course = course;
    this.exercises = new Map();
    this.order = [];           // the exercises of the course, in its order
    this.progress = new Progress(this.exercises);
    this.current = null;
    this.editor = null;
    this.runner = null;
    this.assignment = null;    // the assignment's run (lab-assignment.js), once the exercises are known
    this.checking = false;
    this.training = false;     // "Train with my layers" is handing the layers to the studio
    this.loading = false;      // the editor is being filled by the lab, not typed in
    this.runs = 0;
    this.maxCodeChars = Infinity;   // pynn's limit, from the exercises answer
    this.opened = null;        // Promise of the first opening (editor + worker + exercise list)
    this.map = new AssignmentMap($("lab-map"), { onPick: (id) => this.go(id) });
    this.tabs = new LabTabs($("lab-tabs"), PHONE);
    const on = (id, handler) => $(id).addEventListener("click", handler);
    on("lab-check", () => this.check());
    on("lab-stop", () => this.runner?.stop());
    on("lab-reset", () => this.resetToStarter());
    on("lab-download", () => saveText(this.editor.text, `${this.current.id}.py`, EXPORTS.python));
    on("lab-train", () => this.train());
    on("lab-next", () => this.go(this.nextExercise().id));
    on("lab-start-over", () => this.startOver());
    on("lab-full-assignment", () => this.openCourse(null));
    on("lab-export", () => this.exportAssignment("notebook"));
    on("lab-export-py", () => this.exportAssignment("python"));
    $("lab-upload").addEventListener("change", (event) => this.upload(event.target));
  }

  open() {
    if (!this.opened) this.opened = this.setUp();
    return this.opened;
  }

  async setUp() {
    this.setStatus("Starting Python for the lab…");
    this.runner = new LabRunner(new URL("./worker/lab-worker.js", import.meta.url), {
      onState: (state, message) => this.runnerState(state, message),
    });
    const [{ createEditor }, { renderTex }] = await Promise.all([import(EDITOR_URL), loadTex()]);
    this.renderTex = renderTex;
    this.results = new ResultsView($("lab-results"), { renderTex });
    this.editor = createEditor($("lab-editor"), {
      label: "Your Python code", onChange: (text) => this.edited(text),
    });
    await this.openCourse(this.course);
  }

  // The exercises of `course` (null: the full assignment), at the one the learner was on.
  async openCourse(course) {
    let listed;
    try {
      listed = await this.runner.request("exercises", { course });
    } catch (error) {
      if (course === null) throw error;
      this.current = null;
      this.order = [];
      this.map.show([], {});
      $("lab-course").textContent = "";
      $("lab-course-note").hidden = true;
      $("lab-full-assignment").hidden = false;
      this.setStatus(`${error.message}. Open the full assignment instead?`);
      this.updateButtons();
      return;
    }
    this.course = listed.course ? listed.course.id : null;
    storeCourse(this.course);
    this.maxCodeChars = listed.max_code_chars;
    this.exercises.clear();
    for (const exercise of listed.exercises) this.exercises.set(exercise.id, exercise);
    this.order = listed.exercises;
    $("lab-course").textContent = listed.course
      ? `Course: ${listed.course.title}` : `The full assignment: ${listed.exercises.length} exercises`;
    $("lab-course-note").textContent = listed.course?.note ?? "";
    $("lab-course-note").hidden = !listed.course?.note;
    $("lab-full-assignment").hidden = this.course === null;
    this.assignment ??= new AssignmentPanel({
      about: listed.assignment,
      takeWorker: () => this.runner.takeWorker(),
      files: () => this.assignmentFiles(listed.assignment.parts),
      passed: (id) => this.progress.passedNow(id),
    });
    const place = this.progress.place(this.course);
    this.show(this.exercises.has(place) ? place : this.order[0].id);
  }

  // The learner's file of each exercise the assignment's loop takes a part from (the ones
  // they have written: an untouched starter is not theirs yet).
  assignmentFiles(parts) {
    const ids = [...new Set(parts.map((part) => part.exercise))];
    return ids.filter((id) => this.progress.written(id) !== null)
      .map((id) => ({ exercise: id, code: this.progress.written(id) }));
  }

  // Go to an exercise from the map or Next: on a phone, its statement first.
  go(id) {
    this.show(id);
    this.tabs.select("statement");
    $("lab-title").focus();
  }

  show(id) {
    const exercise = this.exercises.get(id);
    this.current = exercise;
    this.progress.setPlace(this.course, id);
    $("lab-title").textContent = exercise.title;
    showStatement($("lab-statement"), exercise.statement, this.renderTex);
    showShapes($("lab-shapes"), exercise.shapes);
    this.loading = true;
    this.editor.text = this.progress.code(id);
    this.loading = false;
    this.showLastReport();
    this.updateButtons();
  }

  // The exercise's last check, as it was: its results and a status line that says when it
  // was (never, or before the code changed).
  showLastReport() {
    const { id } = this.current;
    const report = this.progress.lastReport(id);
    this.showResults(report ? report.results : []);
    if (!report) this.setStatus(`Not checked yet: write your ${this.current.title}, then press Check.`);
    else if (report.code !== this.editor.text) this.setStatus(`Changed since the last check (${summary(report).slice(0, -1)}): press Check.`);
    else this.setStatus(summary(report));
  }

  showResults(results) {
    const exercise = this.current;
    const failures = this.progress.failures(exercise.id);
    this.results.show(results, {
      solutionOffered: exercise.solution_after != null && failures >= exercise.solution_after,
      askSolution: () => this.askSolution(exercise, failures),
    });
    this.showMap();
  }

  async askSolution(exercise, failures) {
    try {
      const answer = await this.runner.request("solution", { exercise: exercise.id, course: this.course, failures });
      return answer.solution;
    } catch (error) {
      this.setStatus(`Could not get the solution: ${error.message}`);
      return null;
    }
  }

  showMap() {
    this.map.show(this.order, { current: this.current?.id, stateOf: (id) => this.progress.state(id) });
  }

  nextExercise() {
    return this.order[this.order.indexOf(this.current) + 1] ?? null;
  }

  edited(text) {
    if (this.loading || this.current === null) return;
    const before = this.progress.state(this.current.id);
    this.progress.setCode(this.current.id, text);
    if (this.progress.state(this.current.id) !== before) this.showMap();
    this.updateButtons();
  }

  updateButtons() {
    const ready = this.runner?.state === "ready" && this.current !== null;
    $("lab-check").disabled = !ready || this.checking;
    $("lab-stop").disabled = !this.checking;
    for (const id of ["lab-export", "lab-export-py"]) $(id).disabled = !ready || this.checking;
    for (const id of ["lab-reset", "lab-download", "lab-start-over"]) $(id).disabled = this.current === null;
    const next = this.current && this.progress.passedNow(this.current.id) ? this.nextExercise() : null;
    $("lab-next").hidden = next === null;
    if (next) $("lab-next").textContent = `Next: ${next.title} →`;
    this.assignment?.update({ checking: this.checking });
    this.updateTrain();
  }

  // "Train with my layers", from any exercise: the layers of every trainable exercise whose
  // code passes now are the learner's; the others stay pynn's.
  updateTrain() {
    const layers = [...this.exercises.values()].filter((exercise) => exercise.trainable);
    const yours = layers.filter((exercise) => this.progress.passedNow(exercise.id));
    const pynns = layers.filter((exercise) => !yours.includes(exercise));
    $("lab-train").disabled = this.training || yours.length === 0;
    let note = "This course has no layer the studio trains with.";
    if (yours.length > 0) {
      note = `Trains the studio's network with your ${listed(yours, "and")}`
        + (pynns.length ? `; pynn's ${listed(pynns, "and")} until yours pass${pynns.length === 1 ? "es" : ""}.` : ".");
    } else if (layers.length > 0) {
      note = `Pass the checks of your ${listed(layers, "or")} first: then the studio's network trains with your layers.`;
    }
    $("lab-train-note").textContent = note;
  }

  trainableLayers() {
    return [...this.exercises.values()]
      .filter((exercise) => exercise.trainable && this.progress.passedNow(exercise.id))
      .map((exercise) => ({ exercise: exercise.id, code: this.progress.code(exercise.id) }));
  }

  runnerState(state, message) {
    // After a check, a fresh Python boots in the background (lab-runner.js): the results'
    // status stays in view; only the first start is announced.
    const quiet = this.runs > 0 || this.checking || this.current !== null;
    if (state === "booting" && !quiet) this.setStatus("Starting Python for the lab…");
    else if (state === "ready" && !quiet) this.setStatus("Ready: write your code, then press Check.");
    else if (state === "failed") this.setStatus(message);
    this.updateButtons();
  }

  setStatus(message) {
    $("lab-status").textContent = message;
  }

  async check() {
    const exercise = this.current;
    const code = this.editor.text;
    this.editor.closePopups();
    this.checking = true;
    this.updateButtons();
    this.setStatus(`Checking your ${exercise.title}…`);
    $("lab-results").setAttribute("aria-busy", "true");
    try {
      const report = await this.runner.request("check", { exercise: exercise.id, code });
      this.progress.recordCheck(exercise.id, code, report);
      if (this.current === exercise) this.showLastReport();
    } catch (error) {
      const results = [{ name: "the check run", passed: false, detail: error.message, hints: [], where: null, cause: null }];
      this.progress.recordTry(exercise.id, code, results);
      if (this.current === exercise) {
        this.showResults(results);
        this.setStatus(error instanceof LabStopped ? error.message : `The checks could not run: ${error.message}`);
      }
    } finally {
      this.checking = false;
      this.runs += 1;
      $("lab-results").dataset.runs = String(this.runs);   // a finished check run, for tests
      $("lab-results").removeAttribute("aria-busy");
      this.updateButtons();
      this.tabs.select("results");
      const next = $("lab-next");
      (next.hidden ? $("lab-check") : next).focus();
    }
  }

  resetToStarter() {
    if (!window.confirm(`Replace your ${this.current.title} code with the starter code?`)) return;
    this.progress.setCode(this.current.id, null);
    this.progress.forgetPass(this.current.id);
    this.show(this.current.id);
  }

  startOver() {
    const what = this.course ? "this course" : "the assignment";
    if (!window.confirm(`Start over: forget your code, checks and progress in every exercise of ${what}?`)) return;
    this.progress.clear(this.order.map((exercise) => exercise.id), this.course);
    this.go(this.order[0].id);
  }

  async upload(input) {
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    const text = await readText(file, this.maxCodeChars);
    if (text === null) {
      this.setStatus(`${file.name} is longer than ${this.maxCodeChars.toLocaleString("en")} characters: not a layer file?`);
      return;
    }
    const { id, title, starter } = this.current;
    if (this.editor.text !== starter && !window.confirm(`Replace your ${title} code with ${file.name}?`)) return;
    this.progress.setCode(id, text);
    this.show(id);
    this.tabs.select("code");
    this.setStatus(`Loaded ${file.name}: press Check.`);
  }

  // "Download my assignment": every exercise of the course the learner has written, as
  // pynn makes it into a notebook (or a .py), with pynn's file names.
  async exportAssignment(kind) {
    const files = this.order.filter((exercise) => this.progress.written(exercise.id) !== null)
      .map((exercise) => ({ exercise: exercise.id, code: this.progress.written(exercise.id) }));
    try {
      const answer = await this.runner.request("export", { files, course: this.course });
      saveText(answer[kind], answer.names[kind], EXPORTS[kind]);
    } catch (error) {
      this.setStatus(`Could not make your assignment's file: ${error.message}`);
    }
  }

  // The studio's network with the learner's layers, trained at once; the lab stays in view
  // and shows the run (lab-training.js).
  async train() {
    const layers = this.trainableLayers();
    this.training = true;
    this.updateTrain();
    try {
      await this.onTrain(layers);
    } catch (error) {
      this.setStatus(`Could not train with your layers: ${error.message}`);
    } finally {
      this.training = false;
      this.updateTrain();
    }
  }
}
