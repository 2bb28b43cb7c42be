// lab-training.js: the lab's view of a run with the learner's layers ("Train with my
// layers"), so that the lab stays in view while it trains: the run's state, its progress,
// speed and time left with Python's words on why the learner's layers are slower than pynn's
// (model.learner_speed), the last epoch's figures and small accuracy and loss charts, with
// Pause/Resume, Stop and a way to the studio's own charts. It is the studio's run, seen from
// the lab: training.js hands it the run's events (the same ones the studio's panel gets) and
// its commands; the widgets are the studio's (charts.js, readouts.js). It follows every run
// of a network with the learner's layers, wherever it was started.

import { Charts } from "./charts.js";
import { $, scrollTo } from "./dom.js";
import { Readouts } from "./readouts.js";

export class LabTraining {
  // run: {togglePause(event), stop()} (training.js); yours(): whether the studio's network
  // has the learner's layers; seeStudio(): shows the studio's Train panel.
  constructor({ run, yours, seeStudio }) {
    Object.assign(this, { run, yours });
    this.panel = $("lab-training");
    this.following = false;    // the run under way is one of a network with the learner's layers
    this.charts = null;        // built when the panel first shows (uPlot needs its size)
    this.readouts = new Readouts({
      epochProgress: $("lab-training-epoch-progress"), runProgress: $("lab-training-run-progress"),
      epochDetail: $("lab-training-epoch-detail"), runDetail: $("lab-training-run-detail"),
      speed: $("lab-training-speed"), eta: $("lab-training-eta"), epochCounter: $("lab-training-epochs"),
      trainLabel: $("lab-training-train-label"), caption: $("lab-training-caption"),
      figures: {
        trainAccuracy: $("lab-training-train-accuracy"), trainLoss: $("lab-training-train-loss"),
        valAccuracy: $("lab-training-val-accuracy"), valLoss: $("lab-training-val-loss"),
      },
    });
    $("lab-training-pause").addEventListener("click", (event) => this.run.togglePause(event));
    $("lab-training-stop").addEventListener("click", () => this.run.stop());
    $("lab-training-studio").addEventListener("click", seeStudio);
    this.setState("idle");
  }

  // A network with the learner's layers: its figures start afresh; model: the studio's
  // model_info (learner_speed: Python's figure and words, or null).
  begin(model) {
    this.panel.hidden = false;
    this.charts ??= new Charts($("lab-training-accuracy"), $("lab-training-loss"));
    this.charts.clear();
    this.readouts.clear();
    this.readouts.epochsDone(model.epochs_done);
    $("lab-training-model").textContent = model.summary;
    $("lab-training-why").textContent = model.learner_speed?.words ?? "";
    $("lab-training-why").hidden = !model.learner_speed;
    scrollTo(this.panel, "nearest");
  }

  // -- the run's events (training.js) --------------------------------------------------------
  training({ state, reason, words }) {
    if (reason === "started" || reason === "step") this.following = this.charts !== null && this.yours();
    if (!this.following) return;
    this.setState(state);
    if (words) $("lab-training-status").textContent = words;
    if (state === "idle") {
      this.readouts.clearEta();
      this.following = false;
    }
  }

  progress(event) {
    if (!this.following) return;
    this.charts.addBatches(event);
    this.readouts.progress(event);
  }

  untrained(event) {
    if (!this.following) return;
    this.charts.addStart(event);
    this.readouts.epoch({ ...event, loss: null, accuracy: null }, "Before training");
  }

  epoch(event) {
    if (!this.following) return;
    this.charts.addEpoch(event);
    this.readouts.epoch(event);
    this.readouts.epochsDone(event.epoch);
  }

  setState(state) {
    const badge = $("lab-training-state");
    badge.dataset.state = state;
    badge.textContent = state === "running" ? "training" : state;
    const active = this.following && state !== "idle";
    $("lab-training-pause").disabled = !active;
    $("lab-training-pause").textContent = state === "paused" ? "Resume" : "Pause";
    $("lab-training-pause").setAttribute("aria-pressed", String(state === "paused"));
    $("lab-training-stop").disabled = !active;
  }
}
