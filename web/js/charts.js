// charts.js: live accuracy and loss charts (uPlot, vendored from npm into dist/vendor/).
//
// Accuracy: train and validation, one point per epoch, from the untrained network's (at 0,
// about chance) on; train is either the epoch's running figure or, when the page asks
// (setTrainMeasured), the one pynn measured like validation at the epoch's end. Loss: every batch (faint), its
// smoothed curve (pynn smooths it) and the validation loss at each epoch end. The x axis is
// the network's own time line, pynn's `at` (pynn/studio/run.py): the epochs' worth of
// batches it has trained, runs stopped half-way included, so it only moves forward; a loaded
// model continues its story. New data starts a new segment: a gap in the lines and a marked
// vertical line. Each chart carries a text alternative (a visually hidden summary of the
// latest values) and, for tests, data-points / data-last-x / data-backwards / data-segments /
// data-first / data-last (the first and last rows' values, JSON).
//
// Colours come from CSS custom properties (--chart-*) so that they follow the colour scheme.

import uPlot from "../vendor/uplot/uPlot.esm.js";
import { onceAFrame } from "./coalesce.js";

const percent = (v) => `${(v * 100).toFixed(1)}%`;

export function palette(element) {
  const style = getComputedStyle(element);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return {
    train: read("--chart-train", "#2f5bd3"), val: read("--chart-val", "#c2410c"),
    batch: read("--chart-batch", "rgba(47, 91, 211, 0.22)"), axis: read("--chart-axis", "#414a5c"),
    grid: read("--chart-grid", "#e6e9f0"), tick: read("--chart-tick", "#d4d8e1"),
    segment: read("--chart-segment", "#6b7280"),
    font: read("--chart-font", "12px system-ui, sans-serif"),
    labelFont: read("--chart-label-font", "bold 12px system-ui, sans-serif"),
    axisSize: Number(read("--chart-axis-size", "56")),   // the y axis' room for its labels
  };
}

export function axis(colors, extra) {
  return { stroke: colors.axis, font: colors.font, labelFont: colors.labelFont, grid: { stroke: colors.grid, width: 1 },
           ticks: { stroke: colors.tick, width: 1 }, ...extra };
}

