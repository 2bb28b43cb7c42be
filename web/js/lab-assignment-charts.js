// lab-assignment-charts.js: the charts of the assignment's run (lab-assignment.js): the
// learner's curves drawn solid, pynn's reference run of the same recipe and seed dashed and
// faint behind them, so that a subtly wrong gradient shows as a curve that falls behind.
//
// Accuracy: train and validation per epoch. Loss: every batch's smoothed loss (pynn smooths
// it). The x axis is epochs trained, Python's `at`; both runs have the same x values (the
// same batches per epoch), so each row holds both runs' values for one x. It draws what it is
// told and computes nothing. Each chart carries a text alternative and, for tests,
// data-yours and data-reference: the points drawn of each run.

import uPlot from "../vendor/uplot/uPlot.esm.js";
import { onceAFrame } from "./coalesce.js";
import { axis, palette } from "./charts.js";

const percent = (v) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`);
const decimals = (v) => (v === null || v === undefined ? "–" : v.toFixed(3));
const epochs = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const DASH = [6, 4];

function referenceColors(element) {
  const style = getComputedStyle(element);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return { train: read("--chart-ref-train", "#9fb3e6"), val: read("--chart-ref-val", "#f0a57f") };
}

// series: [{label, whose: "yours"|"pynn's", color(colors, reference) -> css colour}]
class RunChart {
  constructor(figure, { series, yAxis, yRange, format, describe }) {
    this.figure = figure;
    this.series = series;
    this.describe = describe;
    this.data = [[], ...series.map(() => [])];
    this.summary = document.createElement("p");
    this.summary.className = "visually-hidden chart-summary";
    figure.append(this.summary);
    this.options = (colors, reference) => ({
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: { range: yRange } },
      series: [{ label: "epochs", value: (u, v) => (v === null ? "–" : epochs(v)) },
        ...series.map((s) => ({
          label: s.label, stroke: s.color(colors, reference), width: s.whose === "yours" ? 2 : 1.5,
          dash: s.whose === "yours" ? undefined : DASH, spanGaps: true,
          points: { show: Boolean(s.points), size: s.whose === "yours" ? 6 : 5 },
          value: (u, v) => format(v),
        }))],
      axes: [axis(colors, { label: "epochs trained", incrs: [0.25, 0.5, 1, 2, 5, 10, 20, 50] }), axis(colors, yAxis)],
    });
    this.build();
    new ResizeObserver(() => this.plot.setSize(this.size())).observe(figure);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      this.plot.destroy();
      this.build();
    });
    this.redraw = onceAFrame(() => this.draw());
  }

  build() {
    this.plot = new uPlot({ ...this.size(), ...this.options(palette(this.figure), referenceColors(this.figure)) },
                          this.data, this.figure.querySelector(".chart-plot"));
  }

  size() {
    return { width: Math.max(200, Math.floor(this.figure.clientWidth)),
             height: Math.max(140, Math.floor(this.figure.clientHeight) - 56) };
  }

  // The value of series `index` at x: into the row of x (one of the last few: the runs are
  // at most a batch apart), or a new row.
  set(x, index, value) {
    const xs = this.data[0];
    let row = xs.length - 1;
    while (row >= 0 && row >= xs.length - 4 && xs[row] > x) row -= 1;
    if (row < 0 || xs[row] !== x) {
      row += 1;
      xs.splice(row, 0, x);
      for (const column of this.data.slice(1)) column.splice(row, 0, null);
    }
    this.data[index + 1][row] = value;
  }

  draw() {
    this.plot.setData(this.data);
    const count = (whose) => Math.max(0, ...this.series.map((s, i) => (s.whose === whose
      ? this.data[i + 1].filter((v) => v !== null).length : 0)));
    this.figure.dataset.yours = String(count("yours"));
    this.figure.dataset.reference = String(count("pynn's"));
    this.figure.querySelector(".chart-empty").hidden = this.data[0].length > 0;
    this.summary.textContent = this.data[0].length ? this.describe(this.latest()) : "";
  }

  // The newest value of every series, by label.
  latest() {
    return Object.fromEntries(this.series.map((s, i) => {
      const column = this.data[i + 1];
      let row = column.length - 1;
      while (row >= 0 && column[row] === null) row -= 1;
      return [s.label, row >= 0 ? { x: this.data[0][row], value: column[row] } : null];
    }));
  }

  clear() {
    for (const column of this.data) column.length = 0;
    this.redraw();
  }
}

const YOUR = "yours";
const REFERENCE = "pynn's";

export class AssignmentCharts {
  constructor(accuracyFigure, lossFigure) {
    this.accuracy = new RunChart(accuracyFigure, {
      series: [
        { label: "your train", whose: YOUR, points: true, color: (c) => c.train },
        { label: "your validation", whose: YOUR, points: true, color: (c) => c.val },
        { label: "pynn's reference: train", whose: REFERENCE, points: true, color: (c, r) => r.train },
        { label: "pynn's reference: validation", whose: REFERENCE, points: true, color: (c, r) => r.val },
      ],
      yRange: (u, min) => [Math.max(0, Math.min(min, 0.9)), 1],
      yAxis: { label: "accuracy", size: 56, incrs: [0.01, 0.02, 0.05, 0.1, 0.2, 0.25],
               values: (u, values) => values.map((v) => `${Math.round(v * 100)}%`) },
      format: percent,
      describe: (last) => `Accuracy after ${epochs(last["your validation"]?.x ?? 0)} epochs: your validation `
        + `${percent(last["your validation"]?.value)}, pynn's reference ${percent(last["pynn's reference: validation"]?.value)}.`,
    });
    this.loss = new RunChart(lossFigure, {
      series: [
        { label: "your loss (smoothed)", whose: YOUR, color: (c) => c.train },
        { label: "pynn's reference", whose: REFERENCE, color: (c, r) => r.train },
      ],
      yRange: (u, min, max) => [0, Math.max(max ?? 0, 0.1)],
      yAxis: { label: "cross-entropy loss", size: 56, values: (u, values) => values.map((v) => v.toFixed(2)) },
      format: decimals,
      describe: (last) => `Loss at ${epochs(last["your loss (smoothed)"]?.x ?? 0)} epochs: yours `
        + `${decimals(last["your loss (smoothed)"]?.value)}, pynn's reference ${decimals(last["pynn's reference"]?.value)}.`,
    });
  }

  // Events of assignment_slice (docs/PROTOCOL.md): batches and epochs, each with whose and at.
  add(events) {
    for (const event of events) {
      const reference = event.whose !== YOUR;
      if (event.type === "batch") {
        this.loss.set(event.at, reference ? 1 : 0, event.smoothed);
      } else if (event.type === "epoch") {
        this.accuracy.set(event.at, reference ? 2 : 0, event.train_accuracy);
        this.accuracy.set(event.at, reference ? 3 : 1, event.val_accuracy);
      }
    }
    if (events.length) {
      this.loss.redraw();
      this.accuracy.redraw();
    }
  }

  clear() {
    this.accuracy.clear();
    this.loss.clear();
  }
}
