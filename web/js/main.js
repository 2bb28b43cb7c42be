// main.js: wiring. Controls -> worker messages -> pynn.bridge -> messages -> widgets.
// This module owns the page's state (ready? training? which buttons apply?) and nothing
// else: drawing, charts, the form, the gallery and the file boxes live in their modules.

import { Charts } from "./charts.js";
import { coalesced } from "./coalesce.js";
import { Controls, readHash } from "./controls.js";
import { followLink, followLinks } from "./links.js";
import { FocusKeeper } from "./focus.js";
import { Gallery } from "./gallery.js";
import { setUpLab } from "./lab-view.js";
import { ModelsAndData } from "./models.js";
import { offerOffline } from "./offline.js";
import { Predictor } from "./predictor.js";
import { Readouts } from "./readouts.js";
import { hideError, setStatus, showError } from "./status.js";
import { worker } from "./boot.js";

const $ = (id) => document.getElementById(id);

const state = {
  ready: false,
  run: "idle",         // "running" | "paused" | "idle" (the worker's training messages)
  formValid: true,
  needsReset: false,
  busy: 0,             // model/data requests in flight
  customData: false,
  model: null,         // the bridge's model_info (summary, layers, epochs_done...)
  applied: "",         // JSON of the settings last applied with set_config
  replacedBy: "",      // what ended the last run by replacing the network or the data
};

// Smooth scrolling unless the person asked the system for reduced motion.
function scrollTo(element, block) {
  const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
  element.scrollIntoView({ block, behavior: reduce ? "auto" : "smooth" });
}

// -- status ------------------------------------------------------------------------------

worker.on("status", ({ phase, progress, message }) => {
  $("load-progress").value = progress;
  if (phase === "ready") {
    start(message);   // says "ready" once the form and buttons can be used
    return;
  }
  $("status").dataset.phase = phase;
  setStatus(phase === "loading" ? `${message} (${Math.round(progress * 100)}%)` : message);
  if (phase === "error") showError(message, "boot");
});

// -- drawing and predicting --------------------------------------------------------------

const predictor = new Predictor({
  pad: $("pad"), clear: $("clear"), list: $("probabilities"), prediction: $("prediction"),
  preview: $("input-preview"), caption: $("confidence"),
}, worker, {
  isReady: () => state.ready,
  onError: (message) => showError(message, "predict"),
  onAnswer: (answer) => gallery.showFeatureMaps(answer),
});
const predict = () => predictor.predict();

// -- settings ----------------------------------------------------------------------------

const controls = new Controls($("settings"), {
  check: (values) => worker.request("check_config", { config: values }),
  onValid: ({ config, needs_reset: needsReset, values }) => {
    state.formValid = true;
    state.needsReset = needsReset;
    $("reset-hint").hidden = !needsReset;
    hideError("form");
    if (!needsReset) applySettings(values, config);
    updateButtons();
  },
  onInvalid: (errors) => {
    state.formValid = false;
    if (errors[""]) showError(errors[""], "form");
    updateButtons();
  },
});

// Live settings (learning rate, optimizer) reach the network at once, even mid-run.
async function applySettings(values, config) {
  const key = JSON.stringify(config);
  if (key === state.applied) return;
  try {
    const answer = await worker.request("set_config", { config: values });
    state.applied = key;
    showModel(answer.model);
  } catch (error) {
    showError(error.message, "form");
  }
}

// -- training ----------------------------------------------------------------------------

const charts = new Charts($("accuracy-chart"), $("loss-chart"));
const readouts = new Readouts({
  epochProgress: $("epoch-progress"), runProgress: $("run-progress"),
  epochDetail: $("epoch-detail"), runDetail: $("run-detail"),
});

worker.on("training", ({ state: runState, reason, message }) => {
  state.run = runState;
  const runStateEl = $("run-state");
  runStateEl.dataset.state = runState;
  runStateEl.textContent = runState === "running" ? "training" : runState;
  controls.setRunActive(runState !== "idle");
  const messages = {
    started: "Training… (you can keep drawing: predictions use the newest weights)",
    resumed: "Training…",
    paused: "Paused. Resume, Step one epoch, or Stop.",
    step: runState === "running" ? "Training one epoch…" : "Paused after one epoch.",
    stopped: "Stopped. The weights stay as trained so far.",
    finished: `Finished the run: this network has now trained ${state.model ? state.model.epochs_done : ""} epochs.`,
    diverged: "Training stopped: the loss diverged.",
    error: "Training stopped by an error.",
    replaced: `Training stopped: replaced by ${message}.`,
  };
  if (messages[reason]) setStatus(messages[reason]);
  state.replacedBy = reason === "replaced" ? message : "";
  if (reason === "diverged" || reason === "error") showError(message, "training");
  if (runState === "idle") {
    readouts.clearEta();
    refreshReport();
    predict();
  }
  updateButtons();
});