// Vertical lines where new data begins (uPlot draw hook).
function segmentLines(chart) {
  return {
    hooks: {
      draw: [(u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.strokeStyle = chart.colors.segment;
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 1.5 * devicePixelRatio;
        for (const x of chart.segments) {
          const left = Math.round(u.valToPos(x, "x", true));
          if (left < bbox.left || left > bbox.left + bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(left, bbox.top);
          ctx.lineTo(left, bbox.top + bbox.height);
          ctx.stroke();
        }
        ctx.restore();
      }],
    },
  };
}

class Chart {
  // options(colors) -> uPlot options; describe(data, segments) -> the text alternative
  constructor(container, options, seriesCount, describe) {
    this.container = container;
    this.empty = container.querySelector(".chart-empty");
    this.describe = describe;
    this.data = Array.from({ length: seriesCount + 1 }, () => []);
    this.segments = [];          // x where new data began
    this.gaps = 0;               // rows that are only a gap between segments
    this.backwards = 0;          // points added at an x not after the previous one (must stay 0)
    this.summary = document.createElement("p");
    this.summary.className = "visually-hidden chart-summary";
    this.summary.setAttribute("aria-live", "off");
    container.append(this.summary);
    this.options = options;
    this.colors = palette(container);
    this.build();
    new ResizeObserver(() => this.plot.setSize(this.size())).observe(container);
    // the colour scheme can change while the page is open
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.restyle());
    this.redraw = onceAFrame(() => this.draw());   // at most once per frame, however often data arrives
    this.redraw();
  }

  // Colours and fonts again from the CSS (a new colour scheme, the presentation view).
  restyle() {
    this.colors = palette(this.container);
    this.plot.destroy();
    this.build();
  }

  build() {
    const plugins = [segmentLines(this)];
    this.plot = new uPlot({ ...this.size(), ...this.options(this.colors), plugins }, this.data,
                          this.container.querySelector(".chart-plot"));
  }

  size() {
    const width = Math.max(200, Math.floor(this.container.clientWidth));
    const height = Math.max(140, Math.floor(this.container.clientHeight) - 56);
    return { width, height };
  }

  // One point per column; x must move forward (counted in data-backwards if not).
  push(x, ...values) {
    const xs = this.data[0];
    if (xs.length && !(x > xs[xs.length - 1])) this.backwards += 1;
    xs.push(x);
    values.forEach((value, i) => this.data[i + 1].push(value));
  }

  // A gap row (every series null, just after x) so that the lines of two data sets do not join.
  breakAt(x) {
    const xs = this.data[0];
    if (!xs.length || this.segments.includes(x)) return;
    this.push(Math.max(x, xs[xs.length - 1]) + 1e-9, ...this.data.slice(1).map(() => null));
    this.gaps += 1;
    this.segments.push(x);
    this.redraw();
  }

  draw() {
    this.plot.setData(this.data);
    const xs = this.data[0];
    const points = xs.length - this.gaps;
    const row = (i) => JSON.stringify(this.data.map((column) => column[i] ?? null));
    Object.assign(this.container.dataset, {
      points: String(points), lastX: xs.length ? String(xs[xs.length - 1]) : "",
      backwards: String(this.backwards), segments: String(this.segments.length),
      first: xs.length ? row(0) : "", last: xs.length ? row(xs.length - 1) : "",
    });
    this.empty.hidden = points > 0;
    this.container.classList.toggle("is-empty", points === 0);
    this.summary.textContent = points > 0 ? this.describe(this.data, this.segments) : this.empty.textContent;
  }

  clear() {
    for (const column of this.data) column.length = 0;
    this.segments = [];
    this.gaps = 0;
    this.backwards = 0;
    this.redraw();
  }
}

// The newest non-null value of a series, and its x.
function latest(data, series) {
  for (let i = data[0].length - 1; i >= 0; i--) {
    if (data[series][i] !== null && data[series][i] !== undefined) return { x: data[0][i], value: data[series][i] };
  }
  return null;
}

const epochs = (x) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
const segmentNote = (segments) => (segments.length ? ` New data from ${segments.map(epochs).join(", ")} epochs.` : "");

function describeAccuracy(data, segments) {
  const val = latest(data, 2);
  const train = latest(data, 1) ?? { x: val.x, value: null };
  const count = data[2].filter((v) => v !== null).length;
  let text = `Accuracy chart, ${count} point${count === 1 ? "" : "s"}: after ${epochs(train.x)} epochs trained, train ${train.value === null ? "not measured" : percent(train.value)}`;
  if (val) text += `, validation ${percent(val.value)}`;
  return `${text}.${segmentNote(segments)}`;
}

function describeLoss(data, segments) {
  const batch = latest(data, 1);
  const smooth = latest(data, 2);
  const val = latest(data, 3);
  let text = `Loss chart: at ${epochs(batch.x)} epochs trained, batch loss ${batch.value.toFixed(3)}, smoothed ${smooth.value.toFixed(3)}`;
  if (val) text += `; validation loss ${val.value.toFixed(3)} at ${epochs(val.x)} epochs`;
  return `${text}.${segmentNote(segments)}`;
}

