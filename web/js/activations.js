// activations.js: inside the network: what the drawing does to each layer, as pynn computed
// it (`predict`'s `activations`: one stage per layer with weights and its activation, per
// pooling layer, and the output). Each stage is one canvas of small tiles: a square per unit,
// or a feature map per filter; darker = more active (red/blue when a layer can go negative).
// The scale is each stage's own strongest value, which pynn chose; this module only paints.

import { paintTiles } from "./pictures.js";

const MAPS_PER_ROW = 8;

// Units in rows of 16 (256 → 16×16, 128 → 16×8), the output's 10 in one row; very wide
// layers in a square.
function columns({ kind, count }) {
  if (kind === "maps") return Math.min(count, MAPS_PER_ROW);
  if (kind === "probabilities") return count;
  return Math.max(16, Math.ceil(Math.sqrt(count)));
}

function describe({ kind, count, total, side }) {
  if (kind === "maps") {
    const shown = count < total ? `the first ${count} of ${total}` : `${count}`;
    return `${shown} feature maps, ${side}×${side}`;
  }
  if (kind === "probabilities") return `${count} outputs`;
  return `${count} units`;
}

export class Activations {
  constructor(list) {
    this.list = list;
    this.stages = [];    // [{canvas}] per stage, reused while the network keeps its shape
    this.clear();
  }

  clear() {
    this.list.replaceChildren();
    this.stages = [];
    delete this.list.dataset.shape;
    this.list.dataset.empty = "true";
    const note = document.createElement("li");
    note.className = "activations-empty";
    note.textContent = "Draw a digit: each layer's response appears here, from the pixels to the answer.";
    this.list.append(note);
  }

  // `answer`: a prediction with `activations`, or null (nothing drawn).
  show(answer) {
    if (!answer || !answer.activations) {
      this.clear();
      return;
    }
    const stages = answer.activations;
    const shape = stages.map((s) => `${s.label}:${s.count}:${s.side}`).join("|");
    if (shape !== this.list.dataset.shape) this.build(stages, shape);
    stages.forEach((stage, i) => {
      const { canvas } = this.stages[i];
      paintTiles(canvas, stage.values, { count: stage.count, side: stage.side, columns: columns(stage),
                                         signed: stage.signed });
      canvas.dataset.signed = String(stage.signed);
    });
    this.list.dataset.empty = "false";
    this.list.dataset.version = String(Number(this.list.dataset.version || 0) + 1);
  }

  build(stages, shape) {
    this.list.replaceChildren();
    this.stages = stages.map((stage, i) => {
      const item = document.createElement("li");
      item.className = `stage stage-${stage.kind}`;
      const title = document.createElement("span");
      title.className = "stage-title";
      title.textContent = `${i + 1}. ${stage.label}`;
      const size = document.createElement("span");
      size.className = "stage-size";
      size.textContent = describe(stage);
      const canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `${stage.label}: ${describe(stage)}, darker = more active`);
      item.append(title, size, canvas);
      this.list.append(item);
      return { canvas };
    });
    this.list.dataset.shape = shape;
  }
}