worker.on("progress", (p) => {
  charts.addBatches(p);
  readouts.progress(p);
  predictor.refresh();
});

worker.on("epoch", (e) => {   // e.at: where on the network's time line (see charts.js)
  charts.addEpoch(e);
  showModel({ ...state.model, epochs_done: e.epoch });
  readouts.epoch(e);
  refreshReport();
  predict();
});

async function train(kind) {
  hideError("training");
  if (state.run === "idle") {
    const answer = await controls.validate();
    if (!answer || !answer.valid || answer.needs_reset) return;
    await applySettings(answer.values, answer.config);
  }
  try {
    await worker.request(kind);
  } catch (error) {
    showError(error.message, "training");
  }
}

$("train").addEventListener("click", () => train("train"));
$("step").addEventListener("click", () => train("step"));
// Pause and Resume share a button: the second click of a double click would undo the first.
$("pause").addEventListener("click", (event) => {
  if (event.detail > 1) return;
  worker.request(state.run === "running" ? "pause" : "resume").catch((e) => showError(e.message, "training"));
});
$("stop").addEventListener("click", () => worker.request("stop").catch((e) => showError(e.message, "training")));
$("reset").addEventListener("click", () => reset());

async function reset(note = "A fresh network: press Train.") {
  const answer = await controls.validate();
  if (!answer || !answer.valid) return;
  state.busy += 1;
  updateButtons();
  try {
    const model = await worker.request("reset", { config: answer.values });
    modelChanged(model, note);
  } catch (error) {
    showError(error.message, "reset");
  } finally {
    state.busy -= 1;
    updateButtons();
  }
}

// The lab's "Train with my layers": the learner's classes in a fresh network, trained at once.
setUpLab({
  onTrain: async (layers) => {
    hideError();
    state.busy += 1;
    updateButtons();
    try {
      modelChanged(await worker.request("use_lab_layers", { layers }), "Training with your layers…");
    } finally {
      state.busy -= 1;
      updateButtons();
    }
    scrollTo($("train-title"), "start");
    await train("train");
  },
});

// -- model, data and gallery ---------------------------------------------------------------

function showModel(model) {
  state.model = model;
  const hidden = model.layers.filter((l) => l.type === "Dense").slice(0, -1).map((l) => l.output_units);
  const trained = model.epochs_done === 1 ? "1 epoch" : `${model.epochs_done} epochs`;
  const optimizer = `${model.optimizer.type}, learning rate ${model.optimizer.lr}`;
  $("model-summary").textContent = `${model.summary} · ${model.params.toLocaleString("en")} parameters · ${optimizer} · trained ${trained}`;
  $("model-summary").dataset.hidden = hidden.join(",");
  readouts.epochsDone(model.epochs_done);
}

function showData(data) {
  state.customData = data.name !== "bundled MNIST digits";
  $("data-summary").textContent = `${data.name}: ${data.rows.toLocaleString("en")} rows (${data.train.toLocaleString("en")} train / ${data.val.toLocaleString("en")} validation / ${data.test.toLocaleString("en")} test)`;
  $("data-summary").dataset.rows = String(data.rows);
}

// A new network (reset, upload, pretrained): its settings fill the form, its history starts.
function modelChanged(answer, message) {
  showModel(answer.model);
  controls.fill(answer.config);
  state.applied = JSON.stringify(answer.config);
  state.needsReset = false;
  $("reset-hint").hidden = true;
  controls.validate();
  charts.clear();
  readouts.clear();
  setStatus(stoppedNote() + message);
  refreshReport();
  predict();
}

// New data: the network stays, so its charts go on in a new segment; the last epoch's
// train/validation figures were of the old data and go; the test figures follow the report.
async function dataChanged(data, message) {
  showData(data);
  charts.newSegment();
  readouts.clear();
  setStatus(`${stoppedNote()}${message}: ${data.rows.toLocaleString("en")} rows, ${data.val.toLocaleString("en")} kept for validation and ${data.test.toLocaleString("en")} for testing.`);
  await loadTestImages();
}

