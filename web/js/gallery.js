// gallery.js: the test split through the network's eyes: a grid of test digits with its
// answers (mistakes marked, optionally first), the confusion matrix and the first-layer
// weights as pictures. Everything shown comes from pynn's `report` and `test_images`.

import { $ } from "./dom.js";
import { paintDigit, paintMap, paintWeights, scaleGradient } from "./pictures.js";

const SHOWN = 120;   // test digits in the grid

export class Gallery {
  constructor({ tabs, grid, mistakesFirst, confusion, weights, weightsHelp, weightsCount, maps, mapsTitle,
                mapsScale, weightsScale, summary, onPick }) {
    this.weightsHelp = weightsHelp;
    this.weightsCount = weightsCount;   // "the first 32 of 256 units"
    this.mapsScale = mapsScale;         // the colour scales: bars painted with the pictures' colours
    weightsScale.querySelector(".scale-bar").style.background = scaleGradient(true);
    mapsScale.querySelector(".scale-bar").style.background = scaleGradient(false);
    this.maps = maps;               // a convnet's first-layer maps of the drawing
    this.mapsTitle = mapsTitle;
    this.mapCanvases = [];
    this.grid = grid;
    this.mistakesFirst = mistakesFirst;
    this.confusion = confusion;
    this.weights = weights;
    this.summary = summary;
    this.onPick = onPick;           // (ink784) => void: a digit was clicked
    this.images = null;             // {images, labels, count} from test_images
    this.report = null;
    this.cells = [];                // the shown digits' buttons, reused from epoch to epoch
    this.confusionCells = null;
    this.weightCanvases = null;
    this.setupTabs(tabs);
    mistakesFirst.addEventListener("change", () => this.renderDigits());
  }

  setupTabs(tabs) {
    const select = (tab, focus) => {
      for (const other of tabs) {
        const selected = other === tab;
        other.setAttribute("aria-selected", String(selected));
        other.tabIndex = selected ? 0 : -1;
        $(other.getAttribute("aria-controls")).hidden = !selected;
      }
      if (focus) tab.focus();
    };
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => select(tab, false));
      tab.addEventListener("keydown", (event) => {
        const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -i, End: tabs.length - 1 - i };
        if (!(event.key in moves)) return;
        event.preventDefault();
        select(tabs[(i + moves[event.key] + tabs.length) % tabs.length], true);
      });
    });
  }

  setImages(images) {
    this.images = images;
    this.report = null;
    this.cells = [];          // rebuilt for the new test split
    this.renderDigits();
  }

  setReport(report) {
    this.report = report;
    const wrong = report.mistakes.length;
    const total = report.predicted.length;
    this.summary.textContent = `Test split: ${total - wrong} of ${total} right, ${wrong} wrong.`;
    this.renderDigits();
    this.renderConfusion();
    this.renderWeights();
  }

  // The digits to show, in order: the first SHOWN test digits, or the mistakes first.
  order() {
    const count = this.images.count;
    const first = Array.from({ length: Math.min(count, SHOWN) }, (_, i) => i);
    if (!this.mistakesFirst.checked || !this.report) return first;
    const wrong = this.report.mistakes.slice(0, SHOWN);
    const seen = new Set(wrong);
    const rest = [];
    for (let i = 0; i < count && wrong.length + rest.length < SHOWN; i++) if (!seen.has(i)) rest.push(i);
    return [...wrong, ...rest];
  }

  // One button per shown digit, made once and updated after every epoch (this runs while
  // training, so it must stay cheap: a digit is repainted only when its place changes).
  makeCells(n) {
    this.cells = Array.from({ length: n }, () => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      const canvas = document.createElement("canvas");
      const caption = document.createElement("span");
      caption.className = "digit-caption";
      button.append(canvas, caption);
      item.append(button);
      const cell = { item, button, canvas, caption, index: -1 };
      button.addEventListener("click", () => {
        const size = this.images.images.length / this.images.count;   // one digit's pixels
        this.onPick(this.images.images.subarray(cell.index * size, (cell.index + 1) * size));
      });
      return cell;
    });
    this.grid.replaceChildren(...this.cells.map((cell) => cell.item));
  }

  renderDigits() {
    if (!this.images) return;
    const { images, labels } = this.images;
    const report = this.report;
    const order = this.order();
    if (this.cells.length !== order.length) this.makeCells(order.length);
    order.forEach((index, k) => {
      const cell = this.cells[k];
      if (cell.index !== index) {
        paintDigit(cell.canvas, images, index);
        cell.index = index;
      }
      const label = labels[index];
      const predicted = report ? report.predicted[index] : null;
      const wrong = report !== null && predicted !== label;
      const { button, caption } = cell;
      button.className = wrong ? "digit wrong" : "digit";
      button.dataset.index = String(index);
      button.dataset.label = String(label);
      if (report) button.dataset.predicted = String(predicted);
      if (!report) caption.textContent = String(label);
      else if (wrong) caption.textContent = `${predicted} (is ${label})`;
      else caption.textContent = String(predicted);
      const said = report ? `network says ${predicted} (${report.confidence[index]}% sure)` : "";
      button.setAttribute("aria-label", `Test digit ${index}: a ${label}${said ? `; ${said}` : ""}${wrong ? ", wrong" : ""}. Draw it on the pad.`);
      button.title = report ? `true ${label}, network ${predicted} (${report.confidence[index]}% sure)` : `true ${label}`;
    });
  }

  // The 10×10 table is built once; each epoch only changes numbers and shades.
  renderConfusion() {
    const { confusion, confusion_percent: percent } = this.report;
    if (!this.confusionCells) this.confusionCells = confusionTable(this.confusion);
    paintConfusion(this.confusionCells, confusion, percent);
  }

  renderWeights() {
    const { weight_images: bytes, n_weight_images: n, weight_side: side, weight_kind: kind,
            n_weight_total: total } = this.report;
    const filters = kind === "filters";
    const what = filters ? "filter" : "unit";
    this.weightsCount.textContent = n < total
      ? `Showing the first ${n} of the first layer's ${total} ${what}s.`
      : `All ${total} ${what}s of the first layer.`;
    if (!this.weightCanvases || this.weightCanvases.length !== n || this.weightKind !== kind) {
      this.weightKind = kind;
      this.weightCanvases = canvases(this.weights, n, (k) => `${what} ${k + 1}`);
      this.weights.setAttribute("aria-label", filters
        ? `The first layer's ${n} filters as ${side}×${side} pictures` : `First-layer weights as 28×28 pictures`);
      this.weightsHelp.textContent = filters
        ? `Each picture is one of the first convolution's ${side}×${side} filters, slid over the digit: red pixels respond to ink, blue ones to its absence. Draw a digit to see what each filter finds in it, below.`
        : "Each picture is one first-layer unit's 784 weights: red pixels push it up, blue ones down, white ones do nothing.";
    }
    this.weightCanvases.forEach((canvas, k) => paintWeights(canvas, bytes, k, side));
  }

  // A prediction's first-layer feature maps (convnets only; hidden otherwise).
  showFeatureMaps(answer) {
    const n = answer && answer.feature_maps ? answer.n_feature_maps : 0;
    this.maps.hidden = this.mapsTitle.hidden = this.mapsScale.hidden = n === 0;
    if (!n) return;
    if (this.mapCanvases.length !== n) this.mapCanvases = canvases(this.maps, n, (k) => `filter ${k + 1}'s map`);
    this.mapCanvases.forEach((canvas, k) => paintMap(canvas, answer.feature_maps, k, answer.feature_side));
  }
}

