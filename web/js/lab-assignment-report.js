// lab-assignment-report.js: what the learner's network makes of the validation digits at the
// end of the assignment's run (lab-assignment.js): the confusion matrix (the studio's table,
// gallery.js) and the first digits it gets wrong, each a 28×28 picture captioned
// "true → predicted". Everything comes from Python's `report` (pynn.lab.assignment_slices'
// validation_report: counts, per cents, indices, uint8 pictures); this file only draws it.

import { confusionTable, paintConfusion } from "./gallery.js";
import { paintMap } from "./pictures.js";

const CAPTION = "Your network on the validation digits: row = the true digit, column = its answer "
  + "(counts; the shade is the share of the row)";

export class AssignmentReport {
  constructor({ box, summary, table, mistakes }) {
    this.box = box;            // hidden until there is a report
    this.summary = summary;
    this.table = table;
    this.mistakes = mistakes;
    this.cells = null;
  }

  clear() {
    this.box.hidden = true;
    this.summary.textContent = "";
    this.mistakes.replaceChildren();
  }

  // report: {epoch, n, right, confusion, confusion_percent, n_mistakes, mistakes,
  // mistakes_true, mistakes_predicted, pictures, side}; `stopped`: the run did not finish.
  show(report, { stopped = false } = {}) {
    const { epoch, n, right, n_mistakes: wrong, mistakes } = report;
    const when = stopped ? `After epoch ${epoch} (the run was stopped)` : `After epoch ${epoch}`;
    const shown = mistakes.length < wrong ? ` The first ${mistakes.length} wrong ones, in order:` : wrong ? " The wrong ones:" : "";
    this.summary.textContent = `${when}, your network gets ${right} of ${n} validation digits right and ${wrong} wrong.${shown}`;
    this.summary.dataset.n = String(n);
    if (!this.cells) this.cells = confusionTable(this.table, CAPTION);
    paintConfusion(this.cells, report.confusion, report.confusion_percent);
    this.mistakes.replaceChildren(...mistakes.map((index, k) => {
      const truth = report.mistakes_true[k];
      const said = report.mistakes_predicted[k];
      const item = document.createElement("li");
      item.className = "lab-run-mistake";
      const canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", `Validation digit ${index}: a ${truth}; your network says ${said}`);
      paintMap(canvas, report.pictures, k, report.side);
      const caption = document.createElement("span");
      caption.className = "digit-caption";
      caption.textContent = `${truth} → ${said}`;
      item.append(canvas, caption);
      return item;
    }));
    this.box.hidden = false;
  }
}
