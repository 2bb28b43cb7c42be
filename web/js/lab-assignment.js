// lab-assignment.js: "Run the assignment" in the lab. The notebook's training loop runs with
// the learner's parts (each from its exercise's file, where it passes its checks; pynn's
// otherwise, and the model line says why), beside pynn's reference run of the same recipe
// and seed, epoch by epoch, with charts (lab-assignment-charts.js) and a verdict at the end,
// with the learner's network on the validation digits (lab-assignment-report.js; also on Stop
// after an epoch).
//
// Learner code is a guest: the run takes a fresh lab worker for itself (LabRunner's
// takeWorker), asks it for one short slice after another (Python's `slice_ms`), and
// terminates it when the run ends or Stop is pressed — at once, whatever it is running. The
// 10 s limit holds for each slice, not for the run. The studio's worker is not involved: its
// network is untouched and it goes on predicting drawings. Every figure and sentence about
// the run comes from Python (pynn.lab.assignment_slices); this file only shows them.

import { $ } from "./dom.js";
import { AssignmentCharts } from "./lab-assignment-charts.js";
import { AssignmentReport } from "./lab-assignment-report.js";
import { LabStopped, TIME_LIMIT_MS } from "./lab-runner.js";

export class AssignmentPanel {
  // about: the `exercises` answer's `assignment` ({recipe, epochs, max_epochs, parts});
  // takeWorker(): a fresh RunWorker; files(): [{exercise, code}] of the learner's files;
  // passed(exercise): whether that exercise's current code passed its checks.
  constructor({ about, takeWorker, files, passed }) {
    this.about = about;
    this.takeWorker = takeWorker;
    this.files = files;
    this.passed = passed;
    this.runner = null;      // the RunWorker of the run in progress
    this.checking = false;   // a check is running (lab.js says so)
    this.stopping = false;
    this.charts = new AssignmentCharts($("lab-run-accuracy"), $("lab-run-loss"));
    this.report = new AssignmentReport({ box: $("lab-run-report"), summary: $("lab-run-report-summary"),
                                         table: $("lab-run-confusion"), mistakes: $("lab-run-mistakes") });
    this.lastReport = null;  // Python's report of the learner's latest epoch
    const epochs = $("lab-run-epochs");
    epochs.max = String(about.max_epochs);
    epochs.value = String(about.epochs);
    $("lab-run").addEventListener("click", () => this.run());
    $("lab-run-stop").addEventListener("click", () => this.stop());
    this.setState("idle");
    this.update();
  }

  get running() {
    return this.runner !== null;
  }

  // The note under the button: the recipe, and which parts are pynn's for now. The run
  // waits while a check runs (it takes the check's fresh worker).
  update({ checking = this.checking } = {}) {
    this.checking = checking;
    const pending = this.about.parts.filter((part) => !this.passed(part.exercise));
    const still = pending.length
      ? ` Not passed here yet (the run checks your file again; a part that does not pass is pynn's): ${
        pending.map((part) => part.name).join(", ")}.`
      : " Every part has passed its checks: all of it is yours.";
    $("lab-run-note").textContent = `The notebook's network and recipe: ${this.about.recipe}. `
      + `pynn's own run of the same recipe and seed is drawn faintly behind yours.${still}`;
    $("lab-run").disabled = this.running || this.checking;
    $("lab-run-stop").disabled = !this.running;
    $("lab-run-epochs").disabled = this.running;
  }

  setState(state, message) {
    $("lab-run-status").dataset.state = state;
    if (message !== undefined) $("lab-run-status").textContent = message;
  }

  async run() {
    const epochs = Number($("lab-run-epochs").value);
    if (!$("lab-run-epochs").checkValidity() || !Number.isInteger(epochs)) {
      this.setState("idle", `Epochs: a whole number from 1 to ${this.about.max_epochs}.`);
      return;
    }
    this.stopping = false;
    this.charts.clear();
    this.report.clear();
    this.lastReport = null;
    $("lab-run-verdict").textContent = "";
    $("lab-run-model").textContent = "";
    $("lab-run-why").replaceChildren();
    this.setState("starting", "Starting a Python of its own for the run…");
    this.progress = { batch: null, epoch: {}, epochs };
    try {
      this.runner = await this.takeWorker();
      this.update();
      if (this.stopping) throw new LabStopped("Stopped.");
      this.setState("starting", "Checking your parts and loading the digits…");
      const start = await this.runner.request("assignment_start", { files: this.files(), epochs },
                                              { timeLimitMs: TIME_LIMIT_MS * this.about.parts.length });
      this.showParts(start);
      this.setState("running", `Epoch 1 of ${epochs}…`);
      for (;;) {
        const answer = await this.runner.request("assignment_slice", { budget_ms: start.slice_ms });
        this.charts.add(answer.events);
        this.showProgress(answer.events, start);
        if (answer.report) this.lastReport = answer.report;
        if (answer.error) {
          this.setState("failed", answer.error);
          break;
        }
        if (answer.done) {
          $("lab-run-verdict").textContent = answer.verdict.text;
          $("lab-run-verdict").dataset.points = String(answer.verdict.points);
          if (this.lastReport) this.report.show(this.lastReport);
          this.setState("done", `Done: ${start.epochs} epoch${start.epochs === 1 ? "" : "s"}.`);
          break;
        }
      }
    } catch (error) {
      if (error instanceof LabStopped) {
        this.setState("stopped", this.stoppedMessage(error));
        if (this.lastReport) this.report.show(this.lastReport, { stopped: true });   // after an epoch
      }
      else this.setState("failed", `The run could not go on: ${error.message}`);
    } finally {
      this.runner?.close();
      this.runner = null;
      this.update();
    }
  }

  stop() {
    this.stopping = true;
    this.runner?.close(new LabStopped("Stopped."));
  }

  stoppedMessage(error) {
    const at = this.progress.batch;
    const where = at ? ` at epoch ${at.epoch} of ${this.progress.epochs}, batch ${at.batch} of ${at.n_batches}` : "";
    return this.stopping ? `Stopped${where}.` : `${error.message}${where ? ` (${where.trim()})` : ""}`;
  }

  showParts({ parts }) {
    $("lab-run-model").textContent = `The model: ${parts.model_line}.`;
    $("lab-run-why").replaceChildren(...Object.entries(parts.why_not).map(([name, why]) => {
      const item = document.createElement("li");
      item.textContent = `pynn's ${name}: ${why}`;
      return item;
    }));
  }

  // The progress line: the learner's run's latest batch, and the last epoch of both runs.
  showProgress(events, { epochs }) {
    for (const event of events) {
      if (event.type === "epoch") this.progress.epoch[event.whose] = event;
      else if (event.whose === "yours") this.progress.batch = event;
    }
    const { batch, epoch } = this.progress;
    if (!batch) return;
    const percent = (event) => `${(event.val_accuracy * 100).toFixed(1)}%`;
    let line = `Epoch ${batch.epoch} of ${epochs}, batch ${batch.batch} of ${batch.n_batches}.`;
    if (epoch.yours) {
      const reference = epoch["pynn's"]?.epoch === epoch.yours.epoch ? `, pynn's ${percent(epoch["pynn's"])}` : "";
      line += ` After epoch ${epoch.yours.epoch}: validation accuracy ${percent(epoch.yours)}${reference}.`;
    }
    this.setState("running", line);
  }
}
