// links.js: what a link does to the page. The URL hash always holds the form (controls.js
// writes it on every change, valid or not). A link (opened, pasted, or reached with
// Back/Forward) only fills the form: live settings apply as if typed, bad ones are marked,
// and a different architecture waits for Reset. So a trained network is never thrown away
// unless the person presses Reset.

import { readHash } from "./controls.js";
import { setStatus, showError } from "./status.js";

export async function followLink(controls, shared) {
  const current = controls.read();
  if (Object.entries(shared).every(([name, value]) => current[name] === value)) return;
  controls.fill({ ...current, ...shared });
  const answer = await controls.validate();
  if (!answer) return;
  if (!answer.valid) {
    showError("Some settings in the link are not valid; they are marked in the form.", "form");
  } else if (answer.needs_reset) {
    setStatus("The link describes another network: its settings are in the form. Press Reset "
              + "to build it (the current network stays until then).");
  }
}

export function followLinks(controls, isReady) {
  window.addEventListener("hashchange", () => {
    const shared = readHash();
    if (isReady() && shared) followLink(controls, shared);
  });
}
