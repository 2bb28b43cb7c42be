// network.js: the network and the data the studio holds, as the page shows them: the model
// and data summaries, what a new network (Reset, a model file, the lab's layers) or new data
// starts afresh, and the test-split report behind the gallery and the test readouts.

import { coalesced } from "./coalesce.js";
import { $ } from "./dom.js";
import { hideError, setStatus, showError } from "./status.js";

// page: {worker, state, controls, charts, readouts, gallery, predict, updateButtons}
export function setUpNetwork(page) {
  const { worker, state, controls, charts, readouts, gallery } = page;

  function showModel(model) {
    state.model = model;
    const trained = model.epochs_done === 1 ? "1 epoch" : `${model.epochs_done} epochs`;
    const optimizer = `${model.optimizer.type}, learning rate ${model.optimizer.lr}`;
    $("model-summary").textContent = `${model.summary} · ${model.params.toLocaleString("en")} parameters · ${optimizer} · trained ${trained}`;
    readouts.epochsDone(model.epochs_done);
    // The model the page starts with only reads drawings: the first Train starts a fresh one.
    $("train").textContent = model.starter || model.epochs_done === 0 ? "Train" : "Train more";
    $("train-note").hidden = !model.starter;
    if (model.starter) {
      $("train-note").textContent = `Train starts a fresh, untrained network of these settings and `
        + `trains it for ${model.demo_epochs} epoch${model.demo_epochs === 1 ? "" : "s"}, so that you can watch it `
        + `learn. Until then the pretrained network (trained ${trained}) reads your drawings.`;
    }
  }

  function showData(data) {
    state.customData = !data.bundled;
    const count = (n) => n.toLocaleString("en");
    $("data-summary").textContent = `${data.name}: ${count(data.rows)} rows (${count(data.train)} train / ${count(data.val)} validation / ${count(data.test)} test)`;
    $("data-summary").dataset.rows = String(data.rows);
  }

  // "Training stopped. " when the change that is being reported ended a run.
  function stoppedNote() {
    const note = state.replacedBy ? "Training stopped. " : "";
    state.replacedBy = "";
    return note;
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
    page.predict();
  }

  // New data: the network stays, so its charts go on in a new segment; the last epoch's
  // train/validation figures were of the old data and go; the test figures follow the report.
  async function dataChanged(data, message) {
    showData(data);
    charts.newSegment();
    readouts.clear();
    const count = (n) => n.toLocaleString("en");
    setStatus(`${stoppedNote()}${message}: ${count(data.rows)} rows, ${count(data.val)} kept for validation and ${count(data.test)} for testing.`);
    await loadTestImages();
  }

  // A request that replaces the network: the buttons wait while it runs.
  async function busy(task) {
    state.busy += 1;
    page.updateButtons();
    try {
      return await task();
    } finally {
      state.busy -= 1;
      page.updateButtons();
    }
  }

  async function reset(note = "A fresh network: press Train.") {
    const answer = await controls.validate();
    if (!answer || !answer.valid) return;
    await busy(async () => {
      try {
        modelChanged(await worker.request("reset", { config: answer.values }), note);
      } catch (error) {
        showError(error.message, "reset");
      }
    });
  }

  // The lab's "Train with my layers": the learner's classes in a fresh network.
  async function useLabLayers(layers) {
    hideError();
    await busy(async () => {
      modelChanged(await worker.request("use_lab_layers", { layers }), "Training with your layers…");
    });
  }

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

  // An epoch ended: the model's count follows.
  const showEpochs = (epochs) => showModel({ ...state.model, epochs_done: epochs });

  return { showModel, showData, modelChanged, dataChanged, reset, useLabLayers, refreshReport,
           loadTestImages, showEpochs };
}
