// readouts.js: the Train panel's numbers: epoch and run progress bars, examples/s, time
// left, and the last train/validation/test accuracy and loss. It shows what the worker and
// pynn measured; it computes nothing but the wording.

import { percent } from "./probabilities.js";

function setText(testid, text) {
  document.querySelector(`[data-testid="${testid}"]`).textContent = text;
}

function duration(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export class Readouts {
  constructor({ epochProgress, runProgress, epochDetail, runDetail }) {
    this.epochProgress = epochProgress;
    this.runProgress = runProgress;
    this.epochDetail = epochDetail;
    this.runDetail = runDetail;
  }

  clear() {
    // every figure described the previous network or data; the report brings the test ones back
    for (const id of ["train-accuracy", "val-accuracy", "train-loss", "val-loss", "test-accuracy", "test-loss"]) setText(id, "–");
    this.epochProgress.value = 0;
    this.runProgress.value = 0;
    this.epochDetail.textContent = "";
    this.runDetail.textContent = "";
    setText("speed", "");
    this.clearEta();
  }

  clearEta() {
    setText("eta", "");
  }

  progress(p) {
    this.epochProgress.max = p.n_batches;
    this.epochProgress.value = p.batch;
    this.runProgress.max = p.run_total;
    this.runProgress.value = p.run_done;
    this.epochDetail.textContent = `· batch ${p.batch} of ${p.n_batches}`;
    this.runDetail.textContent = `· epoch ${p.run_epoch} of ${p.epochs}`;
    if (p.examples_per_s) setText("speed", `${Math.round(p.examples_per_s).toLocaleString("en")} examples/s`);
    if (p.eta_s !== null) setText("eta", `about ${duration(p.eta_s)} left`);
  }

  epoch(e) {
    setText("train-accuracy", percent(e.accuracy));
    setText("train-loss", e.loss.toFixed(4));
    if (e.val_accuracy !== undefined) {
      setText("val-accuracy", percent(e.val_accuracy));
      setText("val-loss", e.val_loss.toFixed(4));
    }
  }

  test(report) {
    setText("test-accuracy", percent(report.test_accuracy));
    setText("test-loss", report.test_loss.toFixed(4));
  }

  epochsDone(count) {
    setText("epoch-counter", String(count));
  }
}
