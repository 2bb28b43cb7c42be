// training.js: the Train panel's run: the Train / Step / Pause / Stop buttons send the run's
// commands, and the run's events (pynn/studio/run.py EVENTS) go to the charts, the readouts,
// the run-state badge and the status line. Python decides everything about the run; this
// module words it. Each handler names the event fields it reads (tests/test_protocol.py
// checks them against Python's table). Other views of the same run (the lab's panel,
// lab-training.js) `listen`: each event reaches them from here too, with the status line's
// words, and they send the run's commands through `togglePause` and `stop`.

import { $ } from "./dom.js";
import { hideError, setStatus, showError } from "./status.js";

// page: {worker, state, controls, charts, readouts, predictor, applySettings, showEpochs,
//        modelChanged, refreshReport, predict, updateButtons}
export function setUpTraining(page) {
  const { worker, state, controls, charts, readouts, predictor } = page;
  const views = [];   // other views of the run: view[type](event) for each event type they have
  const tell = (type, event) => {
    for (const view of views) view[type]?.(event);
  };

  worker.on("training", ({ state: runState, reason, message }) => {
    state.run = runState;
    $("run-state").dataset.state = runState;
    $("run-state").textContent = runState === "running" ? "training" : runState;
    controls.setRunActive(runState !== "idle");
    const messages = {
      started: "Training… (you can keep drawing: predictions use the newest weights)",
      resumed: "Training…",
      paused: "Paused. Resume, Step one epoch, or Stop.",
      step: runState === "running" ? "Training one epoch…" : "Paused after one epoch.",
      stopped: "Stopped. The weights stay as trained so far.",
      finished: `Finished the run: this network has now trained ${state.model ? state.model.epochs_done : ""} epochs. Press Train more to go on.`,
      diverged: "Training stopped: the loss diverged.",
      error: "Training stopped by an error.",
      replaced: `Training stopped: replaced by ${message}.`,
    };
    if (messages[reason]) setStatus(messages[reason]);
    tell("training", { state: runState, reason, message, words: messages[reason] ?? "" });
    state.replacedBy = reason === "replaced" ? message : "";
    if (reason === "diverged" || reason === "error") showError(message, "training");
    if (runState === "idle") {
      readouts.clearEta();
      page.refreshReport();
      page.predict();
    }
    page.updateButtons();
  });

  worker.on("progress", ({ at, losses, smoothed, batch, n_batches, run_done, run_total, run_epoch, epochs,
                           examples_per_s, eta_s }) => {
    charts.addBatches({ at, losses, smoothed });
    readouts.progress({ batch, n_batches, run_done, run_total, run_epoch, epochs, examples_per_s, eta_s });
    predictor.refresh();
    tell("progress", { at, losses, smoothed, batch, n_batches, run_done, run_total, run_epoch, epochs,
                       examples_per_s, eta_s });
  });

  // A fresh network, measured before its first batch: where the curves start (about chance).
  worker.on("untrained", ({ at, val_loss, val_accuracy, train_measured_loss, train_measured_accuracy }) => {
    charts.addStart({ at, val_accuracy, train_measured_accuracy });
    readouts.epoch({ loss: null, accuracy: null, val_loss, val_accuracy, train_measured_loss,
                     train_measured_accuracy }, "Before training");
    tell("untrained", { at, val_loss, val_accuracy, train_measured_loss, train_measured_accuracy });
  });

  // `at`: where on the network's time line the epoch ended (see charts.js)
  worker.on("epoch", ({ epoch, at, loss, accuracy, val_loss, val_accuracy, train_measured_loss,
                        train_measured_accuracy }) => {
    charts.addEpoch({ at, accuracy, val_accuracy, val_loss, train_measured_accuracy });
    page.showEpochs(epoch);
    readouts.epoch({ loss, accuracy, val_loss, val_accuracy, train_measured_loss, train_measured_accuracy });
    page.refreshReport();
    page.predict();
    tell("epoch", { epoch, at, loss, accuracy, val_loss, val_accuracy, train_measured_loss,
                    train_measured_accuracy });
  });

  // Train and Step check and apply the form first when no run is active.
  async function train(send) {
    hideError("training");
    if (state.run === "idle") {
      const answer = await controls.validate();
      if (!answer || !answer.valid || answer.needs_reset) return;
      await page.applySettings(answer.values, answer.config);
    }
    let answer;
    try {
      answer = await send();
    } catch (error) {
      showError(error.message, "training");
      return;
    }
    // The first Train after the page loads: pynn started a fresh network for the demo run.
    if (answer.fresh) {
      page.modelChanged(answer, `A fresh, untrained network is learning: ${answer.config.epochs} epochs, `
        + "from chance (about 10%) upwards. Press Train more afterwards to go on; the pretrained "
        + "models are under Model.");
    }
  }

  const failed = (error) => showError(error.message, "training");
  // Pause and Resume share a button: the second click of a double click would undo the first.
  const togglePause = (event) => {
    if (event.detail > 1) return;
    (state.run === "running" ? worker.request("pause") : worker.request("resume")).catch(failed);
  };
  const stop = () => worker.request("stop").catch(failed);
  $("train").addEventListener("click", () => train(() => worker.request("train")));
  $("step").addEventListener("click", () => train(() => worker.request("step")));
  $("pause").addEventListener("click", togglePause);
  $("stop").addEventListener("click", stop);
  return { train: () => train(() => worker.request("train")), togglePause, stop,
           listen: (view) => views.push(view) };
}
