// charts.js: live accuracy and loss charts (uPlot, vendored from npm into dist/vendor/).
//
// Accuracy: train and validation, one point per epoch. Loss: every batch (faint), its
// smoothed curve (pynn smooths it) and the validation loss at each epoch end. The x axis
// counts the epochs this network has been trained, so a loaded model continues its story.

import uPlot from "../vendor/uplot/uPlot.esm.js";

const COLORS = { train: "#2f5bd3", val: "#d9480f", batch: "rgba(47, 91, 211, 0.22)" };
const AXIS = { stroke: "#414a5c", grid: { stroke: "#e6e9f0", width: 1 }, ticks: { stroke: "#d4d8e1", width: 1 } };

function fixed(digits) {
  return (u, values) => values.map((v) => (v === null ? "" : v.toFixed(digits)));
}

class Chart {
  constructor(container, options, seriesCount) {
    this.container = container;
    this.empty = container.querySelector(".chart-empty");
    this.data = Array.from({ length: seriesCount + 1 }, () => []);
    const size = this.size();
    this.plot = new uPlot({ ...size, ...options }, this.data, container.querySelector(".chart-plot"));
    new ResizeObserver(() => this.plot.setSize(this.size())).observe(container);
    this.redrawQueued = false;
  }

  size() {
    const width = Math.max(200, Math.floor(this.container.clientWidth));
    const height = Math.max(140, Math.floor(this.container.clientHeight) - 56);
    return { width, height };
  }

  // Draw at most once per animation frame, however often data arrives.
  redraw() {
    if (this.redrawQueued) return;
    this.redrawQueued = true;
    requestAnimationFrame(() => {
      this.redrawQueued = false;
      this.plot.setData(this.data);
      const points = this.data[0].length;
      this.container.dataset.points = String(points);
      this.empty.hidden = points > 0;
    });
  }

  clear() {
    for (const column of this.data) column.length = 0;
    this.redraw();
  }
}

export class Charts {
  constructor(accuracyContainer, lossContainer) {
    const common = {
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
    };
    this.accuracy = new Chart(accuracyContainer, {
      ...common,
      series: [
        { label: "epoch", value: (u, v) => (v === null ? "–" : String(v)) },
        { label: "train", stroke: COLORS.train, width: 2, points: { show: true, size: 6 },
          value: (u, v) => (v === null ? "–" : `${(v * 100).toFixed(1)}%`) },
        { label: "validation", stroke: COLORS.val, width: 2, points: { show: true, size: 6 },
          value: (u, v) => (v === null ? "–" : `${(v * 100).toFixed(1)}%`) },
      ],
      scales: { x: { time: false }, y: { range: (u, min, max) => [Math.max(0, Math.min(min, 0.9)), 1] } },
      axes: [
        { ...AXIS, label: "epochs trained", values: fixed(0), incrs: [1, 2, 5, 10, 20, 50, 100] },
        { ...AXIS, label: "accuracy", size: 56, incrs: [0.01, 0.02, 0.05, 0.1, 0.2, 0.25],
          values: (u, values) => values.map((v) => `${Math.round(v * 100)}%`) },
      ],
    }, 2);
    this.loss = new Chart(lossContainer, {
      ...common,
      series: [
        { label: "epoch", value: (u, v) => (v === null ? "–" : v.toFixed(2)) },
        { label: "batch", stroke: COLORS.batch, width: 1, points: { show: false },
          value: (u, v) => (v === null ? "–" : v.toFixed(3)) },
        { label: "smoothed", stroke: COLORS.train, width: 2, points: { show: false },
          value: (u, v) => (v === null ? "–" : v.toFixed(3)) },
        { label: "validation", stroke: COLORS.val, width: 2, spanGaps: true, points: { show: true, size: 6 },
          value: (u, v) => (v === null ? "–" : v.toFixed(3)) },
      ],
      scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(max, 0.1)] } },
      axes: [
        { ...AXIS, label: "epochs trained", incrs: [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100],
          values: (u, values) => values.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/0$/, ""))) },
        { ...AXIS, label: "cross-entropy loss", size: 56, values: fixed(2) },
      ],
    }, 3);
  }

  // Batches since the last progress message (see the worker protocol).
  addBatches({ at, losses, smoothed }) {
    if (!at.length) return;
    const [x, batch, smooth, val] = this.loss.data;
    for (let i = 0; i < at.length; i++) {
      x.push(at[i]);
      batch.push(losses[i]);
      smooth.push(smoothed[i]);
      val.push(null);
    }
    this.loss.redraw();
  }

  addEpoch({ epoch, accuracy, val_accuracy, val_loss }) {
    const [x, train, val] = this.accuracy.data;
    x.push(epoch);
    train.push(accuracy);
    val.push(val_accuracy ?? null);
    this.accuracy.redraw();
    // The epoch's last batch sits at x = epoch: put the validation loss there.
    const [lossX, , , lossVal] = this.loss.data;
    if (lossX.length && val_loss !== undefined) {
      lossVal[lossVal.length - 1] = val_loss;
      this.loss.redraw();
    }
  }

  clear() {
    this.accuracy.clear();
    this.loss.clear();
  }
}
