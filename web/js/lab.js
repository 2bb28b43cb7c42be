// lab.js: the lab view. A learner picks an exercise, writes Python in the editor, and runs
// pynn.lab's checks in the lab's own worker (lab-runner.js); once a layer passes, "Train with
// my layers" hands its code to the studio; "Run the assignment" (lab-assignment.js) runs the
// notebook's training loop with the learner's parts beside pynn's reference run. No maths here: the checks and their words are
// pynn's. Code, passes and failed attempts are kept per exercise in localStorage.

import { $ } from "./dom.js";
import { AssignmentPanel } from "./lab-assignment.js";
import { LabRunner, LabStopped } from "./lab-runner.js";

const KEY = (what, id) => `pynn-lab:${what}:${id}`;
const EDITOR_URL = new URL("../vendor/codemirror/editor.js", import.meta.url).href;

function stored(what, id) {
  try {
    return localStorage.getItem(KEY(what, id));
  } catch {
    return null;   // storage disabled: the lab still works, it only forgets
  }
}

function store(what, id, value) {
  try {
    if (value === null) localStorage.removeItem(KEY(what, id));
    else localStorage.setItem(KEY(what, id), value);
  } catch {
    /* storage full or disabled: keep working */
  }
}

export class Lab {
  // onTrain(layers): layers is [{exercise, code}] of every trainable exercise that passed.
  constructor({ onTrain }) {
    this.onTrain = onTrain;
    this.exercises = new Map();
    this.current = null;
    this.editor = null;
    this.runner = null;
    this.assignment = null;   // the assignment's run (lab-assignment.js), once the exercises are known
    this.checking = false;
    this.runs = 0;
    this.maxCodeChars = Infinity;   // pynn's limit, from the exercises answer
    this.opened = null;   // Promise of the first opening (editor + worker + exercise list)
    $("lab-exercise").addEventListener("change", () => this.show($("lab-exercise").value));
    $("lab-check").addEventListener("click", () => this.check());
    $("lab-stop").addEventListener("click", () => this.runner?.stop());
    $("lab-reset").addEventListener("click", () => this.resetToStarter());
    $("lab-download").addEventListener("click", () => this.download());
    $("lab-upload").addEventListener("change", (event) => this.upload(event.target));
    $("lab-train").addEventListener("click", () => this.train());
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
    const [{ createEditor }, listed] = await Promise.all([
      import(EDITOR_URL), this.runner.request("exercises")]);
    this.maxCodeChars = listed.max_code_chars;
    for (const exercise of listed.exercises) this.exercises.set(exercise.id, exercise);
    $("lab-exercise").replaceChildren(...listed.exercises.map(
      (exercise, i) => new Option(`${i + 1}. ${exercise.title}`, exercise.id)));
    this.editor = createEditor($("lab-editor"), {
      label: "Your Python code", onChange: (text) => this.edited(text),
    });
    this.assignment = new AssignmentPanel({
      about: listed.assignment,
      takeWorker: () => this.runner.takeWorker(),
      files: () => this.assignmentFiles(listed.assignment.parts),
      passed: (id) => this.passedNow(id),
    });
    this.show(listed.exercises[0].id);
  }

  // The learner's file of each exercise the assignment's loop takes a part from (the ones
  // they have written: an untouched starter is not theirs yet).
  assignmentFiles(parts) {
    const ids = [...new Set(parts.map((part) => part.exercise))];
    return ids.filter((id) => stored("code", id) !== null)
      .map((id) => ({ exercise: id, code: stored("code", id) }));
  }

  show(id) {
    this.current = this.exercises.get(id);
    $("lab-exercise").value = id;
    $("lab-title").textContent = this.current.title;
    $("lab-statement").textContent = this.current.statement;
    this.editor.text = stored("code", id) ?? this.current.starter;
    this.renderResults([]);
    $("lab-solution").hidden = true;
    this.updateButtons();
  }

  edited(text) {
    store("code", this.current.id, text);
    this.updateButtons();
  }

  passedNow(id) {
    const passed = stored("passed", id);
    return passed !== null && passed === (stored("code", id) ?? this.exercises.get(id)?.starter);
  }

  updateButtons() {
    const ready = this.runner?.state === "ready" && this.current !== null;
    $("lab-check").disabled = !ready || this.checking;
    $("lab-stop").disabled = !this.checking;
    this.assignment?.update({ checking: this.checking });
    const trainable = this.trainableLayers();
    const here = this.current?.trainable && this.passedNow(this.current.id);
    $("lab-train").disabled = !here || trainable.length === 0;
    $("lab-train-note").textContent = here
      ? `Trains the studio's network with your ${trainable.map((l) => this.exercises.get(l.exercise).title).join(" and ")}.`
      : this.current?.trainable ? "Pass every check to train the studio's network with your layer."
        : "This exercise is not a layer the studio trains with.";
  }