// "Training stopped. " when the change that is being reported ended a run.
function stoppedNote() {
  const note = state.replacedBy ? "Training stopped. " : "";
  state.replacedBy = "";
  return note;
}

const models = new ModelsAndData({
  download: $("download-model"), pretrained: $("pretrained-model"), pretrainedCnn: $("pretrained-cnn"),
  uploadModel: $("upload-model"),
  uploadCsv: $("upload-csv"), useDigits: $("use-digits"),
}, worker, {
  begin: (message) => {
    hideError();
    state.busy += 1;
    setStatus(message);
    updateButtons();
  },
  end: () => {
    state.busy -= 1;
    updateButtons();
  },
  modelChanged,
  dataChanged,
  fail: (message) => {
    setStatus("Nothing changed.");
    showError(message, "files");
  },
  say: setStatus,
  fileName: () => {
    const hidden = $("model-summary").dataset.hidden || "linear";
    const kind = state.model && state.model.layers.some((l) => l.type === "Conv2D") ? "cnn-" : "";
    return `pynn-${kind}${hidden.replaceAll(",", "-")}-${$("epoch-counter").textContent}ep.npz`;
  },
});

const gallery = new Gallery({
  tabs: [$("tab-digits"), $("tab-confusion"), $("tab-weights")],
  grid: $("digits"), mistakesFirst: $("mistakes-first"), confusion: $("confusion"),
  weights: $("weights"), weightsHelp: $("weights-help"), maps: $("feature-maps"), mapsTitle: $("maps-title"),
  summary: $("gallery-summary"),
  onPick: (ink) => {
    predictor.show(ink);
    scrollTo($("pad"), "nearest");
  },
});

// The test-split report (gallery, confusion, weights, test readouts): one at a time, and
// at most one more queued however many epochs end meanwhile.
const refreshReport = coalesced(async () => {
  if (!state.ready) return;
  try {
    const report = await worker.request("report");
    gallery.setReport(report);
    readouts.test(report);
    hideError("report");
  } catch (error) {
    showError(`Could not evaluate the test split: ${error.message}`, "report");
  }
});

async function loadTestImages() {
  try {
    gallery.setImages(await worker.request("test_images"));
  } catch (error) {
    showError(`Could not show the test digits: ${error.message}`, "report");
  }
  await refreshReport();
}

// -- buttons -------------------------------------------------------------------------------

const focusKeeper = new FocusKeeper(["pause", "train", "step", "stop", "reset"].map($), $("status"));

function updateButtons() {
  focusKeeper.around(setButtons);
}

function setButtons() {
  const { ready, run, formValid, needsReset, busy } = state;
  const canStart = ready && formValid && !needsReset && !busy;
  $("train").disabled = !(canStart && run === "idle");
  $("step").disabled = !(run === "paused" || (canStart && run === "idle"));
  $("pause").disabled = !(ready && run !== "idle");
  $("pause").textContent = run === "paused" ? "Resume" : "Pause";
  $("pause").setAttribute("aria-pressed", String(run === "paused"));
  $("stop").disabled = !(ready && run !== "idle");
  $("reset").disabled = !(ready && formValid && !busy);
  $("clear").disabled = false;
  controls.setEnabled(ready && !busy);
  models.setEnabled(ready && !busy, { customData: state.customData });
}

// -- start ---------------------------------------------------------------------------------

async function start(readyMessage) {
  state.ready = true;
  try {
    const [defaults, info] = await Promise.all([worker.request("defaults"), worker.request("info")]);
    controls.setup(defaults);
    controls.fill(info.config);
    state.applied = JSON.stringify(info.config);
    showModel(info.model);
    showData(info.data);
    updateButtons();
    $("status").dataset.phase = "ready";
    $("load-progress").hidden = true;
    setStatus(readyMessage);
    offerOffline();   // after ready: caching the site never slows the first visit
    const shared = readHash();
    if (shared) await followLink(controls, shared);
    else controls.validate();
  } catch (error) {
    showError(error.message, "boot");
  }
  updateButtons();
  predict();
  await loadTestImages();
}

// Links (opened, pasted, Back/Forward) fill the form; see links.js.
followLinks(controls, () => state.ready);

updateButtons();
