// main.js: the page's state and its wiring. Controls -> worker requests -> pynn -> answers
// and events -> widgets. This module holds the state (ready? training? which buttons apply?),
// starts the page once Python is ready and builds the widgets; what each part does lives in
// its module: training.js (the run), network.js (the network, the data, the test split),
// models.js (the file boxes), controls.js (the form), predictor.js (drawing), charts.js,
// readouts.js, gallery.js.

import { Activations } from "./activations.js";
import { worker } from "./boot.js";
import { Charts } from "./charts.js";
import { Controls, readHash } from "./controls.js";
import { $, scrollTo } from "./dom.js";
import { FocusKeeper } from "./focus.js";
import { Gallery } from "./gallery.js";
import { LabTraining } from "./lab-training.js";
import { setUpLab } from "./lab-view.js";
import { followLink, followLinks } from "./links.js";
import { ModelsAndData } from "./models.js";
import { setUpNetwork } from "./network.js";
import { offerOffline } from "./offline.js";
import { setUpPresenting } from "./present.js";
import { Predictor } from "./predictor.js";
import { Readouts } from "./readouts.js";
import { hideError, setStatus, showError } from "./status.js";
import { setUpTraining } from "./training.js";

const state = {
  ready: false,
  run: "idle",         // "running" | "paused" | "idle" (the worker's training events)
  formValid: true,
  needsReset: false,
  busy: 0,             // model/data requests in flight
  customData: false,
  model: null,         // the bridge's model_info (summary, layers, epochs_done...)
  applied: "",         // JSON of the settings last applied with set_config
  replacedBy: "",      // what ended the last run by replacing the network or the data
};

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

// -- the widgets -----------------------------------------------------------------------------

const predictor = new Predictor({
  pad: $("pad"), clear: $("clear"), list: $("probabilities"), prediction: $("prediction"),
  preview: $("input-preview"), caption: $("confidence"),
}, worker, {
  isReady: () => state.ready,
  onError: (message) => showError(message, "predict"),
  onAnswer: (answer) => {
    gallery.showFeatureMaps(answer);
    activations.show(answer);
  },
});
const activations = new Activations($("activations"));
const predict = () => predictor.predict();

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
    network.showModel(answer.model);
  } catch (error) {
    showError(error.message, "form");
  }
}

const charts = new Charts($("accuracy-chart"), $("loss-chart"));
const readouts = new Readouts({
  epochProgress: $("epoch-progress"), runProgress: $("run-progress"),
  epochDetail: $("epoch-detail"), runDetail: $("run-detail"), speed: $("speed"), eta: $("eta"),
  epochCounter: $("epoch-counter"), trainLabel: $("train-row-label"), caption: $("readouts-caption"),
  figures: {
    trainAccuracy: $("train-accuracy"), trainLoss: $("train-loss"), valAccuracy: $("val-accuracy"),
    valLoss: $("val-loss"), testAccuracy: $("test-accuracy"), testLoss: $("test-loss"),
  },
});

const gallery = new Gallery({
  tabs: [$("tab-digits"), $("tab-confusion"), $("tab-weights")],
  grid: $("digits"), mistakesFirst: $("mistakes-first"), confusion: $("confusion"),
  weights: $("weights"), weightsHelp: $("weights-help"), weightsCount: $("weights-count"),
  weightsScale: $("weights-scale"), maps: $("feature-maps"), mapsTitle: $("maps-title"), mapsScale: $("maps-scale"),
  summary: $("gallery-summary"),
  onPick: (ink) => {
    predictor.show(ink);
    scrollTo($("pad"), "nearest");
  },
});

const page = { worker, state, controls, charts, readouts, gallery, predictor, predict, applySettings,
               updateButtons };
const network = setUpNetwork(page);
const training = setUpTraining({ ...page, refreshReport: network.refreshReport, showEpochs: network.showEpochs,
                                 modelChanged: network.modelChanged });

// Train accuracy as the run measures it (dropout, shifts, changing weights) or like validation.
$("train-measured").addEventListener("change", () => {
  const on = $("train-measured").checked;
  charts.setTrainMeasured(on);
  readouts.setTrainMeasured(on);
});
setUpPresenting($("present"), () => charts.restyle());

$("reset").addEventListener("click", () => network.reset());

const models = new ModelsAndData({
  download: $("download-model"), pretrained: [$("pretrained-model"), $("pretrained-cnn")],
  uploadModel: $("upload-model"), uploadCsv: $("upload-csv"), useDigits: $("use-digits"),
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
  modelChanged: network.modelChanged,
  dataChanged: network.dataChanged,
  fail: (message) => {
    setStatus("Nothing changed.");
    showError(message, "files");
  },
  say: setStatus,
});

// The lab's "Train with my layers": the learner's classes in a fresh network, trained at once,
// the run shown in the lab (lab-training.js: the same run, its events from training.js) as
// well as in the studio's Train panel.
const labTraining = new LabTraining({
  run: training, yours: () => (state.model?.learner_layers ?? []).length > 0,
  seeStudio: () => scrollTo($("train-title"), "start"),
});
training.listen(labTraining);
setUpLab({
  onTrain: async (layers) => {
    await network.useLabLayers(layers);
    labTraining.begin(state.model);
    await training.train();
  },
});

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
    models.setPretrained(defaults.pretrained);
    controls.fill(info.config);
    state.applied = JSON.stringify(info.config);
    network.showModel(info.model);
    network.showData(info.data);
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
  await network.loadTestImages();
}

// Links (opened, pasted, Back/Forward) fill the form; see links.js.
followLinks(controls, () => state.ready);

updateButtons();
