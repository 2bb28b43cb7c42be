// readouts.js: the Train panel's numbers: epoch and run progress bars, examples/s, time
// left, the epochs trained, and the last train/validation/test accuracy and loss (train:
// the epoch's running figure, or pynn's measurement like validation when the page asks,
// setTrainMeasured). It shows what the worker and pynn measured; it computes nothing but
// the wording.

import { percent } from "./probabilities.js";

function duration(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export class Readouts {
  // figures: {trainAccuracy, trainLoss, valAccuracy, valLoss, testAccuracy, testLoss} cells
  constructor({ epochProgress, runProgress, epochDetail, runDetail, speed, eta, epochCounter, figures,
                trainLabel, caption }) {
    Object.assign(this, { epochProgress, runProgress, epochDetail, runDetail, speed, eta, epochCounter, figures,
                          trainLabel, caption });
    this.last = null;          // the last epoch's (or the untrained network's) figures
    this.trainMeasured = false;
  }

  clear() {
    // every figure described the previous network or data; the report brings the test ones back
    for (const cell of Object.values(this.figures)) cell.textContent = "–";
    this.last = null;
    this.caption.textContent = "Last epoch";
    this.epochProgress.value = 0;
    this.runProgress.value = 0;
    this.epochDetail.textContent = "";
    this.runDetail.textContent = "";
    this.speed.textContent = "";
    this.clearEta();
  }

  clearEta() {
    this.eta.textContent = "";
  }

  progress({ batch, n_batches: nBatches, run_done: runDone, run_total: runTotal, run_epoch: runEpoch,
             epochs, examples_per_s: examplesPerS, eta_s: etaS }) {
    this.epochProgress.max = nBatches;
    this.epochProgress.value = batch;
    this.runProgress.max = runTotal;
    this.runProgress.value = runDone;
    this.epochDetail.textContent = `· batch ${batch} of ${nBatches}`;
    this.runDetail.textContent = `· epoch ${runEpoch} of ${epochs}`;
    if (examplesPerS) this.speed.textContent = `${Math.round(examplesPerS).toLocaleString("en")} examples/s`;
    if (etaS !== null) this.eta.textContent = `about ${duration(etaS)} left`;
  }

  // figures: an epoch event's (or the untrained network's, whose running ones are null)
  epoch(figures, caption = "Last epoch") {
    this.last = figures;
    this.caption.textContent = caption;
    this.render();
  }

  setTrainMeasured(on) {
    this.trainMeasured = on;
    this.trainLabel.textContent = on ? "train, measured" : "train";
    if (this.last) this.render();
  }

  render() {
    const { accuracy, loss, val_accuracy: valAccuracy, val_loss: valLoss,
            train_measured_accuracy: measuredAccuracy, train_measured_loss: measuredLoss } = this.last;
    const { trainAccuracy, trainLoss, valAccuracy: valAccuracyCell, valLoss: valLossCell } = this.figures;
    const measured = this.trainMeasured || accuracy === null;
    const shown = measured ? [measuredAccuracy, measuredLoss] : [accuracy, loss];
    trainAccuracy.textContent = shown[0] === null ? "–" : percent(shown[0]);
    trainLoss.textContent = shown[1] === null ? "–" : shown[1].toFixed(4);
    if (valAccuracy !== null) {
      valAccuracyCell.textContent = percent(valAccuracy);
      valLossCell.textContent = valLoss.toFixed(4);
    }
  }

  test({ test_accuracy: accuracy, test_loss: loss }) {
    this.figures.testAccuracy.textContent = percent(accuracy);
    this.figures.testLoss.textContent = loss.toFixed(4);
  }

  epochsDone(count) {
    this.epochCounter.textContent = String(count);
  }
}