  trainableLayers() {
    return [...this.exercises.values()]
      .filter((exercise) => exercise.trainable && this.passedNow(exercise.id))
      .map((exercise) => ({ exercise: exercise.id, code: stored("code", exercise.id) ?? exercise.starter }));
  }

  runnerState(state, message) {
    // After a check, a fresh Python boots in the background (lab-runner.js): the results'
    // status stays in view; only the first start is announced.
    const quiet = this.runs > 0 || this.checking;
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
    this.checking = true;
    this.updateButtons();
    this.setStatus(`Checking your ${exercise.title}…`);
    $("lab-results").setAttribute("aria-busy", "true");
    try {
      const report = await this.runner.request("check", { exercise: exercise.id, code });
      this.renderResults(report.results);
      store("passed", exercise.id, report.passed ? code : null);
      const failures = report.passed ? 0 : Number(stored("fails", exercise.id) || 0) + 1;
      store("fails", exercise.id, String(failures));
      const n = report.results.filter((r) => r.passed).length;
      this.setStatus(report.passed ? `All ${n} checks passed.` : `${n} of ${report.results.length} checks passed.`);
      if (failures >= exercise.show_solution_after) await this.offerSolution(exercise);
    } catch (error) {
      this.renderResults([{ name: "the check run", passed: false, detail: error.message, hint: "" }]);
      this.setStatus(error instanceof LabStopped ? error.message : `The checks could not run: ${error.message}`);
    } finally {
      this.checking = false;
      this.runs += 1;
      $("lab-results").dataset.runs = String(this.runs);   // a finished check run, for tests
      $("lab-results").removeAttribute("aria-busy");
      this.updateButtons();
      $("lab-check").focus();
    }
  }

  // Failed checks first (what to fix, with what was measured and what to look at), then one
  // line per passed check; each group in the checks' own order.
  renderResults(results) {
    const ordered = [...results.filter((r) => !r.passed), ...results.filter((r) => r.passed)];
    $("lab-results").replaceChildren(...ordered.map((result) => {
      const item = document.createElement("li");
      item.dataset.status = result.passed ? "pass" : "fail";
      const head = document.createElement("span");
      head.className = "lab-result-name";
      head.textContent = `${result.passed ? "✓" : "✗"} ${result.name}`;
      item.append(head);
      if (result.detail) {
        const detail = document.createElement(result.passed ? "span" : "pre");
        detail.className = "lab-result-detail";
        detail.textContent = result.passed ? ` — ${result.detail}` : result.detail;
        item.append(detail);
      }
      if (!result.passed && result.hint) {
        const hint = document.createElement("p");
        hint.className = "lab-hint";
        hint.textContent = `Look at: ${result.hint}`;
        item.append(hint);
      }
      return item;
    }));
  }

  async offerSolution(exercise) {
    const { solution } = await this.runner.request("solution", { exercise: exercise.id });
    if (!solution || this.current !== exercise) return;
    $("lab-solution-code").textContent = solution.trim();
    $("lab-solution").hidden = false;
  }

  resetToStarter() {
    if (!window.confirm(`Replace your ${this.current.title} code with the starter code?`)) return;
    this.editor.text = this.current.starter;
    store("passed", this.current.id, null);
    this.renderResults([]);
    this.updateButtons();
  }

  download() {
    const blob = new Blob([this.editor.text], { type: "text/x-python" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${this.current.id}.py`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  async upload(input) {
    const file = input.files[0];
    input.value = "";
    if (!file) return;
    const text = file.size > 4 * this.maxCodeChars ? null : await file.text();   // (UTF-8: ≤ 4 bytes a character)
    if (text === null || text.length > this.maxCodeChars) {
      this.setStatus(`${file.name} is longer than ${this.maxCodeChars.toLocaleString("en")} characters: not a layer file?`);
      return;
    }
    this.editor.text = text;
    this.setStatus(`Loaded ${file.name}: press Check.`);
  }

  async train() {
    const layers = this.trainableLayers();
    $("lab-train").disabled = true;
    try {
      await this.onTrain(layers);
    } catch (error) {
      this.setStatus(`Could not train with your layers: ${error.message}`);
    } finally {
      this.updateButtons();
    }
  }
}
