// lab-view.js: the way into the lab from the studio. The lab opens above the studio (which
// keeps running below it), and stays open across reloads; its Python starts on first open.

import { $ } from "./dom.js";
import { Lab } from "./lab.js";

const OPEN_KEY = "pynn-lab:open";

export function setUpLab({ onTrain }) {
  const lab = new Lab({ onTrain });
  const button = $("lab-open");

  async function show(open, { scroll = true } = {}) {
    $("lab").hidden = !open;
    button.setAttribute("aria-pressed", String(open));
    button.textContent = open ? "Close the lab" : "Lab: write the layers yourself";
    try {
      localStorage.setItem(OPEN_KEY, open ? "1" : "0");
    } catch {
      /* storage disabled */
    }
    if (!open) return;
    if (scroll) $("lab").scrollIntoView({ block: "start" });
    await lab.open();
  }

  button.addEventListener("click", () => show($("lab").hidden));
  let reopen = false;
  try {
    reopen = localStorage.getItem(OPEN_KEY) === "1";
  } catch {
    /* storage disabled */
  }
  if (reopen) show(true, { scroll: false });
  return lab;
}