// `n` canvases, each in an <li> of `list` (which they replace), labelled by label(k).
function canvases(list, n, label) {
  const made = Array.from({ length: n }, (_, k) => {
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", label(k));
    return canvas;
  });
  list.replaceChildren(...made.map((canvas) => {
    const item = document.createElement("li");
    item.append(canvas);
    return item;
  }));
  return made;
}

// The confusion matrix's table, built in `table` (which it fills): a header row of answers,
// a header cell per true digit; returns its 10×10 cells, [true][answer]. `caption`: a
// <caption> first, if given (the lab's run of the assignment has one; the studio's tab is
// named by its tab).
export function confusionTable(table, caption) {
  const head = document.createElement("thead");
  const headRow = head.insertRow();
  const corner = document.createElement("th");
  corner.scope = "col";
  corner.className = "axis";
  corner.textContent = "true ↓ answer →";
  headRow.append(corner);
  for (let j = 0; j < 10; j++) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = String(j);
    headRow.append(th);
  }
  const body = document.createElement("tbody");
  const cells = [];
  for (let i = 0; i < 10; i++) {
    const tr = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = String(i);
    tr.append(th);
    cells.push(Array.from({ length: 10 }, () => tr.insertCell()));
  }
  const parts = [head, body];
  if (caption) {
    const element = document.createElement("caption");
    element.textContent = caption;
    parts.unshift(element);
  }
  table.replaceChildren(...parts);
  return cells;
}

// pynn's counts (`confusion`) and each row's whole per cents (`percent`) into the cells of
// confusionTable: the count, and a shade by the row's share.
export function paintConfusion(cells, confusion, percent) {
  confusion.forEach((row, i) => {
    row.forEach((count, j) => {
      const td = cells[i][j];
      td.textContent = String(count);
      td.dataset.percent = String(percent[i][j]);
      // Ten shades by share of the row; the diagonal is green, mistakes are red.
      td.className = `${i === j ? "hit" : "miss"} shade-${Math.min(9, Math.floor(percent[i][j] / 10))}${count === 0 ? " zero" : ""}`;
      td.title = `true ${i}, answered ${j}: ${count} (${percent[i][j]}% of the ${i}s)`;
    });
  });
}