export class Charts {
  constructor(accuracyContainer, lossContainer) {
    const common = {
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
    };
    const xTicks = (u, values) => values.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/0$/, "")));
    this.accuracy = new Chart(accuracyContainer, (c) => ({
      ...common,
      series: [
        { label: "epochs", value: (u, v) => (v === null ? "–" : epochs(v)) },
        { label: "train", stroke: c.train, width: 2, points: { show: true, size: 6 },
          value: (u, v) => (v === null ? "–" : percent(v)) },
        { label: "validation", stroke: c.val, width: 2, points: { show: true, size: 6 },
          value: (u, v) => (v === null ? "–" : percent(v)) },
      ],
      // from 0 while the curve starts near chance; zoomed in on the top once it is all above 90%
      scales: { x: { time: false }, y: { range: (u, min) => [min < 0.5 ? 0 : Math.max(0, Math.min(min, 0.9)), 1] } },
      axes: [
        axis(c, { label: "epochs trained", values: xTicks, incrs: [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100] }),
        axis(c, { label: "accuracy", size: c.axisSize, incrs: [0.01, 0.02, 0.05, 0.1, 0.2, 0.25],
                  values: (u, values) => values.map((v) => `${Math.round(v * 100)}%`) }),
      ],
    }), 2, describeAccuracy);
    this.loss = new Chart(lossContainer, (c) => ({
      ...common,
      series: [
        { label: "epochs", value: (u, v) => (v === null ? "–" : v.toFixed(2)) },
        { label: "batch", stroke: c.batch, width: 1, points: { show: false },
          value: (u, v) => (v === null ? "–" : v.toFixed(3)) },
        { label: "smoothed", stroke: c.train, width: 2, points: { show: false },
          value: (u, v) => (v === null ? "–" : v.toFixed(3)) },
        { label: "validation", stroke: c.val, width: 2, spanGaps: true, points: { show: true, size: 6 },
          value: (u, v) => (v === null ? "–" : v.toFixed(3)) },
      ],
      scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(max, 0.1)] } },
      axes: [
        axis(c, { label: "epochs trained", incrs: [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100], values: xTicks }),
        axis(c, { label: "cross-entropy loss", size: c.axisSize, values: (u, values) => values.map((v) => v.toFixed(2)) }),
      ],
    }), 3, describeLoss);
    this.trainRows = [];         // the accuracy chart's train points: {index, running, measured}
    this.trainMeasured = false;
  }

  // Batches since the last progress message (see the worker protocol).
  addBatches({ at, losses, smoothed }) {
    if (!at.length) return;
    for (let i = 0; i < at.length; i++) this.loss.push(at[i], losses[i], smoothed[i], null);
    this.loss.redraw();
  }

  // The untrained network (at 0): only measured figures exist.
  addStart({ at, val_accuracy, train_measured_accuracy }) {
    this.addTrainRow(at, null, train_measured_accuracy, val_accuracy);
  }

  addEpoch({ at, accuracy, val_accuracy, val_loss, train_measured_accuracy }) {
    this.addTrainRow(at, accuracy, train_measured_accuracy, val_accuracy);
    // The epoch's last batch sits at x = at: put the validation loss there.
    const [xs, , , val] = this.loss.data;
    if (xs.length && xs[xs.length - 1] === at && val_loss !== undefined) {
      val[val.length - 1] = val_loss;
      this.loss.redraw();
    }
  }

  addTrainRow(at, running, measured, val) {
    this.trainRows.push({ index: this.accuracy.data[0].length, running, measured });
    this.accuracy.push(at, this.trainValue(running, measured), val ?? null);
    this.accuracy.redraw();
  }

  trainValue(running, measured) {
    return (this.trainMeasured ? measured : running ?? measured) ?? null;
  }

  // Show train accuracy measured like validation (true) or as the epoch's running figure.
  setTrainMeasured(on) {
    this.trainMeasured = on;
    for (const { index, running, measured } of this.trainRows) {
      this.accuracy.data[1][index] = this.trainValue(running, measured);
    }
    this.accuracy.redraw();
  }

  // New data from here: both charts start a new segment at the network's current x.
  newSegment() {
    const xs = this.loss.data[0];
    if (!xs.length) return;
    const x = xs[xs.length - 1];
    this.loss.breakAt(x);
    this.accuracy.breakAt(x);
  }

  restyle() {
    this.accuracy.restyle();
    this.loss.restyle();
  }

  clear() {
    this.trainRows = [];
    this.accuracy.clear();
    this.loss.clear();
  }
}
