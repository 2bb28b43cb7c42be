// probabilities.js: the predicted digit, ten probability bars and the 28×28 picture the
// network actually saw. It shows numbers pynn computed; it computes none.

import { paintDigit } from "./pictures.js";

export class Probabilities {
  constructor({ list, prediction, preview, caption }) {
    this.list = list;
    this.prediction = prediction;
    this.preview = preview;
    this.caption = caption;
    this.rows = [];
    for (let digit = 0; digit < 10; digit++) {
      const item = document.createElement("li");
      item.dataset.digit = String(digit);
      const label = document.createElement("span");
      label.className = "prob-digit";
      label.textContent = String(digit);
      const track = document.createElement("span");
      track.className = "prob-track";
      const bar = document.createElement("span");
      bar.className = "prob-bar";
      track.append(bar);
      const value = document.createElement("span");
      value.className = "prob-value";
      item.append(label, track, value);
      list.append(item);
      this.rows.push({ item, bar, value });
    }
    this.clear();
  }

  clear() {
    this.prediction.textContent = "";
    this.caption.textContent = "Draw a digit";
    this.list.dataset.empty = "true";
    for (const { item, bar, value } of this.rows) {
      item.classList.remove("top");
      item.removeAttribute("data-value");
      item.setAttribute("aria-label", `${item.dataset.digit}: no prediction`);
      bar.style.width = "0%";
      value.textContent = "";
    }
    paintDigit(this.preview, null);
  }

  show({ probs, digit, input }) {
    this.prediction.textContent = String(digit);
    this.caption.textContent = `${precise(probs[digit])} sure`;
    this.list.dataset.empty = "false";
    probs.forEach((p, i) => {
      const { item, bar, value } = this.rows[i];
      item.classList.toggle("top", i === digit);
      item.dataset.value = String(p);
      item.setAttribute("aria-label", `${i}: ${precise(p)}`);
      bar.style.width = `${p * 100}%`;
      value.textContent = precise(p);
    });
    paintDigit(this.preview, input);
  }
}

export function percent(p, digits = 1) {
  return `${(p * 100).toFixed(digits)}%`;
}

// A probability with as many decimals as it takes not to round up to 100% (99.2%, 99.96%):
// "100%" only for exactly 1, and "> 99.999%" beyond what three decimals can tell.
export function precise(p) {
  if (p >= 1) return "100%";
  for (let digits = 1; digits <= 3; digits++) {
    const text = (p * 100).toFixed(digits);
    if (Number(text) < 100) return `${text}%`;
  }
  return "> 99.999%";
}
