// present.js: the presentation view, for a projector: large type, the draw pad and the live
// charts side by side, the rest of the studio out of the way. The header's Present button
// toggles it; a link with `present` in its hash (#present, or #present&lr=...) opens in it.
// The hash keeps the flag beside the form's settings (controls.js writes both).

import { hasPresentFlag, setPresentFlag } from "./controls.js";

// onChange(): after the view changed (the charts take the larger fonts).
export function setUpPresenting(button, onChange) {
  let shown = false;
  const show = (on) => {
    if (on === shown) return;
    shown = on;
    document.body.classList.toggle("present", on);
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "Leave presentation" : "Present";
    onChange();
  };
  button.addEventListener("click", () => {
    const on = !shown;
    show(on);
    setPresentFlag(on);
    window.scrollTo(0, 0);
  });
  window.addEventListener("hashchange", () => show(hasPresentFlag()));
  show(hasPresentFlag());
}
